/**
 * The relay's side of one carpdev (parent interface): an AF_PACKET socket whose BPF program lets
 * through only what concerns the carp interfaces attached to it. Each readable event moves one
 * batch: advertisements are parsed down to their CARP header and go to the protocol core; every
 * other frame is offered to the carp ports the inbound table names, and each port that took frames
 * writes them in one call, straight out of the receive buffer. A frame offered to several ports
 * (broadcast ARP, a solicited-node group) is one no port readdresses, so they can share its bytes.
 */
import type { MembershipKind, PacketSocket } from '../native/types';
import { VNET_HEADER_LENGTH } from '../native/types';
import { type MacAddress, formatMac, multicastMacFor } from '../wire/address';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP } from '../wire/carp';
import { WireError } from '../wire/errors';
import { type ParsedCarpPacket, parseCarpFrame } from '../wire/frames';
import { buildCarpdevFilter, packBpf, solicitedNodeMac } from './bpf';
import { type CarpdevCounters, zeroCarpdevCounters } from './counters';
import { FrameRing, type FrameSelection, packOwnFrames } from './frame-batch';
import type { ArpBalanceGroup } from './arpbalance-groups';
import { ADVERTISEMENT, type CarpRoutes, type InboundRoute, InboundTable } from './inbound-table';
import type { InboundPort, OutboundPort } from './ports';

export interface CarpdevSink {
  /**
   * A well-formed IP packet of protocol 112. `packet.payload` is a view into the receive buffer,
   * valid only during the call.
   */
  advertisement(carpdev: string, packet: ParsedCarpPacket): void;
  carpdevError(carpdev: string, operation: 'read' | 'write', error: unknown): void;
  /** Called before a batch (of a carpdev or a TAP) is read, so the daemon can notice that it stalled before acting on it. */
  beforeBatch?(): void;
  /** Wraps the handling of a batch that was read (the daemon re-arms its timer once per batch). */
  aroundBatch?(handle: () => void): void;
}

const CARP_GROUP_MACS = [multicastMacFor(CARP_IPV4_GROUP), multicastMacFor(CARP_IPV6_GROUP)];

export class CarpdevPort implements OutboundPort {
  private readonly table = new InboundTable<InboundPort>();
  private readonly ring = new FrameRing();
  private readonly prefix: number;
  private readonly counters: CarpdevCounters = zeroCarpdevCounters();
  /** Ports that took frames in the batch being processed. */
  private readonly touched = new Set<InboundPort>();
  /** The MACs the socket's filter leaves to the in-kernel data path, as text, to skip a filter that did not change. */
  private kernelCarried = '';
  /** Memberships currently joined, keyed "kind mac". */
  private memberships = new Map<string, { kind: MembershipKind; mac: MacAddress }>();

  constructor(
    readonly name: string,
    private readonly socket: PacketSocket,
    private readonly sink: CarpdevSink,
    vnetHeader: boolean,
  ) {
    this.prefix = vnetHeader ? VNET_HEADER_LENGTH : 0;
    socket.startReading(() => this.onReadable());
  }

  /**
   * Installs the routes of the attached carp interfaces — table and NIC memberships — and the
   * arpbalance groups among them (none while net.inet.carp.arpbalance is 0). The kernel filter
   * stays as it was opened: it does not depend on the routes (bpf.ts).
   */
  setRoutes(routes: readonly CarpRoutes<InboundPort>[], groups: readonly ArpBalanceGroup<InboundPort>[]): void {
    const macs = routes.flatMap((r) => r.macs.map((m) => m.mac));
    const addresses = routes.flatMap((r) => r.addresses);
    this.table.set(routes, groups);
    this.syncMemberships([
      ...macs.map((mac) => ({ kind: membershipKindOf(mac), mac })),
      ...CARP_GROUP_MACS.map((mac) => ({ kind: 'multicast' as const, mac })),
      ...addresses.filter((a) => a.family === 6).map((a) => ({ kind: 'multicast' as const, mac: solicitedNodeMac(a) })),
    ]);
  }

  /**
   * The MACs whose unicast IP the kernel now carries: the filter stops copying those frames to
   * the socket (replaced atomically). A failure leaves the old filter; the carp ports drop them.
   */
  setKernelCarried(macs: readonly MacAddress[]): void {
    const key = macs.map(formatMac).join(' ');
    if (key === this.kernelCarried) return;
    try {
      this.socket.setFilter(packBpf(buildCarpdevFilter(macs)));
      this.kernelCarried = key;
    } catch (e: unknown) {
      this.sink.carpdevError(this.name, 'write', e);
    }
  }

  transmit(arena: Buffer, selection: FrameSelection): number {
    if (selection.count === 0) return 0;
    try {
      return this.socket.writeBatch(arena, selection.offsets, selection.lengths, selection.count);
    } catch (e: unknown) {
      this.sink.carpdevError(this.name, 'write', e);
      return 0;
    }
  }

  /**
   * Sends frames the daemon built (advertisements, gratuitous ARP, NA). Throws the NativeError of
   * a failed send, so the caller can count a send error; returns how many were sent.
   */
  sendOwnFrames(frames: readonly Buffer[]): number {
    const { arena, selection } = packOwnFrames(frames, this.prefix > 0);
    return this.socket.writeBatch(arena, selection.offsets, selection.lengths, selection.count);
  }

  /** Reads and drops everything queued in the socket now; returns how many frames. */
  discardQueued(): number {
    let discarded = 0;
    for (;;) {
      let count: number;
      try {
        count = this.socket.readBatch(this.ring.arena, this.ring.slotSize, this.ring.lengths);
      } catch {
        // The next readable event reports a broken socket; discarding is best effort.
        break;
      }
      if (count === 0) break;
      discarded += count;
    }
    this.counters.stale += discarded;
    return discarded;
  }

  snapshot(): CarpdevCounters {
    return { ...this.counters };
  }

  close(): void {
    this.socket.close();
  }

  private onReadable(): void {
    this.sink.beforeBatch?.();
    let count: number;
    try {
      count = this.socket.readBatch(this.ring.arena, this.ring.slotSize, this.ring.lengths);
    } catch (e: unknown) {
      // The carpdev went away (its ifindex is gone); the daemon reopens it if it comes back.
      this.socket.stopReading();
      this.sink.carpdevError(this.name, 'read', e);
      return;
    }
    if (this.sink.aroundBatch) this.sink.aroundBatch(() => this.handleBatch(count));
    else this.handleBatch(count);
  }

  private handleBatch(count: number): void {
    const arena = this.ring.arena;
    for (let slot = 0; slot < count; slot++) {
      const offset = this.ring.offsetOf(slot);
      const length = this.ring.lengths[slot] as number;
      const routes = this.table.classify(arena, offset + this.prefix, length - this.prefix);
      if (routes === ADVERTISEMENT) {
        this.deliverAdvertisement(arena.subarray(offset, offset + length));
      } else if (routes === undefined) {
        this.counters.unclaimed++;
      } else {
        // An indexed loop: an array iterator would be an allocation per frame until optimized.
        for (let i = 0; i < routes.length; i++) {
          const { port, node } = routes[i] as InboundRoute<InboundPort>;
          port.offer(arena, offset, length, node);
          this.touched.add(port);
        }
      }
    }
    for (const port of this.touched) port.flush(arena);
    this.touched.clear();
  }

  /** Nothing that arrives may crash the daemon: a frame that is not well-formed IP is counted. */
  private deliverAdvertisement(frame: Uint8Array): void {
    let packet: ParsedCarpPacket;
    try {
      packet = parseCarpFrame(frame, this.prefix);
    } catch (e: unknown) {
      if (!(e instanceof WireError)) throw e;
      this.counters.malformed++;
      return;
    }
    this.counters.advertisements++;
    this.sink.advertisement(this.name, packet);
  }

  private syncMemberships(wanted: readonly { kind: MembershipKind; mac: MacAddress }[]): void {
    const next = new Map(wanted.map((m) => [`${m.kind} ${formatMac(m.mac)}`, m]));
    for (const [key, m] of this.memberships) {
      if (!next.has(key)) this.socket.dropMembership(m.kind, m.mac);
    }
    for (const [key, m] of next) {
      if (!this.memberships.has(key)) this.socket.addMembership(m.kind, m.mac);
    }
    this.memberships = next;
  }
}

/** A NIC needs a unicast membership for a unicast MAC it does not own, multicast for a group. */
function membershipKindOf(mac: MacAddress): MembershipKind {
  return ((mac[0] as number) & 0x01) === 0 ? 'unicast' : 'multicast';
}
