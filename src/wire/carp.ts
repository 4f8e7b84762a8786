/**
 * The 36-byte CARP header (docs/protocol.md §1.3, §1.4). The checksum covers these 36 bytes only,
 * with no pseudo-header. Receivers check the version and nothing else of byte 0, and ignore
 * authlen, so the decoder does the same; the encoder always writes 0x21 and authlen 7.
 */
import { internetChecksum } from './checksum';
import { WireError, requireLength } from './errors';
import { parseIp } from './address';

export const IPPROTO_CARP = 112;
export const CARP_HEADER_LENGTH = 36;
export const CARP_VERSION = 2;
export const CARP_TYPE_ADVERTISEMENT = 1;
/** (8-byte counter + 20-byte HMAC) / 4: what every implementation sends. */
export const CARP_AUTHLEN = 7;
export const CARP_COUNTER_LENGTH = 8;
export const CARP_HMAC_LENGTH = 20;
/** advbase and advskew of 255 mean "I am leaving" (docs/protocol.md §3.7). */
export const CARP_BOW_OUT = 255;
/** Advertisements travel with TTL / hop limit 255 and are dropped otherwise (RFC 5082 style). */
export const CARP_TTL = 255;
export const CARP_IPV4_GROUP = parseIp('224.0.0.18');
export const CARP_IPV6_GROUP = parseIp('ff02::12');

const OFF_VERSION_TYPE = 0;
const OFF_VHID = 1;
const OFF_ADVSKEW = 2;
const OFF_AUTHLEN = 3;
const OFF_DEMOTE = 4;
const OFF_ADVBASE = 5;
const OFF_CHECKSUM = 6;
const OFF_COUNTER = 8;
const OFF_HMAC = 16;

/** What a sender decides; version, type and authlen are fixed. */
export interface CarpAdvertisement {
  readonly vhid: number;
  readonly advbase: number;
  readonly advskew: number;
  /** OpenBSD demote count (byte 4); 0 from FreeBSD and ucarp. */
  readonly demote: number;
  /** The 8 counter bytes exactly as on the wire (they are what the HMAC covers). */
  readonly counter: Buffer;
  readonly hmac: Buffer;
}

export interface DecodedCarp extends CarpAdvertisement {
  readonly type: number;
  readonly authlen: number;
}

export function decodeCarp(buf: Uint8Array, offset = 0): DecodedCarp {
  requireLength(buf, offset, CARP_HEADER_LENGTH, 'CARP header');
  if (internetChecksum(buf, offset, offset + CARP_HEADER_LENGTH) !== 0) {
    throw new WireError('bad-checksum', 'CARP checksum failed');
  }
  const versionType = buf[offset + OFF_VERSION_TYPE] as number;
  if (versionType >> 4 !== CARP_VERSION) {
    throw new WireError('bad-version', `CARP version ${versionType >> 4}, expected ${CARP_VERSION}`);
  }
  const at = (field: number): number => buf[offset + field] as number;
  // Copies, not views: receive buffers are reused for the next batch of frames.
  const copy = (start: number, length: number): Buffer =>
    Buffer.from(buf.subarray(offset + start, offset + start + length));
  return {
    type: versionType & 0x0f,
    vhid: at(OFF_VHID),
    advskew: at(OFF_ADVSKEW),
    authlen: at(OFF_AUTHLEN),
    demote: at(OFF_DEMOTE),
    advbase: at(OFF_ADVBASE),
    counter: copy(OFF_COUNTER, CARP_COUNTER_LENGTH),
    hmac: copy(OFF_HMAC, CARP_HMAC_LENGTH),
  };
}

/** Writes the 36-byte header with its checksum at `offset` of `target` (a new buffer by default). */
export function encodeCarp(ad: CarpAdvertisement, target = Buffer.alloc(CARP_HEADER_LENGTH), offset = 0): Buffer {
  requireLength(target, offset, CARP_HEADER_LENGTH, 'CARP header target');
  if (ad.counter.length !== CARP_COUNTER_LENGTH || ad.hmac.length !== CARP_HMAC_LENGTH) {
    throw new WireError('bad-length', 'CARP counter must be 8 bytes and HMAC 20 bytes');
  }
  checkByte('vhid', ad.vhid);
  checkByte('advbase', ad.advbase);
  checkByte('advskew', ad.advskew);
  checkByte('demote', ad.demote);
  target[offset + OFF_VERSION_TYPE] = (CARP_VERSION << 4) | CARP_TYPE_ADVERTISEMENT;
  target[offset + OFF_VHID] = ad.vhid;
  target[offset + OFF_ADVSKEW] = ad.advskew;
  target[offset + OFF_AUTHLEN] = CARP_AUTHLEN;
  target[offset + OFF_DEMOTE] = ad.demote;
  target[offset + OFF_ADVBASE] = ad.advbase;
  target.writeUInt16BE(0, offset + OFF_CHECKSUM);
  ad.counter.copy(target, offset + OFF_COUNTER);
  ad.hmac.copy(target, offset + OFF_HMAC);
  target.writeUInt16BE(internetChecksum(target, offset, offset + CARP_HEADER_LENGTH), offset + OFF_CHECKSUM);
  return target;
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new WireError('bad-header', `CARP ${name} ${value} does not fit in one byte`);
  }
}
