/**
 * The relay's side of one carpN TAP. It decides alone what passes, per virtual host: a frame from
 * the carpdev enters carpN only if this host is MASTER of the node the frame is for (in balancing
 * modes the node is picked by a hash: balancing.ts), and frames the kernel sends on carpN leave
 * while some node is MASTER, or always in a balancing mode (OpenBSD). Without balancing, nothing
 * passes either way in BACKUP and INIT (the carrier is off too, but the kernel still accepts
 * frames written into a TAP without carrier: docs/protocol.md §7.3). A member of an arpbalance
 * group sends what leaves from the shared address as the member it belongs to
 * (arpbalance-sender.ts), whichever member's TAP the kernel put it on.
 */
import { type TapDevice, VNET_F_NEEDS_CSUM, VNET_OFFSET_FLAGS } from '../native/types';
import { BROADCAST_MAC, type MacAddress } from '../wire/address';
import { ETHERNET_OFFSET_DESTINATION } from '../wire/ethernet';
import { type ArpBalanceSender, sendFrom } from './arpbalance-sender';
import { ANY_NODE, BalancingPolicy, type PortBalancing } from './balancing';
import { type RelayCounters, zeroRelayCounters } from './counters';
import { FrameRing, FrameSelection } from './frame-batch';
import { ASKING_INTERFACE, LEADER_NODE } from './inbound-table';
import { carriedByFastPath } from './fast-path-frames';
import { writeMac } from './neighbor-frames';
import type { InboundPort, MemberPort, OutboundPort } from './ports';

/** OpenBSD keeps the MASTER nodes of an interface in a 32-bit mask (lsmask): at most 32 nodes. */
const MAX_NODES = 32;

export class CarpPort implements InboundPort, MemberPort {
  private readonly counters: RelayCounters = zeroRelayCounters();
  /** Bit i is set while this host is MASTER of node i (in vhid order). */
  private masters = 0;
  private carpdev: OutboundPort | null = null;
  private policy: BalancingPolicy | null = null;
  /** The arpbalance groups of the carpdev, while carpN is a member of one. */
  private arpBalance: ArpBalanceSender<MemberPort> | null = null;
  /** Frames taken for this TAP out of the carpdev batch being processed. */
  private readonly inbound = new FrameSelection();
  private readonly outbound = new FrameSelection();
  /** carpN's MAC while the kernel carries its unicast IP frames (fast-path-frames.ts); null otherwise. */
  private fastPathMac: MacAddress | null = null;

  constructor(
    readonly ifname: string,
    private readonly tap: TapDevice,
    /** Bytes of virtio-net header before each frame, in the TAP's and the carpdev's buffers. */
    private readonly prefix: number,
    private readonly onError: (ifname: string, operation: 'read' | 'write', error: unknown) => void,
    /**
     * Called before a batch from the kernel is read: after a stall, what the kernel queued on carpN
     * meanwhile (retransmissions from the address) must meet the state the stall leads to.
     */
    private readonly beforeBatch: () => void = () => undefined,
    /**
     * What a batch from the TAP is read into. A batch is read, relayed and written within one
     * call, so the ports of a relay share one ring (4 MiB) instead of holding one each.
     */
    private readonly ring: FrameRing = new FrameRing(),
  ) {
    tap.startReading(() => this.onTapReadable());
  }

  /** The carpdev port carpN's frames leave through; null while carpN has no usable carpdev. */
  attach(carpdev: OutboundPort | null): void {
    this.carpdev = carpdev;
  }

  /** How carpN meets the wire, for `nodeCount` nodes; null before it has a vhid. */
  setBalancing(balancing: PortBalancing | null, nodeCount: number): void {
    this.policy = balancing === null ? null : new BalancingPolicy(balancing, nodeCount);
  }

  /** The arpbalance groups of carpN's carpdev while carpN is a member of one; null otherwise. */
  setArpBalance(sender: ArpBalanceSender<MemberPort> | null): void {
    this.arpBalance = sender;
  }

  /** The accept set: the indexes (in vhid order) of the nodes this host is MASTER of. */
  setMasters(nodes: readonly number[]): void {
    let mask = 0;
    for (const node of nodes) {
      if (Number.isInteger(node) && node >= 0 && node < MAX_NODES) mask |= 1 << node;
    }
    this.masters = mask;
  }

  /** The kernel carries carpN's unicast IP frames to `mac` from now on (null: the relay carries them again). */
  setFastPath(mac: MacAddress | null): void {
    this.fastPathMac = mac;
  }

  isMaster(node: number): boolean {
    if (node === ANY_NODE) return this.masters !== 0;
    return node >= 0 && ((this.masters >>> node) & 1) === 1;
  }

  offer(arena: Buffer, offset: number, length: number, selector: number): void {
    const at = offset + this.prefix;
    if (selector === ASKING_INTERFACE) {
      this.takeArpReply(arena, offset, length);
      return;
    }
    if (this.fastPathMac !== null && carriedByFastPath(arena, at, this.fastPathMac)) return;
    const frameLength = length - this.prefix;
    const node = this.policy === null ? selector : this.policy.nodeOf(arena, at, frameLength, selector);
    if (!this.isMaster(node)) {
      this.counters.droppedNotMaster++;
      return;
    }
    this.policy?.readdressInbound(arena, at);
    this.inbound.add(offset, length);
  }

  flush(arena: Buffer): void {
    const selected = this.inbound.count;
    if (selected === 0) return;
    this.inbound.clear();
    let written = 0;
    try {
      written = this.tap.writeBatch(arena, this.inbound.offsets, this.inbound.lengths, selected);
    } catch (e: unknown) {
      this.onError(this.ifname, 'write', e);
    }
    this.counters.framesIn += written;
    this.counters.droppedWriteFailed += selected - written;
  }

  snapshot(): RelayCounters {
    return { ...this.counters };
  }

  stop(): void {
    this.tap.stopReading();
  }

  private onTapReadable(): void {
    this.beforeBatch();
    let count: number;
    try {
      count = this.tap.readBatch(this.ring.arena, this.ring.slotSize, this.ring.lengths);
    } catch (e: unknown) {
      // The device went away under us (EBADFD after `ip link del`): stop, the daemon cleans up.
      this.tap.stopReading();
      this.onError(this.ifname, 'read', e);
      return;
    }
    if (count === 0) return;
    const policy = this.policy;
    const sendsAlone = this.sends();
    if (this.carpdev === null || (!sendsAlone && this.arpBalance === null)) {
      this.counters.droppedNotMaster += count;
      return;
    }
    this.outbound.clear();
    const arena = this.ring.arena;
    let dropped = 0;
    for (let slot = 0; slot < count; slot++) {
      const offset = this.ring.offsetOf(slot);
      const length = this.ring.lengths[slot] as number;
      const at = offset + this.prefix;
      const frameLength = length - this.prefix;
      const member = this.arpBalance?.memberFor(arena, at, frameLength);
      if (member !== undefined) {
        // The destination resolved the address to this member's MAC: only the member's MASTER
        // may send to it, and from that MAC, or the switch would learn the MAC at the wrong host.
        if (!member.port.isMaster(LEADER_NODE)) {
          dropped++;
          continue;
        }
        sendFrom(arena, at, frameLength, member.mac);
      } else if (!sendsAlone) {
        dropped++;
        continue;
      } else if (policy !== null) {
        const checksumPending = this.prefix > 0 && ((arena[offset + VNET_OFFSET_FLAGS] as number) & VNET_F_NEEDS_CSUM) !== 0;
        policy.readdressOutbound(arena, at, frameLength, checksumPending);
      }
      this.outbound.add(offset, length);
    }
    this.counters.droppedNotMaster += dropped;
    const sent = this.carpdev.transmit(this.ring.arena, this.outbound);
    this.counters.framesOut += sent;
    this.counters.droppedWriteFailed += this.outbound.count - sent;
  }

  /**
   * An ARP reply to the address carpN shares in an arpbalance group: carpN's stack may be the one
   * that asked, if it can send at all. The request left with another member's MAC, and a stack
   * drops a frame to a MAC not its own (PACKET_OTHERHOST), so the reply enters as a broadcast;
   * every interface that takes it writes those same bytes into the shared buffer.
   */
  private takeArpReply(arena: Buffer, offset: number, length: number): void {
    if (!this.sends()) {
      this.counters.droppedNotMaster++;
      return;
    }
    writeMac(arena, offset + this.prefix + ETHERNET_OFFSET_DESTINATION, BROADCAST_MAC);
    this.inbound.add(offset, length);
  }

  /** Whether frames from carpN's stack may leave on their own: some node is MASTER, or a balancing mode. */
  private sends(): boolean {
    return this.masters !== 0 || this.policy?.alwaysSends === true;
  }
}
