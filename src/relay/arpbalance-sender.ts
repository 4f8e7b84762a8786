/**
 * The outbound half of net.inet.carp.arpbalance=1 (docs/protocol.md §4.6). Linux sends what leaves
 * from a shared address through one of the interfaces that carry it — the first policy rule
 * `from VIP lookup 4200+N` that has a usable route wins, and ICMP replies keep no memory of the
 * interface the request came in on — which need not be the member the peer resolved the address
 * to. So the members send as one: a frame from the shared address belongs to the member that the
 * legacy index of its destination selects, the member that answers that destination's ARP
 * requests; it leaves only while this host is MASTER of that member, and with that member's MAC.
 */
import { legacyArpBalanceIndex } from '../balance/arpbalance-legacy';
import type { MacAddress } from '../wire/address';
import { ETHERNET_OFFSET_SOURCE, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../wire/ethernet';
import { IPV4_ADDRESS_LENGTH } from '../wire/ipv4';
import type { ArpBalanceGroup, ArpBalanceMember } from './arpbalance-groups';
import { FRAME_ARP_SENDER_IP, FRAME_ARP_TARGET_IP, FRAME_ETHERTYPE, FRAME_IPV4_DESTINATION, FRAME_IPV4_SOURCE } from './frame-offsets';
import { ipv4Key } from './inbound-table';
import { arpMacAt, writeMac } from './neighbor-frames';

/** The groups of one carpdev, as the frames of its members' TAPs meet them. Per frame: no allocation. */
export class ArpBalanceSender<P> {
  private readonly bySource: ReadonlyMap<number, readonly ArpBalanceMember<P>[]>;

  constructor(groups: readonly ArpBalanceGroup<P>[]) {
    this.bySource = new Map(groups.map((g) => [g.address, g.members]));
  }

  /**
   * The member that sends the frame at frame[at, at + length), chosen by its IPv4 destination (ARP:
   * target address); undefined when its IPv4 source (ARP: sender address) is no shared address.
   */
  memberFor(frame: Uint8Array, at: number, length: number): ArpBalanceMember<P> | undefined {
    const ethertype = ((frame[at + FRAME_ETHERTYPE] as number) << 8) | (frame[at + FRAME_ETHERTYPE + 1] as number);
    let source: number;
    let destination: number;
    if (ethertype === ETHERTYPE_IPV4 && length >= FRAME_IPV4_DESTINATION + IPV4_ADDRESS_LENGTH) {
      source = at + FRAME_IPV4_SOURCE;
      destination = at + FRAME_IPV4_DESTINATION;
    } else if (ethertype === ETHERTYPE_ARP && length >= FRAME_ARP_TARGET_IP + IPV4_ADDRESS_LENGTH) {
      source = at + FRAME_ARP_SENDER_IP;
      destination = at + FRAME_ARP_TARGET_IP;
    } else {
      return undefined;
    }
    const members = this.bySource.get(ipv4Key(frame, source));
    if (members === undefined) return undefined;
    return members[legacyArpBalanceIndex(frame, destination, members.length)];
  }
}

/** Makes a frame `mac`'s: the Ethernet source and, in ARP, the sender hardware address. */
export function sendFrom(frame: Uint8Array, at: number, length: number, mac: MacAddress): void {
  writeMac(frame, at + ETHERNET_OFFSET_SOURCE, mac);
  const sender = arpMacAt(frame, at, length, 'sender');
  if (sender >= 0) writeMac(frame, sender, mac);
}
