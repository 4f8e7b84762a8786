/**
 * The IP balancing hash of OpenBSD (ip_carp.c carp_lsdrop; docs/protocol.md §4): the source and
 * destination addresses of an IPv4 or IPv6 packet as 32-bit words in network order, all XORed
 * together. The fold is symmetric, so both directions of a connection land on the same carpnode.
 */
import { ETHERNET_HEADER_LENGTH, ETHERNET_OFFSET_ETHERTYPE, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../wire/ethernet';
import { IPV4_MIN_HEADER_LENGTH, IPV4_OFFSET_DESTINATION, IPV4_OFFSET_SOURCE, IPV4_VERSION } from '../wire/ipv4';
import { IPV6_ADDRESS_LENGTH, IPV6_HEADER_LENGTH, IPV6_OFFSET_DESTINATION, IPV6_OFFSET_SOURCE, IPV6_VERSION } from '../wire/ipv6';
import { int32At, uint16At } from './frame-words';

/** What ipFold returns for a frame that holds no complete IPv4 or IPv6 header. */
export const NOT_IP = -1;

/** Where the version nibble of an IPv4 or IPv6 header is. */
const VERSION_SHIFT = 4;

/**
 * The fold (an unsigned 32-bit integer, read big-endian as OpenBSD's ntohl does) of the IP packet in
 * the untagged Ethernet frame frame[offset, offset + length), or NOT_IP: not IPv4/IPv6 (ARP, a VLAN
 * tag, another EtherType), a wrong version nibble, or too short for the whole IP header. Frames
 * reach the relay untagged (a VLAN carpdev has the tag stripped by Linux), so the IP header is at
 * offset + 14. Allocates nothing and never throws.
 */
export function ipFold(frame: Uint8Array, offset: number, length: number): number {
  const available = Math.min(length, frame.length - offset);
  if (available < ETHERNET_HEADER_LENGTH) return NOT_IP;
  const etherType = uint16At(frame, offset + ETHERNET_OFFSET_ETHERTYPE);
  const ip = offset + ETHERNET_HEADER_LENGTH;
  if (etherType === ETHERTYPE_IPV4) {
    if (available < ETHERNET_HEADER_LENGTH + IPV4_MIN_HEADER_LENGTH) return NOT_IP;
    if ((frame[ip] as number) >>> VERSION_SHIFT !== IPV4_VERSION) return NOT_IP;
    return (int32At(frame, ip + IPV4_OFFSET_SOURCE) ^ int32At(frame, ip + IPV4_OFFSET_DESTINATION)) >>> 0;
  }
  if (etherType === ETHERTYPE_IPV6) {
    if (available < ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH) return NOT_IP;
    if ((frame[ip] as number) >>> VERSION_SHIFT !== IPV6_VERSION) return NOT_IP;
    // Source and destination are adjacent: eight words, XORed in any order.
    let fold = 0;
    for (let at = ip + IPV6_OFFSET_SOURCE; at < ip + IPV6_OFFSET_DESTINATION + IPV6_ADDRESS_LENGTH; at += 4) {
      fold ^= int32At(frame, at);
    }
    return fold >>> 0;
  }
  return NOT_IP;
}
