/**
 * Which fold the IP balancing filter decides a packet by, following where OpenBSD calls
 * carp_lsdrop: ip_input and ip6_input for every packet except ICMP and ICMPv6, then icmp_input and
 * icmp6_input for the ICMP messages that one node must handle. Everything else passes on every node.
 */
import { ETHERNET_HEADER_LENGTH, ETHERNET_OFFSET_ETHERTYPE, ETHERTYPE_IPV4 } from '../wire/ethernet';
import {
  IPV4_FLAG_MORE_FRAGMENTS,
  IPV4_FRAGMENT_OFFSET_MASK,
  IPV4_MIN_HEADER_LENGTH,
  IPV4_OFFSET_DESTINATION,
  IPV4_OFFSET_FLAGS_FRAGMENT,
  IPV4_OFFSET_PROTOCOL,
  IPV4_OFFSET_VERSION_IHL,
} from '../wire/ipv4';
import { IPV6_HEADER_LENGTH, IPV6_OFFSET_NEXT_HEADER } from '../wire/ipv6';
import { IPPROTO_ICMPV6 } from '../wire/ndp';
import { int32At, uint16At } from './frame-words';
import { NOT_IP, ipFold } from './ip-fold';

/** What filterFold returns for a frame the filter does not apply to: every node keeps it. */
export const UNFILTERED = NOT_IP;

const IPPROTO_ICMP = 1;
/** The ICMP header up to the quoted packet: type, code, checksum and 4 unused bytes. */
const ICMP_HEADER_LENGTH = 8;
const ICMP6_ECHO_REQUEST = 128;
/** The low nibble of the first IPv4 byte: the header length in 32-bit words. */
const IHL_MASK = 0x0f;

/** OpenBSD icmp_input: the kinds of ICMP message the filter applies to, and by which fold. */
type IcmpRule = 'own-addresses' | 'quoted-destination';

/**
 * Echo and timestamp requests are answered (icmp_reflect) by the node their own fold picks. Errors
 * and redirects concern a connection: they are hashed on the quoted packet's destination and this
 * packet's destination, which is the connection's fold, so they reach the node that owns it.
 * Address mask requests are left out: OpenBSD answers none by default (net.inet.icmp.maskrepl 0).
 */
const ICMP_RULES: ReadonlyMap<number, IcmpRule> = new Map([
  [8, 'own-addresses'], // echo
  [13, 'own-addresses'], // timestamp
  [3, 'quoted-destination'], // destination unreachable
  [4, 'quoted-destination'], // source quench
  [5, 'quoted-destination'], // redirect
  [11, 'quoted-destination'], // time exceeded
  [12, 'quoted-destination'], // parameter problem
]);

/**
 * The fold that decides the frame frame[offset, offset + length) (see ipFold for the layout), or
 * UNFILTERED. What cannot be read (a truncated IP header, an ICMP message too short for its type or
 * quoted header) is left to the kernel, which drops it as malformed. Allocates nothing.
 */
export function filterFold(frame: Uint8Array, offset: number, length: number): number {
  const fold = ipFold(frame, offset, length);
  if (fold === NOT_IP) return UNFILTERED;
  const ip = offset + ETHERNET_HEADER_LENGTH;
  const end = offset + Math.min(length, frame.length - offset);
  if (uint16At(frame, offset + ETHERNET_OFFSET_ETHERTYPE) === ETHERTYPE_IPV4) {
    if (frame[ip + IPV4_OFFSET_PROTOCOL] !== IPPROTO_ICMP) return fold;
    return icmpFold(frame, ip, end, fold);
  }
  if (frame[ip + IPV6_OFFSET_NEXT_HEADER] !== IPPROTO_ICMPV6) return fold;
  // OpenBSD icmp6_input filters echo requests only; neighbour discovery and errors reach every node.
  const type = ip + IPV6_HEADER_LENGTH;
  if (type >= end) return UNFILTERED;
  return frame[type] === ICMP6_ECHO_REQUEST ? fold : UNFILTERED;
}

function icmpFold(frame: Uint8Array, ip: number, end: number, fold: number): number {
  // The ICMP layer sees reassembled packets, the relay sees fragments: every fragment of an ICMP
  // packet takes the packet's own fold, which is right for the echo requests that get fragmented.
  const fragment = uint16At(frame, ip + IPV4_OFFSET_FLAGS_FRAGMENT);
  if ((fragment & (IPV4_FLAG_MORE_FRAGMENTS | IPV4_FRAGMENT_OFFSET_MASK)) !== 0) return fold;
  const headerLength = ((frame[ip + IPV4_OFFSET_VERSION_IHL] as number) & IHL_MASK) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) return UNFILTERED;
  const icmp = ip + headerLength;
  if (icmp >= end) return UNFILTERED;
  const rule = ICMP_RULES.get(frame[icmp] as number);
  if (rule === undefined) return UNFILTERED;
  if (rule === 'own-addresses') return fold;
  const quoted = icmp + ICMP_HEADER_LENGTH;
  if (quoted + IPV4_MIN_HEADER_LENGTH > end) return UNFILTERED;
  return (int32At(frame, quoted + IPV4_OFFSET_DESTINATION) ^ int32At(frame, ip + IPV4_OFFSET_DESTINATION)) >>> 0;
}
