/**
 * What a carp port does per frame in each balancing mode (docs/protocol.md §4.3): which frames
 * from the carpdev it keeps, how it readdresses them for carpN, and how it readdresses what carpN
 * sends. The kernel on carpN knows one MAC, the TAP's unicast one (Linux gives no Ethernet device a
 * multicast address); the world may know others — the multicast MAC of `balancing ip`, a MAC per
 * node in `balancing arp`, the carpdev's own MAC where the virtual one must never be a source.
 * Per frame: integers and in-place writes only, no allocation.
 */
import { type ArpHashKey, carpHash } from '../balance/arp-hash';
import { UNFILTERED, filterFold } from '../balance/filter-fold';
import { BY_ARP_HASH, BY_IP_HASH } from '../balance/node-selectors';
import type { BalancingMode } from '../balance/modes';
import type { MacAddress } from '../wire/address';
import { ARP_OPERATION_REPLY, ARP_OPERATION_REQUEST } from '../wire/arp';
import { ETHERNET_MAC_LENGTH, ETHERNET_OFFSET_DESTINATION, ETHERNET_OFFSET_SOURCE } from '../wire/ethernet';
import { NDP_TYPE_NEIGHBOR_ADVERTISEMENT, NDP_TYPE_NEIGHBOR_SOLICITATION } from '../wire/ndp';
import { arpMacAt, arpOperation, neighborDiscoveryType, neighborMacAt, writeMac, writeNeighborMac } from './neighbor-frames';

/** How one carp interface meets the wire; from the core's configuration (src/carp/link-layer.ts). */
export interface PortBalancing {
  /** The mode in force. */
  readonly mode: BalancingMode;
  /** carpN's own (TAP) MAC: the leader's unicast virtual MAC. */
  readonly tapMac: MacAddress;
  /** The MAC ARP and NA answer with: multicast 01:00:5e:00:01:<leader> in `ip`, else tapMac. */
  readonly wireMac: MacAddress;
  /** Each node's MAC, in node order (`arp`: 00:00:5e:00:01:<its vhid>). */
  readonly nodeMacs: readonly MacAddress[];
  /** carp_hash's key (`arp` only). */
  readonly arpKey: ArpHashKey | null;
  /** The carpdev's own MAC, the source of frames that must not carry a virtual MAC (`ip`, `ip-stealth`). */
  readonly carpdevMac: MacAddress | null;
}

/** Frames for carpN: which node decides, and how to make them carpN's. */
export class BalancingPolicy {
  constructor(
    private readonly view: PortBalancing,
    private readonly nodeCount: number,
  ) {}

  /**
   * The node a frame at frame[at, at + length) routed by `selector` is for; -1 when no node is
   * (a solicitation without a source link-layer address gets no answer in `arp`, as in OpenBSD).
   * UNFILTERED frames (not IP, neighbour discovery, ...) are every MASTER node's: ANY_NODE.
   */
  nodeOf(frame: Uint8Array, at: number, length: number, selector: number): number {
    if (selector >= 0) return selector;
    if (this.nodeCount === 0) return -1;
    if (selector === BY_IP_HASH) {
      const fold = filterFold(frame, at, length);
      return fold === UNFILTERED ? ANY_NODE : fold % this.nodeCount;
    }
    if (selector === BY_ARP_HASH && this.view.arpKey !== null) {
      const mac = requesterMacAt(frame, at, length);
      return mac < 0 ? -1 : carpHash(this.view.arpKey, frame, mac) % this.nodeCount;
    }
    return -1;
  }

  /** Addresses a kept frame to carpN when the world addressed it to another of its MACs. */
  readdressInbound(frame: Uint8Array, at: number): void {
    const { mode, tapMac } = this.view;
    if (mode !== 'ip' && mode !== 'arp') return;
    const destination = at + ETHERNET_OFFSET_DESTINATION;
    if (this.isForeignVirtualMac(frame, destination)) writeMac(frame, destination, tapMac);
  }

  /** Whether frames carpN sends may leave whatever the node states (every balancing mode). */
  get alwaysSends(): boolean {
    return this.view.mode !== 'none';
  }

  /**
   * Readdresses a frame carpN sent: the MAC in ARP replies and advertisements, and the Ethernet
   * source, as the mode wants them seen. `checksumPending`: the TAP left the checksum to the device.
   */
  readdressOutbound(frame: Uint8Array, at: number, length: number, checksumPending: boolean): void {
    switch (this.view.mode) {
      case 'none':
      case 'ip-unicast':
        return;
      case 'ip':
        this.announceAs(frame, at, length, this.view.wireMac, checksumPending);
        this.sourceFromCarpdev(frame, at);
        return;
      case 'ip-stealth':
        this.sourceFromCarpdev(frame, at);
        return;
      case 'arp':
        this.sendAsNode(frame, at, length, checksumPending);
        return;
    }
  }

  /** ip, ip-stealth: the virtual MAC never appears as a source, so switches never learn it. */
  private sourceFromCarpdev(frame: Uint8Array, at: number): void {
    if (this.view.carpdevMac !== null) writeMac(frame, at + ETHERNET_OFFSET_SOURCE, this.view.carpdevMac);
  }

  /** The MAC resolution answers carry, where the kernel put carpN's own. */
  private announceAs(frame: Uint8Array, at: number, length: number, mac: MacAddress, checksumPending: boolean): void {
    const { tapMac } = this.view;
    const arp = arpMacAt(frame, at, length, 'sender');
    if (arp >= 0) {
      if (sameMac(frame, arp, tapMac)) writeMac(frame, arp, mac);
      return;
    }
    if (neighborDiscoveryType(frame, at, length) !== NDP_TYPE_NEIGHBOR_ADVERTISEMENT) return;
    const option = neighborMacAt(frame, at, length);
    if (option >= 0 && sameMac(frame, option, tapMac)) writeNeighborMac(frame, at, option, mac, checksumPending);
  }

  /**
   * arp: a unicast frame leaves from the MAC of the node its destination hashes to — the node whose
   * MAC that destination was given when it asked (an ARP reply's target is the asker, and so is an
   * NA's destination) — so answers and traffic both come from it and switches learn it here.
   */
  private sendAsNode(frame: Uint8Array, at: number, length: number, checksumPending: boolean): void {
    const key = this.view.arpKey;
    const destination = at + ETHERNET_OFFSET_DESTINATION;
    if (key === null || this.nodeCount === 0 || ((frame[destination] as number) & 0x01) !== 0) return;
    const reply = arpOperation(frame, at, length) === ARP_OPERATION_REPLY;
    const asker = reply ? arpMacAt(frame, at, length, 'target') : destination;
    const mac = this.view.nodeMacs[carpHash(key, frame, asker) % this.nodeCount];
    if (mac === undefined) return;
    this.announceAs(frame, at, length, mac, checksumPending);
    writeMac(frame, at + ETHERNET_OFFSET_SOURCE, mac);
  }

  private isForeignVirtualMac(frame: Uint8Array, at: number): boolean {
    const { wireMac, tapMac, nodeMacs } = this.view;
    if (sameMac(frame, at, tapMac)) return false;
    return sameMac(frame, at, wireMac) || nodeMacs.some((mac) => sameMac(frame, at, mac));
  }
}

/** A frame every MASTER node keeps (OpenBSD passes what the balancing filter does not apply to). */
export const ANY_NODE = -3;

/** The requester's MAC of an ARP request or a neighbour solicitation, or -1. */
function requesterMacAt(frame: Uint8Array, at: number, length: number): number {
  if (arpOperation(frame, at, length) === ARP_OPERATION_REQUEST) return arpMacAt(frame, at, length, 'sender');
  if (neighborDiscoveryType(frame, at, length) === NDP_TYPE_NEIGHBOR_SOLICITATION) return neighborMacAt(frame, at, length);
  return -1;
}

function sameMac(frame: Uint8Array, at: number, mac: Uint8Array): boolean {
  for (let i = 0; i < ETHERNET_MAC_LENGTH; i++) {
    if (frame[at + i] !== mac[i]) return false;
  }
  return true;
}
