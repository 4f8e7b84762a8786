/** Frames for the balancing tests, built with the wire encoders: untagged Ethernet + IP + payload. */
import { type MacAddress, parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV4, ETHERTYPE_IPV6, encodeEthernet } from '../../src/wire/ethernet';
import { IPV4_MIN_HEADER_LENGTH, encodeIpv4 } from '../../src/wire/ipv4';
import { IPV6_HEADER_LENGTH, encodeIpv6 } from '../../src/wire/ipv6';

export const CLIENT_MAC = parseMac('02:00:00:00:00:99');
/** `balancing ip`: the leader's virtual MAC with the group bit (01:00:5e:00:01:<vhid>). */
export const MULTICAST_VIRTUAL_MAC = parseMac('01:00:5e:00:01:01');
export const UNICAST_VIRTUAL_MAC = virtualMac(1);

export interface Ipv4Options {
  readonly protocol?: number;
  readonly moreFragments?: boolean;
  readonly fragmentOffset?: number;
  readonly destinationMac?: MacAddress;
}

/** An IPv4 packet from `source` to `destination` carrying `payload`. */
export function ipv4Frame(source: string, destination: string, payload: Buffer = Buffer.alloc(8), options: Ipv4Options = {}): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV4_MIN_HEADER_LENGTH + payload.length);
  const ethernet = { destination: options.destinationMac ?? UNICAST_VIRTUAL_MAC, source: CLIENT_MAC, etherType: ETHERTYPE_IPV4 };
  encodeEthernet(ethernet, frame, 0);
  const header = {
    tos: 0,
    id: 1,
    dontFragment: false,
    moreFragments: options.moreFragments ?? false,
    fragmentOffset: options.fragmentOffset ?? 0,
    ttl: 64,
    protocol: options.protocol ?? 6,
    source: parseIp(source),
    destination: parseIp(destination),
    payloadLength: payload.length,
  };
  encodeIpv4(header, frame, ETHERNET_HEADER_LENGTH);
  payload.copy(frame, ETHERNET_HEADER_LENGTH + IPV4_MIN_HEADER_LENGTH);
  return frame;
}

/** An IPv6 packet from `source` to `destination` whose first next header is `nextHeader`. */
export function ipv6Frame(source: string, destination: string, nextHeader = 6, payload: Buffer = Buffer.alloc(8)): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + payload.length);
  encodeEthernet({ destination: UNICAST_VIRTUAL_MAC, source: CLIENT_MAC, etherType: ETHERTYPE_IPV6 }, frame, 0);
  const header = {
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: payload.length,
    nextHeader,
    hopLimit: 64,
    source: parseIp(source),
    destination: parseIp(destination),
  };
  encodeIpv6(header, frame, ETHERNET_HEADER_LENGTH);
  payload.copy(frame, ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH);
  return frame;
}

/** An ICMP message: type, code, zero checksum, 4 unused bytes, then `body`. */
export function icmp(type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, 0]), body]);
}

/** `frame` at `offset` of a larger buffer filled with 0xee, as frames sit in a receive ring. */
export function inRing(frame: Buffer, offset: number): Buffer {
  const ring = Buffer.alloc(offset + frame.length + 32, 0xee);
  frame.copy(ring, offset);
  return ring;
}
