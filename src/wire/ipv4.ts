/**
 * The IPv4 header (RFC 791). Decoding accepts options (IHL > 5) and skips them, as the BSD kernels
 * do for CARP; encoding writes the 20-byte header without options, which is all the daemon sends.
 */
import { type IpAddress } from './address';
import { internetChecksum } from './checksum';
import { WireError, requireLength } from './errors';

export const IPV4_VERSION = 4;
export const IPV4_MIN_HEADER_LENGTH = 20;
export const IPV4_MAX_TOTAL_LENGTH = 0xffff;
export const IPV4_ADDRESS_LENGTH = 4;

export const IPV4_OFFSET_VERSION_IHL = 0;
export const IPV4_OFFSET_TOS = 1;
export const IPV4_OFFSET_TOTAL_LENGTH = 2;
export const IPV4_OFFSET_ID = 4;
export const IPV4_OFFSET_FLAGS_FRAGMENT = 6;
export const IPV4_OFFSET_TTL = 8;
export const IPV4_OFFSET_PROTOCOL = 9;
export const IPV4_OFFSET_CHECKSUM = 10;
export const IPV4_OFFSET_SOURCE = 12;
export const IPV4_OFFSET_DESTINATION = 16;

/** Bits of the 16-bit flags/fragment-offset word. */
export const IPV4_FLAG_DONT_FRAGMENT = 0x4000;
export const IPV4_FLAG_MORE_FRAGMENTS = 0x2000;
export const IPV4_FRAGMENT_OFFSET_MASK = 0x1fff;

/** What a sender chooses; version, IHL (5) and the checksum follow from it. */
export interface Ipv4Header {
  readonly tos: number;
  readonly id: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In 8-byte units, as on the wire. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly source: IpAddress;
  readonly destination: IpAddress;
  /** Bytes after the header; total length = header length + this. */
  readonly payloadLength: number;
}

export interface DecodedIpv4 extends Ipv4Header {
  /** 20 plus the options. */
  readonly headerLength: number;
  /** Index in the decoded buffer where the payload starts (after any options). */
  readonly payloadOffset: number;
}

function readUint16(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) << 8) | (buf[at + 1] as number);
}

/**
 * Bytes beyond the total length (Ethernet padding of a short frame) are allowed and ignored; the
 * payload is described by `payloadOffset` and `payloadLength` only.
 */
export function decodeIpv4(buf: Uint8Array, offset = 0): DecodedIpv4 {
  requireLength(buf, offset, IPV4_MIN_HEADER_LENGTH, 'IPv4 header');
  const versionIhl = buf[offset + IPV4_OFFSET_VERSION_IHL] as number;
  if (versionIhl >> 4 !== IPV4_VERSION) {
    throw new WireError('bad-version', `IP version ${versionIhl >> 4} in an IPv4 header`);
  }
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    throw new WireError('bad-header', `IPv4 IHL ${versionIhl & 0x0f} is below 5`);
  }
  requireLength(buf, offset, headerLength, 'IPv4 header with options');
  const totalLength = readUint16(buf, offset + IPV4_OFFSET_TOTAL_LENGTH);
  if (totalLength < headerLength) {
    throw new WireError('bad-length', `IPv4 total length ${totalLength} is below the header length ${headerLength}`);
  }
  requireLength(buf, offset, totalLength, 'IPv4 packet (total length)');
  if (internetChecksum(buf, offset, offset + headerLength) !== 0) {
    throw new WireError('bad-checksum', 'IPv4 header checksum failed');
  }
  const flagsFragment = readUint16(buf, offset + IPV4_OFFSET_FLAGS_FRAGMENT);
  const address = (start: number): IpAddress => ({
    family: 4,
    bytes: Buffer.from(buf.subarray(offset + start, offset + start + IPV4_ADDRESS_LENGTH)),
  });
  return {
    tos: buf[offset + IPV4_OFFSET_TOS] as number,
    id: readUint16(buf, offset + IPV4_OFFSET_ID),
    dontFragment: (flagsFragment & IPV4_FLAG_DONT_FRAGMENT) !== 0,
    moreFragments: (flagsFragment & IPV4_FLAG_MORE_FRAGMENTS) !== 0,
    fragmentOffset: flagsFragment & IPV4_FRAGMENT_OFFSET_MASK,
    ttl: buf[offset + IPV4_OFFSET_TTL] as number,
    protocol: buf[offset + IPV4_OFFSET_PROTOCOL] as number,
    source: address(IPV4_OFFSET_SOURCE),
    destination: address(IPV4_OFFSET_DESTINATION),
    payloadLength: totalLength - headerLength,
    headerLength,
    payloadOffset: offset + headerLength,
  };
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireError('bad-header', `IPv4 ${name} ${value} is not 0-${max}`);
  }
}

function isIpv4(address: IpAddress): boolean {
  return address.family === 4 && address.bytes.length === IPV4_ADDRESS_LENGTH;
}

/** Field by field, with no table built per call: every advertisement sent passes here. */
function checkHeaderFields(header: Ipv4Header): void {
  checkField('tos', header.tos, 0xff);
  checkField('id', header.id, 0xffff);
  checkField('fragment offset', header.fragmentOffset, IPV4_FRAGMENT_OFFSET_MASK);
  checkField('ttl', header.ttl, 0xff);
  checkField('protocol', header.protocol, 0xff);
  checkField('payload length', header.payloadLength, IPV4_MAX_TOTAL_LENGTH - IPV4_MIN_HEADER_LENGTH);
  if (!isIpv4(header.source) || !isIpv4(header.destination)) {
    throw new WireError('bad-header', 'IPv4 header needs IPv4 source and destination addresses');
  }
}

/**
 * Gives the 20-byte header that encodeIpv4 wrote at `offset` of `target` another identification,
 * and the checksum that goes with it: an advertisement sent again is the same packet but for these
 * two fields.
 */
export function setIpv4Identification(target: Buffer, offset: number, id: number): void {
  requireLength(target, offset, IPV4_MIN_HEADER_LENGTH, 'IPv4 header');
  checkField('id', id, 0xffff);
  target.writeUInt16BE(id, offset + IPV4_OFFSET_ID);
  target.writeUInt16BE(0, offset + IPV4_OFFSET_CHECKSUM);
  target.writeUInt16BE(internetChecksum(target, offset, offset + IPV4_MIN_HEADER_LENGTH), offset + IPV4_OFFSET_CHECKSUM);
}

/** Writes the 20-byte header, checksum included, at `offset` of `target` (a new buffer by default). */
export function encodeIpv4(header: Ipv4Header, target = Buffer.alloc(IPV4_MIN_HEADER_LENGTH), offset = 0): Buffer {
  requireLength(target, offset, IPV4_MIN_HEADER_LENGTH, 'IPv4 header target');
  checkHeaderFields(header);
  const flags =
    (header.dontFragment ? IPV4_FLAG_DONT_FRAGMENT : 0) | (header.moreFragments ? IPV4_FLAG_MORE_FRAGMENTS : 0);
  target[offset + IPV4_OFFSET_VERSION_IHL] = (IPV4_VERSION << 4) | (IPV4_MIN_HEADER_LENGTH / 4);
  target[offset + IPV4_OFFSET_TOS] = header.tos;
  target.writeUInt16BE(IPV4_MIN_HEADER_LENGTH + header.payloadLength, offset + IPV4_OFFSET_TOTAL_LENGTH);
  target.writeUInt16BE(header.id, offset + IPV4_OFFSET_ID);
  target.writeUInt16BE(flags | header.fragmentOffset, offset + IPV4_OFFSET_FLAGS_FRAGMENT);
  target[offset + IPV4_OFFSET_TTL] = header.ttl;
  target[offset + IPV4_OFFSET_PROTOCOL] = header.protocol;
  target.writeUInt16BE(0, offset + IPV4_OFFSET_CHECKSUM);
  header.source.bytes.copy(target, offset + IPV4_OFFSET_SOURCE);
  header.destination.bytes.copy(target, offset + IPV4_OFFSET_DESTINATION);
  const checksum = internetChecksum(target, offset, offset + IPV4_MIN_HEADER_LENGTH);
  target.writeUInt16BE(checksum, offset + IPV4_OFFSET_CHECKSUM);
  return target;
}
