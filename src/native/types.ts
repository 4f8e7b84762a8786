/**
 * The TypeScript face of the native addon (native/). Only src/native/binding.ts loads the .node
 * file; everything else depends on these interfaces, so tests can substitute a fake.
 *
 * Frames cross the boundary in batches, in caller-owned buffers: `arena` holds slot i at
 * [i * slotSize, (i + 1) * slotSize). With `vnetHeader` on, every frame read or written starts with
 * the 10-byte struct virtio_net_hdr (docs/protocol.md §7.2: GSO/GRO super-frames pass whole).
 */

/** An Error from a failed system call. */
export interface NativeError extends Error {
  /** Positive errno value, e.g. 1 for EPERM. */
  readonly errno: number;
  /** Symbolic errno, e.g. "EPERM". */
  readonly code: string;
  /** The call that failed, e.g. "ioctl(TUNSETIFF)". */
  readonly syscall: string;
}

export const VNET_HEADER_LENGTH = 10;
/** struct virtio_net_hdr: the flags byte, and the flag saying the checksum is left to the device. */
export const VNET_OFFSET_FLAGS = 0;
export const VNET_F_NEEDS_CSUM = 0x01;

export interface FrameIo {
  /** The file descriptor, for diagnostics only. */
  readonly fd: number;
  readonly closed: boolean;
  /**
   * Reads up to `lengths.length` frames without blocking into consecutive slots of `arena`;
   * `lengths[i]` receives the length of frame i. Returns how many were read (0: nothing waiting).
   * A frame longer than `slotSize` is dropped, not truncated.
   */
  readBatch(arena: Buffer, slotSize: number, lengths: Uint32Array): number;
  /**
   * Writes frames `arena[offsets[i], offsets[i] + lengths[i])` for i < count, in order, without
   * blocking. Returns how many were written; it stops early on EAGAIN/ENOBUFS (the rest are the
   * caller's to count as dropped). Any other error on the first frame throws a NativeError.
   */
  writeBatch(arena: Buffer, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  /** Calls `onReadable` from the event loop while the fd is readable (uv_poll, level-triggered). */
  startReading(onReadable: () => void): void;
  stopReading(): void;
  /** Stops reading and closes the fd; safe to call twice. */
  close(): void;
}

export interface TapOptions {
  /** IFF_VNET_HDR plus TUNSETOFFLOAD (checksum, TSO4/6, ECN). */
  readonly vnetHeader: boolean;
}

/** A TAP device (IFF_TAP | IFF_NO_PI), created or re-attached by name. */
export interface TapDevice extends FrameIo {
  readonly name: string;
  readonly ifindex: number;
  /** TUNSETPERSIST: the device outlives this fd (and the daemon). */
  setPersist(persist: boolean): void;
  /** TUNSETCARRIER: NO-CARRIER while off; the kernel then sends nothing into the TAP. */
  setCarrier(up: boolean): void;
  /** SIOCSIFHWADDR. */
  setMac(mac: Buffer): void;
}

export type MembershipKind = 'unicast' | 'multicast';

export interface PacketSocketOptions {
  /** Classic BPF program, attached before bind so no unfiltered frame is ever queued. */
  readonly filter: Buffer;
  /** PACKET_VNET_HDR. */
  readonly vnetHeader: boolean;
}

/** AF_PACKET/SOCK_RAW on one interface, with PACKET_IGNORE_OUTGOING. */
export interface PacketSocket extends FrameIo {
  readonly ifname: string;
  readonly ifindex: number;
  /** Replaces the BPF program atomically (SO_ATTACH_FILTER). */
  setFilter(filter: Buffer): void;
  /** PACKET_ADD_MEMBERSHIP: a real NIC drops frames to MACs it does not own without one. */
  addMembership(kind: MembershipKind, mac: Buffer): void;
  dropMembership(kind: MembershipKind, mac: Buffer): void;
}

/**
 * A raw IP socket of protocol 112 bound to one interface (SO_BINDTODEVICE), with IP_HDRINCL /
 * IPV6_HDRINCL: it sends whole IP packets and the kernel routes them and resolves the next hop's
 * MAC. It never queues anything for reading; while it is open the kernel does not answer
 * protocol-112 packets to this host with ICMP protocol unreachable (docs/design.md).
 */
export interface IpSocket {
  readonly fd: number;
  /** sendto(): `packet` starts at its IP header; `destination` is 4 or 16 address bytes. */
  sendTo(packet: Buffer, destination: Buffer): void;
  /** Safe to call twice. */
  close(): void;
}

export interface NativeBinding {
  openTap(name: string, options: TapOptions): TapDevice;
  openPacketSocket(ifname: string, options: PacketSocketOptions): PacketSocket;
  openIpSocket(ifname: string, family: 4 | 6): IpSocket;
}

/** Who listens on a Unix socket, as the kernel recorded it at listen() (SO_PEERCRED). */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** A connected, non-blocking Unix stream socket: the fd is the caller's to close or to wrap. */
export interface UnixConnection {
  readonly fd: number;
  readonly peer: PeerCredentials;
}

/** One classic BPF instruction (struct sock_filter); `packBpf` in src/relay/bpf.ts encodes them. */
export interface BpfInstruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}
