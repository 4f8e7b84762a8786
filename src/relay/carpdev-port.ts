/**
 * The relay's side of one carpdev (parent interface): an AF_PACKET socket whose BPF program lets
 * through only what concerns the carp interfaces attached to it. Each readable event moves one
 * batch: advertisements go to the protocol core, frames for a carp interface are selected per
 * TAP and written in one call per TAP, straight out of the receive buffer.
 */
import type { MembershipKind, PacketSocket } from '../native/types';
import { VNET_HEADER_LENGTH } from '../native/types';
import { type MacAddress, formatMac, multicastMacFor } from '../wire/address';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP } from '../wire/carp';
import { buildCarpdevFilter, packBpf, solicitedNodeMac } from './bpf';
import type { CarpPort } from './carp-port';
import { FrameRing, type FrameSelection, packOwnFrames } from './frame-batch';
import { ADVERTISEMENT, type InboundRoute, InboundTable } from './inbound-table';

export interface CarpdevSink {
  /** A frame that looks like an advertisement (IP protocol 112), starting at `offset`. */
  advertisement(carpdev: string, frame: Uint8Array, offset: number): void;
  carpdevError(carpdev: string, operation: 'read' | 'write', error: unknown): void;
}

const CARP_GROUP_MACS = [multicastMacFor(CARP_IPV4_GROUP), multicastMacFor(CARP_IPV6_GROUP)];

export class CarpdevPort {
  private readonly table = new InboundTable<CarpPort>();
  private readonly ring = new FrameRing();
  private readonly prefix: number;
  /** Memberships currently joined, keyed "kind mac". */
  private memberships = new Map<string, { kind: MembershipKind; mac: MacAddress }>();
  /** Frames that matched no carp interface (the filter is broader than the table for a moment). */
  unclaimed = 0;

  constructor(
    readonly name: string,
    private readonly socket: PacketSocket,
    private readonly sink: CarpdevSink,
    vnetHeader: boolean,
  ) {
    this.prefix = vnetHeader ? VNET_HEADER_LENGTH : 0;
    socket.startReading(() => this.onReadable());
  }

  get ifindex(): number {
    return this.socket.ifindex;
  }

  /** Installs the routes of the attached carp interfaces: table, BPF program and NIC memberships. */
  setRoutes(routes: readonly InboundRoute<CarpPort>[]): void {
    const addresses = routes.flatMap((r) => r.addresses);
    this.socket.setFilter(packBpf(buildCarpdevFilter({ virtualMacs: routes.map((r) => r.mac), addresses })));
    this.table.set(routes);
    this.syncMemberships([
      ...routes.map((r) => ({ kind: membershipKindOf(r.mac), mac: r.mac })),
      ...CARP_GROUP_MACS.map((mac) => ({ kind: 'multicast' as const, mac })),
      ...addresses.filter((a) => a.family === 6).map((a) => ({ kind: 'multicast' as const, mac: solicitedNodeMac(a) })),
    ]);
  }

  /** Sends frames of another port's buffer (carpN's outbound traffic); returns how many left. */
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

  close(): void {
    this.socket.close();
  }

  private onReadable(): void {
    let count: number;
    try {
      count = this.socket.readBatch(this.ring.arena, this.ring.slotSize, this.ring.lengths);
    } catch (e: unknown) {
      // The carpdev went away (its ifindex is gone); the daemon reopens it if it comes back.
      this.socket.stopReading();
      this.sink.carpdevError(this.name, 'read', e);
      return;
    }
    const touched = new Set<CarpPort>();
    for (let slot = 0; slot < count; slot++) {
      const offset = this.ring.offsetOf(slot);
      const length = this.ring.lengths[slot] as number;
      const verdict = this.table.classify(this.ring.arena, offset + this.prefix, length - this.prefix);
      if (verdict === ADVERTISEMENT) {
        this.sink.advertisement(this.name, this.ring.arena.subarray(offset, offset + length), this.prefix);
      } else if (verdict === undefined) {
        this.unclaimed++;
      } else if (verdict.forwarding) {
        verdict.inbound.add(offset, length);
        touched.add(verdict);
      } else {
        verdict.counters.droppedNotMaster++;
      }
    }
    for (const port of touched) port.flushInbound(this.ring.arena);
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
