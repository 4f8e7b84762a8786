/**
 * OpenBSD's ARP balancing hash (ip_carp.c carp_hash, arpbalance of OpenBSD 4.1-4.6 and `balancing
 * arp` of 5.8; docs/protocol.md §4): Bob Jenkins' lookup2 mix of the requester's MAC with a
 * per-key value. The per-key part reads a SHA-1 digest in host byte order, so little-endian
 * (amd64, i386) and big-endian OpenBSD hosts disagree; little-endian is the default.
 */
import { createHash } from 'node:crypto';
import { ETHERNET_MAC_LENGTH } from '../wire/ethernet';

export type ByteOrder = 'little-endian' | 'big-endian';

/** Computed once per passphrase (sc_hashkey of OpenBSD, plus the key bytes carp_hash adds in). */
export interface ArpHashKey {
  readonly hk0: number;
  readonly hk1: number;
  /** The first four bytes of the 20-byte CARP key, little-endian (carp_hash shifts them in by hand). */
  readonly keyWord: number;
}

/** CARP_KEY_LEN: the passphrase's first 19 bytes, NUL-padded to 20. */
const CARP_KEY_LENGTH = 20;
/** The SHA-1 block: the HMAC inner pad is the key zero-padded to it, each byte XOR 0x36. */
const SHA1_BLOCK = 64;
const IPAD = 0x36;
/** CARP version 2, type advertisement: the start of every HMAC message, hashed after the pad. */
const VERSION_TYPE = Uint8Array.of(0x02, 0x01);
/** The golden ratio of lookup2. */
const GOLDEN_RATIO = 0x9e3779b9;

/**
 * The per-key values: SHA-1(inner pad || 02 01) as five 32-bit words w0..w4 in `order`, then
 * hk0 = w0 ^ w1 and hk1 = w2 ^ w3. `key` is the CARP key (CarpKey.bytes: at most 20 bytes; missing
 * bytes are the NUL padding).
 */
export function arpHashKey(key: Uint8Array, order: ByteOrder = 'little-endian'): ArpHashKey {
  const padded = Buffer.alloc(CARP_KEY_LENGTH);
  padded.set(key.subarray(0, CARP_KEY_LENGTH));
  const pad = Buffer.alloc(SHA1_BLOCK, IPAD);
  for (let i = 0; i < CARP_KEY_LENGTH; i++) pad[i] = (padded[i] as number) ^ IPAD;
  const digest = createHash('sha1').update(pad).update(VERSION_TYPE).digest();
  const word = (i: number): number => (order === 'little-endian' ? digest.readUInt32LE(i * 4) : digest.readUInt32BE(i * 4));
  return {
    hk0: (word(0) ^ word(1)) >>> 0,
    hk1: (word(2) ^ word(3)) >>> 0,
    keyWord: padded.readUInt32LE(0),
  };
}

/**
 * carp_hash of the MAC at mac[offset, offset + 6), an unsigned 32-bit integer; the carpnode is
 * `carpHash(...) % lscount`. The MAC bytes are shifted in explicitly, so only the key depends on
 * byte order. All arithmetic wraps at 32 bits: values stay int32 (`| 0`, `^`), shifts right are
 * logical (`>>>`) as on u_int32_t.
 */
export function carpHash(key: ArpHashKey, mac: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + ETHERNET_MAC_LENGTH > mac.length) {
    throw new RangeError(`carpHash needs 6 MAC bytes at offset ${offset}, the buffer has ${mac.length}`);
  }
  const m = (i: number): number => mac[offset + i] as number;
  let a = (GOLDEN_RATIO + (m(0) | (m(1) << 8) | (m(2) << 16) | (m(3) << 24))) | 0;
  let b = (key.hk0 + (m(4) | (m(5) << 8))) | 0;
  let c = (key.hk1 + key.keyWord) | 0;
  // lookup2's mix(a, b, c).
  a = (a - b - c) ^ (c >>> 13);
  b = (b - c - a) ^ (a << 8);
  c = (c - a - b) ^ (b >>> 13);
  a = (a - b - c) ^ (c >>> 12);
  b = (b - c - a) ^ (a << 16);
  c = (c - a - b) ^ (b >>> 5);
  a = (a - b - c) ^ (c >>> 3);
  b = (b - c - a) ^ (a << 10);
  c = (c - a - b) ^ (b >>> 15);
  return c >>> 0;
}
