/**
 * An AF_PACKET socket bound to one Ethernet link, with PACKET_IGNORE_OUTGOING, as
 * net/packet/af_packet.c behaves for it: it sees the frames its NIC accepts from the segment
 * (never this host's own, which are outgoing), trimmed or dropped by its BPF program; while the
 * link is down it is unhooked (receives nothing, sends ENETDOWN) and the going-down wakes a
 * reader once; once the link is deleted it stays silent and sends fail with ENXIO. Memberships
 * are counted per socket and dropped with it, as packet_mc_add/packet_flush_mclist do.
 */
import { type BpfInstruction, type MembershipKind, type PacketSocket, VNET_HEADER_LENGTH } from '../../src/native/types';
import { formatMac } from '../../src/wire/address';
import { ETHERNET_HEADER_LENGTH } from '../../src/wire/ethernet';
import { filterVerdict, loadFilter } from './bpf-program';
import { type Errno, systemError } from './errno';
import { FakeFrameIo } from './frame-io';
import type { KernelLink } from './kernel-link';
import type { Scheduler } from './scheduler';
import type { Port } from './segment';

const MAC_LENGTH = 6;

export class FakePacketSocket extends FakeFrameIo implements PacketSocket {
  readonly ifname: string;
  readonly ifindex: number;
  private program: BpfInstruction[];
  /** "kind mac" -> how often this socket added it; the NIC holds one reference per entry. */
  private readonly memberships = new Map<string, { mac: Buffer; count: number }>();
  /** The prot hook is registered: the link is up (packet_notifier). */
  private hooked: boolean;
  private readonly stopHearing: () => void;
  private readonly stopWatching: () => void;

  constructor(
    scheduler: Scheduler,
    fd: number,
    private readonly link: KernelLink,
    private readonly nic: Port,
    program: BpfInstruction[],
    options: { readonly vnetHeader: boolean; readonly queueLimit: number },
  ) {
    super(scheduler, fd, {
      subject: link.name,
      readSyscall: 'recvmmsg',
      writeSyscall: 'sendmmsg',
      minSlotSize: (options.vnetHeader ? VNET_HEADER_LENGTH : 0) + ETHERNET_HEADER_LENGTH,
      vnetHeader: options.vnetHeader,
      queueLimit: options.queueLimit,
    });
    this.ifname = link.name;
    this.ifindex = link.index;
    this.program = program;
    this.hooked = link.adminUp;
    this.stopHearing = nic.onFrame((frame) => this.frameArrived(frame));
    this.stopWatching = link.watch(() => this.linkChanged());
  }

  /** Frames already queued stay queued; the new program judges what arrives next. */
  setFilter(filter: Buffer): void {
    this.ensureOpen('setsockopt(SO_ATTACH_FILTER)');
    this.program = loadFilter(this.ifname, filter);
  }

  addMembership(kind: MembershipKind, mac: Buffer): void {
    const entry = this.membership('setsockopt(PACKET_ADD_MEMBERSHIP)', kind, mac);
    if (entry) {
      entry.count++;
      return;
    }
    if (!this.link.present) throw systemError(this.ifname, 'setsockopt(PACKET_ADD_MEMBERSHIP)', 'ENODEV');
    this.memberships.set(`${kind} ${formatMac(mac)}`, { mac: Buffer.from(mac), count: 1 });
    this.nic.accept(mac);
  }

  dropMembership(kind: MembershipKind, mac: Buffer): void {
    const syscall = 'setsockopt(PACKET_DROP_MEMBERSHIP)';
    const entry = this.membership(syscall, kind, mac);
    if (!entry) throw systemError(this.ifname, syscall, 'EADDRNOTAVAIL');
    if (--entry.count > 0) return;
    this.memberships.delete(`${kind} ${formatMac(mac)}`);
    this.nic.unaccept(mac);
  }

  protected checkReadable(): void {
    // The ENETDOWN of a link gone down or away is consumed quietly (native/frame_io.cc).
  }

  protected writeRefusal(): Errno | null {
    if (!this.link.present) return 'ENXIO';
    return this.link.adminUp ? null : 'ENETDOWN';
  }

  /** Without carrier the frame goes to the noop qdisc: dropped, yet the send succeeds. */
  protected transmit(frame: Buffer): Errno | null {
    if (frame.length - ETHERNET_HEADER_LENGTH > this.link.mtu) return 'EMSGSIZE';
    this.nic.send(frame);
    return null;
  }

  protected released(): void {
    this.stopHearing();
    this.stopWatching();
    this.flushMemberships();
  }

  private membership(syscall: string, kind: MembershipKind, mac: Buffer): { mac: Buffer; count: number } | undefined {
    this.ensureOpen(syscall);
    if (mac.length !== MAC_LENGTH) {
      throw new RangeError(`${this.ifname}: a MAC address is ${MAC_LENGTH} bytes, not ${mac.length}`);
    }
    return this.memberships.get(`${kind} ${formatMac(mac)}`);
  }

  /** The NIC of a link that is down passes nothing, so only a hooked socket gets here. */
  private frameArrived(frame: Buffer): void {
    const keep = filterVerdict(this.program, frame);
    if (keep > 0) this.deliver(frame.subarray(0, keep));
  }

  /** packet_notifier: NETDEV_DOWN unhooks and posts ENETDOWN, NETDEV_UP hooks again. */
  private linkChanged(): void {
    const up = this.link.present && this.link.adminUp;
    if (this.hooked && !up) this.pollError('resume');
    this.hooked = up;
    if (this.link.present) return;
    // Bound to an ifindex that is gone: even a new link on the same NIC is not this socket's.
    this.stopHearing();
    this.stopWatching();
    this.flushMemberships();
  }

  private flushMemberships(): void {
    for (const { mac } of this.memberships.values()) this.nic.unaccept(mac);
    this.memberships.clear();
  }
}
