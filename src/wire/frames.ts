/**
 * Whole Ethernet frames the daemon sends on the carpdev (advertisements, gratuitous ARP,
 * unsolicited neighbour advertisements) and the parse of a received advertisement down to its
 * CARP header (docs/protocol.md §1.1, §1.2, §1.6 and §3.8).
 */
import { BROADCAST_MAC, type Family, type IpAddress, type MacAddress, isMulticastIp, multicastMacFor, parseIp } from './address';
import { ARP_LENGTH, ARP_OPERATION_REQUEST, encodeArp } from './arp';
import { CARP_HEADER_LENGTH, CARP_TTL, IPPROTO_CARP } from './carp';
import { WireError } from './errors';
import {
  ETHERNET_HEADER_LENGTH,
  ETHERNET_MIN_FRAME_LENGTH,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  decodeEthernet,
  encodeEthernet,
} from './ethernet';
import { IPV4_MIN_HEADER_LENGTH, decodeIpv4, encodeIpv4 } from './ipv4';
import { IPV6_HEADER_LENGTH, decodeIpv6, encodeIpv6 } from './ipv6';
import { IPPROTO_ICMPV6, NDP_HOP_LIMIT, NDP_TYPE_NEIGHBOR_ADVERTISEMENT, encodeNdp, ndpLength } from './ndp';
import { VRRP3_HEADER_LENGTH } from './vrrp';

/** ff02::1, where unsolicited neighbour advertisements go (RFC 4861 7.2.6). */
export const IPV6_ALL_NODES = parseIp('ff02::1');

/** An advertisement as an IP packet (what a raw IP socket sends to a carppeer). */
export interface AdvertisementPacketOptions {
  /** Its family decides IPv4 or IPv6. */
  source: IpAddress;
  /** 224.0.0.18 / ff02::12 or a unicast peer. */
  destination: IpAddress;
  /** IPv4 TOS byte / IPv6 traffic class (DSCP << 2). */
  trafficClass: number;
  /** IPv4 identification (the caller randomises it); unused for IPv6. */
  ipId: number;
  /** The 36-byte CARP header from encodeCarp. */
  payload: Uint8Array;
}

export interface AdvertisementFrameOptions extends AdvertisementPacketOptions {
  /** carpN's MAC (the virtual MAC), or the ucarp-style / parent MAC. */
  sourceMac: MacAddress;
  /** Default: the multicast mapping of `destination` (01:00:5e:00:00:12, 33:33:00:00:00:12). */
  destinationMac?: MacAddress;
}

function advertisementDestinationMac(options: AdvertisementFrameOptions): MacAddress {
  if (options.destinationMac !== undefined) return options.destinationMac;
  if (!isMulticastIp(options.destination)) {
    throw new WireError('bad-header', 'a unicast advertisement destination needs its destinationMac');
  }
  return multicastMacFor(options.destination);
}

/**
 * A zero-filled buffer cut from Node's shared pool. Buffer.alloc gives a buffer over 64 bytes an
 * ArrayBuffer of its own outside V8's heap, which costs more than encoding the whole frame (about
 * 1.1 us against 0.09 us here), and a MASTER of hundreds of vhids builds hundreds a second.
 */
function zeroed(length: number): Buffer<ArrayBuffer> {
  return Buffer.allocUnsafe(length).fill(0);
}

/** A VRRPv3 advertisement with every address a 1500-byte IPv6 packet holds. */
const MAX_ADVERTISEMENT_LENGTH = 1500 - IPV6_HEADER_LENGTH;

function checkAdvertisementOptions(options: AdvertisementPacketOptions): void {
  if (options.source.family !== options.destination.family) {
    throw new WireError('bad-header', 'advertisement source and destination are of different address families');
  }
  // A CARP header is 36 bytes; a VRRPv3 advertisement 8 bytes and its addresses (RFC 5798 5.1).
  const length = options.payload.length;
  if (length !== CARP_HEADER_LENGTH && (length < VRRP3_HEADER_LENGTH || length > MAX_ADVERTISEMENT_LENGTH)) {
    throw new WireError('bad-length', `advertisement payload of ${length} bytes, expected 36 (CARP) or 8-${MAX_ADVERTISEMENT_LENGTH} (VRRPv3)`);
  }
}

/** The IP packet at `offset` of `buffer`: DF set, TTL / hop limit 255, protocol 112, no IP options. */
function encodeAdvertisementPacket(options: AdvertisementPacketOptions, buffer: Buffer<ArrayBuffer>, offset: number): void {
  // One literal each, no spreads: a MASTER of hundreds of vhids encodes hundreds a second.
  const { source, destination, trafficClass } = options;
  const payloadLength = options.payload.length;
  if (source.family === 4) {
    const ip = { source, destination, payloadLength, dontFragment: true, moreFragments: false, fragmentOffset: 0, tos: trafficClass, id: options.ipId, ttl: CARP_TTL, protocol: IPPROTO_CARP };
    encodeIpv4(ip, buffer, offset);
  } else {
    encodeIpv6({ source, destination, payloadLength, trafficClass, flowLabel: 0, hopLimit: CARP_TTL, nextHeader: IPPROTO_CARP }, buffer, offset);
  }
  buffer.set(options.payload, offset + ipHeaderLengthOf(options.source.family));
}

function ipHeaderLengthOf(family: Family): number {
  return family === 4 ? IPV4_MIN_HEADER_LENGTH : IPV6_HEADER_LENGTH;
}

/** 56 bytes over IPv4, 76 over IPv6 with CARP: the frame below without its Ethernet header. */
export function buildAdvertisementPacket(options: AdvertisementPacketOptions): Buffer {
  checkAdvertisementOptions(options);
  const packet = zeroed(ipHeaderLengthOf(options.source.family) + options.payload.length);
  encodeAdvertisementPacket(options, packet, 0);
  return packet;
}

/** 70 bytes over IPv4, 90 over IPv6 with CARP: DF set, TTL / hop limit 255, protocol 112, no IP options. */
export function buildAdvertisementFrame(options: AdvertisementFrameOptions): Buffer {
  checkAdvertisementOptions(options);
  const destinationMac = advertisementDestinationMac(options);
  const frame = zeroed(ETHERNET_HEADER_LENGTH + ipHeaderLengthOf(options.source.family) + options.payload.length);
  const etherType = options.source.family === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  encodeEthernet({ destination: destinationMac, source: options.sourceMac, etherType }, frame);
  encodeAdvertisementPacket(options, frame, ETHERNET_HEADER_LENGTH);
  return frame;
}

/**
 * docs/protocol.md §3.8: an ARP request with sender IP = target IP = the virtual address, sender
 * MAC = `mac`, target MAC zero, broadcast; padded to the 60-byte Ethernet minimum.
 */
export function buildGratuitousArp(mac: MacAddress, address: IpAddress): Buffer {
  if (address.family !== 4) throw new WireError('bad-header', 'gratuitous ARP is for IPv4 addresses');
  const frame = Buffer.alloc(Math.max(ETHERNET_MIN_FRAME_LENGTH, ETHERNET_HEADER_LENGTH + ARP_LENGTH));
  encodeEthernet({ destination: BROADCAST_MAC, source: mac, etherType: ETHERTYPE_ARP }, frame);
  const packet = {
    operation: ARP_OPERATION_REQUEST,
    senderMac: mac,
    senderIp: address,
    targetMac: Buffer.alloc(mac.length),
    targetIp: address,
  } as const;
  encodeArp(packet, frame, ETHERNET_HEADER_LENGTH);
  return frame;
}

/**
 * docs/protocol.md §3.8 step 5: a neighbour advertisement from the virtual address itself to
 * ff02::1 with Override (+ Router), not Solicited (RFC 4861 7.2.6), and `mac` as target link-layer
 * address.
 */
export function buildUnsolicitedNeighborAdvert(
  mac: MacAddress,
  address: IpAddress,
  options: { router: boolean },
): Buffer {
  if (address.family !== 6) throw new WireError('bad-header', 'neighbour advertisements are for IPv6 addresses');
  const message = {
    type: NDP_TYPE_NEIGHBOR_ADVERTISEMENT,
    target: address,
    router: options.router,
    solicited: false,
    override: true,
    targetLinkLayer: mac,
  } as const;
  const payloadLength = ndpLength(message);
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + payloadLength);
  const endpoints = { source: address, destination: IPV6_ALL_NODES };
  encodeEthernet({ destination: multicastMacFor(IPV6_ALL_NODES), source: mac, etherType: ETHERTYPE_IPV6 }, frame);
  encodeNdp(message, endpoints, frame, ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH);
  const ip = { ...endpoints, trafficClass: 0, flowLabel: 0, payloadLength, nextHeader: IPPROTO_ICMPV6 };
  encodeIpv6({ ...ip, hopLimit: NDP_HOP_LIMIT }, frame, ETHERNET_HEADER_LENGTH);
  return frame;
}

export interface ParsedCarpPacket {
  family: Family;
  source: IpAddress;
  destination: IpAddress;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** A VIEW of the IP payload, starting at the CARP header, length per the IP header. */
  payload: Uint8Array;
}

function parseIpv4Carp(frame: Uint8Array, offset: number): ParsedCarpPacket {
  const ip = decodeIpv4(frame, offset);
  if (ip.protocol !== IPPROTO_CARP) throw new WireError('unsupported', `IPv4 protocol ${ip.protocol}, not CARP`);
  if (ip.moreFragments || ip.fragmentOffset !== 0) {
    throw new WireError('unsupported', 'fragmented IPv4 packet');
  }
  const payload = frame.subarray(ip.payloadOffset, ip.payloadOffset + ip.payloadLength);
  return { family: 4, source: ip.source, destination: ip.destination, ttl: ip.ttl, payload };
}

function parseIpv6Carp(frame: Uint8Array, offset: number): ParsedCarpPacket {
  const ip = decodeIpv6(frame, offset);
  if (ip.nextHeader !== IPPROTO_CARP) {
    throw new WireError('unsupported', `IPv6 next header ${ip.nextHeader}, not CARP`);
  }
  const payload = frame.subarray(ip.payloadOffset, ip.payloadOffset + ip.payloadLength);
  return { family: 6, source: ip.source, destination: ip.destination, ttl: ip.hopLimit, payload };
}

/**
 * Ethernet -> IPv4 (protocol 112, not a fragment, header checksum good) or IPv6 (next header 112).
 * The CARP header itself is left to the core, which counts its errors. `offset` skips whatever
 * precedes the Ethernet header in the caller's buffer (the 10-byte virtio-net header).
 */
export function parseCarpFrame(frame: Uint8Array, offset = 0): ParsedCarpPacket {
  const ethernet = decodeEthernet(frame, offset);
  switch (ethernet.etherType) {
    case ETHERTYPE_IPV4:
      return parseIpv4Carp(frame, ethernet.payloadOffset);
    case ETHERTYPE_IPV6:
      return parseIpv6Carp(frame, ethernet.payloadOffset);
    default:
      throw new WireError('unsupported', `EtherType 0x${ethernet.etherType.toString(16)} is not IPv4 or IPv6`);
  }
}
