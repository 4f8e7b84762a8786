/**
 * The fixed 40-byte IPv6 header (RFC 8200 section 3). Extension headers are not walked: CARP and
 * neighbour discovery follow the fixed header directly, and anything else is the caller's
 * `unsupported`.
 */
import { type IpAddress } from './address';
import { WireError, requireLength } from './errors';

export const IPV6_VERSION = 6;
export const IPV6_HEADER_LENGTH = 40;
export const IPV6_ADDRESS_LENGTH = 16;
export const IPV6_MAX_FLOW_LABEL = 0xfffff;

/** Version (4 bits), traffic class (8 bits) and flow label (20 bits) share the first word. */
export const IPV6_OFFSET_VERSION_CLASS_FLOW = 0;
export const IPV6_OFFSET_PAYLOAD_LENGTH = 4;
export const IPV6_OFFSET_NEXT_HEADER = 6;
export const IPV6_OFFSET_HOP_LIMIT = 7;
export const IPV6_OFFSET_SOURCE = 8;
export const IPV6_OFFSET_DESTINATION = 24;

export interface Ipv6Header {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly source: IpAddress;
  readonly destination: IpAddress;
}

export interface DecodedIpv6 extends Ipv6Header {
  /** Index in the decoded buffer where the payload starts. */
  readonly payloadOffset: number;
}

/** Bytes beyond the payload length (Ethernet padding) are allowed and ignored. */
export function decodeIpv6(buf: Uint8Array, offset = 0): DecodedIpv6 {
  requireLength(buf, offset, IPV6_HEADER_LENGTH, 'IPv6 header');
  const byte = (field: number): number => buf[offset + field] as number;
  const at = IPV6_OFFSET_VERSION_CLASS_FLOW;
  const firstWord = ((byte(at) << 24) | (byte(at + 1) << 16) | (byte(at + 2) << 8) | byte(at + 3)) >>> 0;
  if (firstWord >>> 28 !== IPV6_VERSION) {
    throw new WireError('bad-version', `IP version ${firstWord >>> 28} in an IPv6 header`);
  }
  const payloadLength = (byte(IPV6_OFFSET_PAYLOAD_LENGTH) << 8) | byte(IPV6_OFFSET_PAYLOAD_LENGTH + 1);
  requireLength(buf, offset, IPV6_HEADER_LENGTH + payloadLength, 'IPv6 packet (payload length)');
  const address = (start: number): IpAddress => ({
    family: 6,
    bytes: Buffer.from(buf.subarray(offset + start, offset + start + IPV6_ADDRESS_LENGTH)),
  });
  return {
    trafficClass: (firstWord >>> 20) & 0xff,
    flowLabel: firstWord & IPV6_MAX_FLOW_LABEL,
    payloadLength,
    nextHeader: byte(IPV6_OFFSET_NEXT_HEADER),
    hopLimit: byte(IPV6_OFFSET_HOP_LIMIT),
    source: address(IPV6_OFFSET_SOURCE),
    destination: address(IPV6_OFFSET_DESTINATION),
    payloadOffset: offset + IPV6_HEADER_LENGTH,
  };
}

function checkHeaderFields(header: Ipv6Header): void {
  const limits = [
    ['traffic class', header.trafficClass, 0xff],
    ['flow label', header.flowLabel, IPV6_MAX_FLOW_LABEL],
    ['payload length', header.payloadLength, 0xffff],
    ['next header', header.nextHeader, 0xff],
    ['hop limit', header.hopLimit, 0xff],
  ] as const;
  for (const [name, value, max] of limits) {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new WireError('bad-header', `IPv6 ${name} ${value} is not 0-${max}`);
    }
  }
  const isIpv6 = (a: IpAddress): boolean => a.family === 6 && a.bytes.length === IPV6_ADDRESS_LENGTH;
  if (!isIpv6(header.source) || !isIpv6(header.destination)) {
    throw new WireError('bad-header', 'IPv6 header needs IPv6 source and destination addresses');
  }
}

/** Writes the 40-byte header at `offset` of `target` (a new buffer by default). */
export function encodeIpv6(header: Ipv6Header, target = Buffer.alloc(IPV6_HEADER_LENGTH), offset = 0): Buffer {
  requireLength(target, offset, IPV6_HEADER_LENGTH, 'IPv6 header target');
  checkHeaderFields(header);
  const firstWord = ((IPV6_VERSION << 28) | (header.trafficClass << 20) | header.flowLabel) >>> 0;
  target.writeUInt32BE(firstWord, offset + IPV6_OFFSET_VERSION_CLASS_FLOW);
  target.writeUInt16BE(header.payloadLength, offset + IPV6_OFFSET_PAYLOAD_LENGTH);
  target[offset + IPV6_OFFSET_NEXT_HEADER] = header.nextHeader;
  target[offset + IPV6_OFFSET_HOP_LIMIT] = header.hopLimit;
  header.source.bytes.copy(target, offset + IPV6_OFFSET_SOURCE);
  header.destination.bytes.copy(target, offset + IPV6_OFFSET_DESTINATION);
  return target;
}
