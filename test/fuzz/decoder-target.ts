/**
 * Fuzz target (a): every frame decoder of src/wire on one input, at the offsets where its layer
 * starts and at one the fuzzer picks. A decoder may only return or throw WireError; what it returns
 * must hold non-negative integers, booleans, addresses and byte fields of their protocol's length,
 * and payloads inside the buffer; no decoder may write to its input.
 */
import assert from 'node:assert/strict';
import { decodeArp } from '../../src/wire/arp';
import { decodeCarp } from '../../src/wire/carp';
import { WireError } from '../../src/wire/errors';
import { decodeEthernet } from '../../src/wire/ethernet';
import { parseCarpFrame } from '../../src/wire/frames';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { decodeIpv6 } from '../../src/wire/ipv6';
import { decodeNdp } from '../../src/wire/ndp';
import { decodeVrrp3 } from '../../src/wire/vrrp';
import { NA_ENDPOINTS } from './seeds';

type Decoder = (buf: Buffer, offset: number) => unknown;

const DECODERS: Readonly<Record<string, { readonly decode: Decoder; readonly layer: number }>> = {
  ethernet: { decode: (buf, offset) => decodeEthernet(buf, offset), layer: 0 },
  ipv4: { decode: (buf, offset) => decodeIpv4(buf, offset), layer: 14 },
  ipv6: { decode: (buf, offset) => decodeIpv6(buf, offset), layer: 14 },
  arp: { decode: (buf, offset) => decodeArp(buf, offset), layer: 14 },
  ndp: { decode: (buf, offset) => decodeNdp(buf, NA_ENDPOINTS, offset), layer: 54 },
  'ndp in ipv6': {
    decode: (buf, offset) => {
      const ip = decodeIpv6(buf, offset);
      return decodeNdp(buf, ip, ip.payloadOffset, ip.payloadLength);
    },
    layer: 14,
  },
  carp: { decode: (buf, offset) => decodeCarp(buf, offset), layer: 34 },
  'vrrp3 in ipv4': {
    decode: (buf, offset) => {
      const ip = decodeIpv4(buf, offset);
      return decodeVrrp3(buf, ip.payloadOffset, ip.payloadLength, ip);
    },
    layer: 14,
  },
  'vrrp3 in ipv6': {
    decode: (buf, offset) => {
      const ip = decodeIpv6(buf, offset);
      return decodeVrrp3(buf, ip.payloadOffset, ip.payloadLength, ip);
    },
    layer: 14,
  },
  parseCarpFrame: {
    decode: (buf, offset) => {
      const parsed = parseCarpFrame(buf, offset);
      assert.equal(parsed.payload.buffer, buf.buffer, 'the payload must be a view of the frame');
      assert.ok(parsed.payload.byteOffset + parsed.payload.length <= buf.byteOffset + buf.length, 'payload past the end');
      return parsed;
    },
    layer: 0,
  },
};

export const DECODER_NAMES = Object.keys(DECODERS);

/** Byte lengths fixed by the protocols; Ethernet's `source`/`destination` are MACs, IP's are objects. */
const BYTE_LENGTHS: Readonly<Record<string, number>> = {
  counter: 8,
  hmac: 20,
  senderMac: 6,
  targetMac: 6,
  sourceLinkLayer: 6,
  targetLinkLayer: 6,
  source: 6,
  destination: 6,
};

function assertSaneObject(fields: Record<string, unknown>, path: string, end: number): void {
  if (fields.bytes instanceof Uint8Array) {
    assert.equal(fields.bytes.length, fields.family === 4 ? 4 : 16, `${path}: address length`);
    return;
  }
  if (typeof fields.payloadOffset === 'number') {
    const payloadEnd = fields.payloadOffset + (typeof fields.payloadLength === 'number' ? fields.payloadLength : 0);
    assert.ok(payloadEnd <= end, `${path}: payload ends at ${payloadEnd}, the buffer at ${end}`);
  }
  for (const [key, inner] of Object.entries(fields)) assertSane(inner, key, `${path}.${key}`, end);
}

/** An out-of-bounds read shows up as NaN or undefined where a number belongs. */
function assertSane(value: unknown, key: string, path: string, end: number): void {
  if (typeof value === 'number') assert.ok(Number.isInteger(value) && value >= 0, `${path} = ${value}`);
  else if (value instanceof Uint8Array) {
    const expected = BYTE_LENGTHS[key];
    if (expected !== undefined) assert.equal(value.length, expected, `${path} has ${value.length} bytes`);
  } else if (typeof value === 'object' && value !== null) assertSaneObject(value as Record<string, unknown>, path, end);
  else assert.ok(['boolean', 'undefined'].includes(typeof value), `${path} has type ${typeof value}`);
}

/**
 * Runs every decoder on `buf` and checks the rules above; returns one outcome per decoder and
 * offset ("ipv4 ok", "carp bad-checksum"), for the campaign's tally.
 */
export function fuzzDecoders(buf: Buffer, extraOffset: number): string[] {
  const before = Buffer.from(buf);
  const outcomes: string[] = [];
  for (const [name, { decode, layer }] of Object.entries(DECODERS)) {
    for (const offset of [0, layer, extraOffset % (buf.length + 3)]) {
      try {
        assertSane(decode(buf, offset), name, name, buf.length);
        outcomes.push(`${name} ok`);
      } catch (e: unknown) {
        if (!(e instanceof WireError)) throw e;
        outcomes.push(`${name} ${e.reason}`);
      }
    }
    assert.ok(buf.equals(before), `${name} wrote to its input`);
  }
  return outcomes;
}
