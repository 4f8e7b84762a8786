/**
 * The link-layer addresses that ARP and neighbour discovery carry inside a frame, found and
 * rewritten in place: balancing answers address resolution with a MAC that is not carpN's own
 * (docs/protocol.md §4.3), and the kernel on carpN only knows its own. Untagged Ethernet frames;
 * anything that is not well-formed enough to find the address is reported as absent (-1), never
 * thrown on: these run on frames from the network.
 */
import { ARP_OFFSET_OPERATION, ARP_OFFSET_SENDER_MAC, ARP_OFFSET_TARGET_MAC, ARP_LENGTH } from '../wire/arp';
import { ETHERNET_HEADER_LENGTH, ETHERNET_MAC_LENGTH, ETHERNET_OFFSET_ETHERTYPE, ETHERTYPE_ARP, ETHERTYPE_IPV6 } from '../wire/ethernet';
import { IPV6_HEADER_LENGTH, IPV6_OFFSET_NEXT_HEADER } from '../wire/ipv6';
import {
  IPPROTO_ICMPV6,
  NDP_OFFSET_CHECKSUM,
  NDP_OFFSET_OPTIONS,
  NDP_OFFSET_TYPE,
  NDP_OPTION_SOURCE_LINK_LAYER,
  NDP_OPTION_TARGET_LINK_LAYER,
  NDP_OPTION_UNIT,
  NDP_TYPE_NEIGHBOR_ADVERTISEMENT,
  NDP_TYPE_NEIGHBOR_SOLICITATION,
} from '../wire/ndp';

const ICMPV6 = ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH;

function etherType(frame: Uint8Array, offset: number): number {
  return ((frame[offset + ETHERNET_OFFSET_ETHERTYPE] as number) << 8) | (frame[offset + ETHERNET_OFFSET_ETHERTYPE + 1] as number);
}

/** The ARP operation (1 request, 2 reply) of an ARP frame, or -1. */
export function arpOperation(frame: Uint8Array, offset: number, length: number): number {
  if (length < ETHERNET_HEADER_LENGTH + ARP_LENGTH || etherType(frame, offset) !== ETHERTYPE_ARP) return -1;
  const at = offset + ETHERNET_HEADER_LENGTH + ARP_OFFSET_OPERATION;
  return ((frame[at] as number) << 8) | (frame[at + 1] as number);
}

/** Where an ARP frame carries its sender (`sender`) or target hardware address, or -1. */
export function arpMacAt(frame: Uint8Array, offset: number, length: number, which: 'sender' | 'target'): number {
  if (arpOperation(frame, offset, length) < 0) return -1;
  return offset + ETHERNET_HEADER_LENGTH + (which === 'sender' ? ARP_OFFSET_SENDER_MAC : ARP_OFFSET_TARGET_MAC);
}

/** The ICMPv6 type of a neighbour solicitation or advertisement (no extension headers), or -1. */
export function neighborDiscoveryType(frame: Uint8Array, offset: number, length: number): number {
  if (length < ICMPV6 + NDP_OFFSET_OPTIONS || etherType(frame, offset) !== ETHERTYPE_IPV6) return -1;
  if (frame[offset + ETHERNET_HEADER_LENGTH + IPV6_OFFSET_NEXT_HEADER] !== IPPROTO_ICMPV6) return -1;
  const type = frame[offset + ICMPV6 + NDP_OFFSET_TYPE] as number;
  return type === NDP_TYPE_NEIGHBOR_SOLICITATION || type === NDP_TYPE_NEIGHBOR_ADVERTISEMENT ? type : -1;
}

/**
 * Where a solicitation carries its source link-layer address, or an advertisement its target
 * link-layer address (RFC 4861 4.3, 4.4, 4.6.1), or -1 when it has none.
 */
export function neighborMacAt(frame: Uint8Array, offset: number, length: number): number {
  const type = neighborDiscoveryType(frame, offset, length);
  if (type < 0) return -1;
  const wanted = type === NDP_TYPE_NEIGHBOR_SOLICITATION ? NDP_OPTION_SOURCE_LINK_LAYER : NDP_OPTION_TARGET_LINK_LAYER;
  const end = offset + Math.min(length, frame.length - offset);
  for (let at = offset + ICMPV6 + NDP_OFFSET_OPTIONS; at + 2 <= end; ) {
    const size = (frame[at + 1] as number) * NDP_OPTION_UNIT;
    if (size === 0 || at + size > end) return -1;
    if (frame[at] === wanted && size >= 2 + ETHERNET_MAC_LENGTH) return at + 2;
    at += size;
  }
  return -1;
}

/**
 * Writes `mac` at frame[at, at + 6) inside the ICMPv6 message of the frame at `offset`, keeping its
 * checksum right by RFC 1624's incremental update — unless the checksum is still the device's to
 * compute (a TAP frame whose virtio-net header asks for it), when the final sum covers the new
 * bytes anyway. The address sits at an even offset of the message, as options are 8-byte units.
 */
export function writeNeighborMac(frame: Uint8Array, offset: number, at: number, mac: Uint8Array, checksumPending: boolean): void {
  const checksumAt = offset + ICMPV6 + NDP_OFFSET_CHECKSUM;
  let sum = ~(((frame[checksumAt] as number) << 8) | (frame[checksumAt + 1] as number)) & 0xffff;
  for (let i = 0; i < ETHERNET_MAC_LENGTH; i += 2) {
    const before = ((frame[at + i] as number) << 8) | (frame[at + i + 1] as number);
    const after = ((mac[i] as number) << 8) | (mac[i + 1] as number);
    sum += (~before & 0xffff) + after;
    frame[at + i] = mac[i] as number;
    frame[at + i + 1] = mac[i + 1] as number;
  }
  if (checksumPending) return;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const checksum = ~sum & 0xffff;
  frame[checksumAt] = checksum >>> 8;
  frame[checksumAt + 1] = checksum & 0xff;
}

/** Writes `mac` at frame[at, at + 6). */
export function writeMac(frame: Uint8Array, at: number, mac: Uint8Array): void {
  for (let i = 0; i < ETHERNET_MAC_LENGTH; i++) frame[at + i] = mac[i] as number;
}
