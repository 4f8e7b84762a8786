/**
 * A NativeBinding on one FakeKernel: TAP devices, packet sockets and raw IP sockets in memory, with
 * the addon's argument checks and the errors its system calls would fail with (native/tap.cc,
 * native/packet_socket.cc, native/ip_socket.cc), so the relay and the daemon meet the same refusals as on Linux.
 */
import type { NativeBinding, PacketSocketOptions, TapOptions } from '../../src/native/types';
import { checkFilterSize, loadFilter } from './bpf-program';
import { type Errno, systemError } from './errno';
import type { FakeKernel } from './fake-kernel';
import { FakeIpSocket, type NeighbourTable } from './fake-ip-socket';
import { FakePacketSocket } from './fake-packet-socket';
import { FakeTap } from './fake-tap';
import type { Scheduler } from './scheduler';

/** What tun.c says a TUNSETIFF failure means (native/tap.cc TunSetIffHint). */
const TUNSETIFF_HINTS: Partial<Record<Errno, string>> = {
  EINVAL: 'an interface of this name exists and is not a single-queue TAP device',
  EBUSY: 'the TAP device is attached to another file descriptor, e.g. of a running daemon',
  EPERM: 'creating or attaching a TAP device needs CAP_NET_ADMIN',
};

export type OpenCall = 'openTap' | 'openPacketSocket' | 'openIpSocket';

export interface MemoryBindingOptions {
  /** Frames a TAP fd holds for reading: tun's default txqueuelen. */
  readonly tapQueueLimit?: number;
  /** Frames a packet socket holds: about what its 2 MiB receive buffer takes of small frames. */
  readonly socketQueueLimit?: number;
  /** The first fd number handed out. */
  readonly firstFd?: number;
  /** Who has an address on a link's segment (the World knows); without it nobody does. */
  readonly neighbours?: NeighbourTable;
}

/** dev_valid_name(), as the addon checks it before any system call (native/args.cc). */
function checkName(call: OpenCall, name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > 15) throw new RangeError(`${call}: an interface name must be 1 to 15 bytes, not ${bytes}`);
  if (/[/:\s\0]/.test(name)) throw new RangeError(`${call}: an interface name must not contain '/', ':', whitespace or NUL`);
  if (name === '.' || name === '..') throw new RangeError(`${call}: "${name}" is not a valid interface name`);
}

export class MemoryBinding implements NativeBinding {
  /** Every TAP fd opened, closed ones included. */
  readonly taps: FakeTap[] = [];
  /** Every packet socket opened, closed ones included. */
  readonly sockets: FakePacketSocket[] = [];
  /** Every raw IP socket opened, closed ones included. */
  readonly ipSockets: FakeIpSocket[] = [];
  private readonly neighbours: NeighbourTable;
  private readonly openFailures = new Map<OpenCall, Errno>();
  private readonly tapQueueLimit: number;
  private readonly socketQueueLimit: number;
  private nextFd: number;

  constructor(
    readonly kernel: FakeKernel,
    private readonly scheduler: Scheduler,
    options: MemoryBindingOptions = {},
  ) {
    this.tapQueueLimit = options.tapQueueLimit ?? 500;
    this.socketQueueLimit = options.socketQueueLimit ?? 4096;
    this.nextFd = options.firstFd ?? 20;
    this.neighbours = options.neighbours ?? (() => undefined);
  }

  /** TUNSETIFF: creates the device (down, random MAC) or attaches to a persistent one. */
  openTap(name: string, options: TapOptions): FakeTap {
    checkName('openTap', name);
    const refuse = (errno: Errno): Error => systemError(name, 'ioctl(TUNSETIFF)', errno, TUNSETIFF_HINTS[errno]);
    const injected = this.takeFailure('openTap');
    if (injected) throw refuse(injected);
    const existing = this.kernel.link(name);
    if (existing && existing.kind !== 'tap') throw refuse('EINVAL');
    if (existing?.tap?.attached) throw refuse('EBUSY');
    const link = existing ?? this.kernel.createTap(name);
    const tap = new FakeTap(this.scheduler, this.nextFd++, this.kernel, link, {
      vnetHeader: options.vnetHeader,
      queueLimit: this.tapQueueLimit,
    });
    this.taps.push(tap);
    return tap;
  }

  /**
   * A packet socket on an Ethernet link of the kernel. A link without a segment NIC (a TAP, a
   * bridge) would take one on Linux; the fake has nothing to carry its frames and says so.
   */
  openPacketSocket(ifname: string, options: PacketSocketOptions): FakePacketSocket {
    checkName('openPacketSocket', ifname);
    checkFilterSize(ifname, options.filter);
    const link = this.kernel.link(ifname);
    if (!link) throw systemError(ifname, 'if_nametoindex', 'ENODEV');
    const injected = this.takeFailure('openPacketSocket');
    if (injected) {
      throw systemError(ifname, 'socket(AF_PACKET)', injected, injected === 'EPERM' ? 'a packet socket needs CAP_NET_RAW' : '');
    }
    const program = loadFilter(ifname, options.filter);
    if (!link.nic) throw systemError(ifname, 'bind', 'ENODEV', 'the fake binding has no segment behind this link');
    const socket = new FakePacketSocket(this.scheduler, this.nextFd++, link, link.nic, program, {
      vnetHeader: options.vnetHeader,
      queueLimit: this.socketQueueLimit,
    });
    this.sockets.push(socket);
    return socket;
  }

  /** A raw IP socket bound to an Ethernet link of the kernel (native/ip_socket.cc). */
  openIpSocket(ifname: string, family: 4 | 6): FakeIpSocket {
    checkName('openIpSocket', ifname);
    const link = this.kernel.link(ifname);
    if (!link) throw systemError(ifname, 'if_nametoindex', 'ENODEV');
    const injected = this.takeFailure('openIpSocket');
    if (injected) {
      throw systemError(ifname, 'socket(SOCK_RAW)', injected, injected === 'EPERM' ? 'a raw IP socket needs CAP_NET_RAW' : '');
    }
    const socket = new FakeIpSocket(this.nextFd++, link, family, this.neighbours);
    this.ipSockets.push(socket);
    return socket;
  }

  /** The next `call` fails with `errno` (EPERM: no CAP_NET_ADMIN or CAP_NET_RAW). */
  failNextOpen(call: OpenCall, errno: Errno): void {
    this.openFailures.set(call, errno);
  }

  /** The open fd of TAP `name`. */
  tap(name: string): FakeTap | undefined {
    return this.taps.find((tap) => tap.name === name && !tap.closed);
  }

  /** The open packet sockets on `ifname`. */
  socketsOn(ifname: string): FakePacketSocket[] {
    return this.sockets.filter((socket) => socket.ifname === ifname && !socket.closed);
  }

  private takeFailure(call: OpenCall): Errno | undefined {
    const errno = this.openFailures.get(call);
    this.openFailures.delete(call);
    return errno;
  }
}
