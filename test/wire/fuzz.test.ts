/**
 * Seeded fuzzing of every decoder: random buffers and mutations of valid frames (with checksums
 * repaired half of the time, so that the deeper checks are reached). A decoder may only accept or
 * throw WireError; an accepted decode must hold only integers, booleans, addresses and byte views
 * inside the input, and no decoder may write to its input. Set WIRE_FUZZ_SEED to replay a run.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { parseIp, virtualMac } from '../../src/wire/address';
import { decodeArp, encodeArp } from '../../src/wire/arp';
import { decodeCarp, encodeCarp } from '../../src/wire/carp';
import { finishChecksum, internetChecksum, sumWords } from '../../src/wire/checksum';
import { WireError, type WireErrorReason } from '../../src/wire/errors';
import { decodeEthernet } from '../../src/wire/ethernet';
import {
  buildAdvertisementFrame,
  buildGratuitousArp,
  buildUnsolicitedNeighborAdvert,
  parseCarpFrame,
} from '../../src/wire/frames';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { decodeIpv6, encodeIpv6 } from '../../src/wire/ipv6';
import { decodeNdp, encodeNdp } from '../../src/wire/ndp';
import { readPcap } from '../helpers/pcap';
import { fixturePath } from './fixtures';
import { V1_COUNTER, V1_FRAME_FREEBSD, V1_FRAME_OPENBSD, V1_HMAC, V4_FRAME_IPV6 } from './vectors';

const ITERATIONS = 20_000;
const SEED = process.env.WIRE_FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.WIRE_FUZZ_SEED);

/** mulberry32: small, fast, and good enough to spread mutations; reproducible from the seed. */
function makeRandom(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below;
  };
}

function neighborSolicitationFrame(): Buffer {
  const endpoints = { source: parseIp('fe80::2'), destination: parseIp('ff02::1:ff00:10') };
  const message = { type: 135, target: parseIp('2001:db8::10'), sourceLinkLayer: virtualMac(2) } as const;
  const ndp = encodeNdp(message, endpoints);
  const fields = { trafficClass: 0, flowLabel: 0, payloadLength: ndp.length, nextHeader: 58, hopLimit: 255 };
  const ip = encodeIpv6({ ...endpoints, ...fields });
  return Buffer.concat([V4_FRAME_IPV6.subarray(0, 14), ip, ndp]);
}

function corpus(): Buffer[] {
  const arpReply = encodeArp({
    operation: 2,
    senderMac: virtualMac(1),
    senderIp: parseIp('192.0.2.10'),
    targetMac: virtualMac(9),
    targetIp: parseIp('192.0.2.99'),
  });
  const bowOut = encodeCarp({ vhid: 1, advbase: 255, advskew: 255, demote: 0, counter: V1_COUNTER, hmac: V1_HMAC });
  const ucarp = readPcap(fixturePath('ucarp', 'vec3_ucarp_vhid42_b2_s50_vip142.pcap')).records.map((r) => r.data);
  return [
    V1_FRAME_OPENBSD,
    V1_FRAME_FREEBSD,
    V4_FRAME_IPV6,
    buildAdvertisementFrame({
      sourceMac: virtualMac(1),
      source: parseIp('fe80::1'),
      destination: parseIp('ff02::12'),
      trafficClass: 0xe0,
      ipId: 0,
      payload: bowOut,
    }),
    buildGratuitousArp(virtualMac(1), parseIp('192.0.2.10')),
    buildUnsolicitedNeighborAdvert(virtualMac(1), parseIp('2001:db8::10'), { router: true }),
    neighborSolicitationFrame(),
    Buffer.concat([V1_FRAME_OPENBSD.subarray(0, 12), Buffer.from([0x08, 0x06]), arpReply]),
    ...ucarp,
  ];
}

/** Repairs whichever checksums the (mutated) frame claims to have, as a careful attacker would. */
function repairChecksums(frame: Buffer): void {
  if (frame.length < 34) return;
  const etherType = frame.readUInt16BE(12);
  if (etherType === 0x0800 && frame[14] === 0x45) {
    frame.writeUInt16BE(0, 24);
    frame.writeUInt16BE(internetChecksum(frame, 14, 34), 24);
    if (frame.length >= 70) {
      frame.writeUInt16BE(0, 40);
      frame.writeUInt16BE(internetChecksum(frame, 34, 70), 40);
    }
  } else if (etherType === 0x86dd && frame.length >= 90 && frame[20] === 112) {
    frame.writeUInt16BE(0, 60);
    frame.writeUInt16BE(internetChecksum(frame, 54, 90), 60);
  } else if (etherType === 0x86dd && frame.length >= 58 && frame[20] === 58) {
    repairIcmpv6Checksum(frame);
  }
}

/** RFC 8200 8.1: source, destination, upper-layer length and next header 58 before the message. */
function repairIcmpv6Checksum(frame: Buffer): void {
  const end = Math.min(frame.length, 54 + frame.readUInt16BE(18));
  frame.writeUInt16BE(0, 56);
  const sum = sumWords(frame, 22, 54) + (end - 54) + 58;
  frame.writeUInt16BE(finishChecksum(sumWords(frame, 54, end, sum)), 56);
}

type Random = (below: number) => number;

function mutate(base: Buffer, random: Random): Buffer {
  let frame = Buffer.from(base);
  const flips = 1 + Math.floor(random(4));
  for (let i = 0; i < flips && frame.length > 0; i++) {
    const at = Math.floor(random(frame.length));
    frame[at] = random(2) < 1 ? Math.floor(random(256)) : (frame[at] as number) ^ (1 << Math.floor(random(8)));
  }
  const shape = Math.floor(random(4));
  if (shape === 0) frame = frame.subarray(0, Math.floor(random(frame.length + 1)));
  if (shape === 1) frame = Buffer.concat([frame, randomBytes(Math.floor(random(24)), random)]);
  if (random(2) < 1) repairChecksums(frame);
  return frame;
}

function randomBytes(length: number, random: Random): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(random(256))));
}

/** Byte lengths fixed by the protocols; Ethernet's `source`/`destination` are MACs, IP's are objects. */
const BYTE_LENGTHS: Record<string, number> = {
  counter: 8,
  hmac: 20,
  senderMac: 6,
  targetMac: 6,
  sourceLinkLayer: 6,
  targetLinkLayer: 6,
  source: 6,
  destination: 6,
};

function assertSaneBytes(bytes: Uint8Array, key: string, path: string): void {
  const expected = BYTE_LENGTHS[key];
  if (expected !== undefined) assert.equal(bytes.length, expected, `${path} has ${bytes.length} bytes`);
}

function assertSaneObject(value: object, path: string, frameLength: number): void {
  const fields = value as Record<string, unknown>;
  if (fields.bytes instanceof Uint8Array) {
    assert.equal(fields.bytes.length, fields.family === 4 ? 4 : 16, `${path}: address length`);
    return;
  }
  if (typeof fields.payloadOffset === 'number') {
    const end = fields.payloadOffset + (typeof fields.payloadLength === 'number' ? fields.payloadLength : 0);
    assert.ok(end <= frameLength, `${path}: payload ends at ${end}, the buffer at ${frameLength}`);
  }
  for (const [key, inner] of Object.entries(fields)) assertSane(inner, key, `${path}.${key}`, frameLength);
}

/**
 * Walks a decode result: numbers must be non-negative integers (an out-of-bounds read shows up as
 * NaN), addresses and fixed fields must have their protocol's length, payloads must end inside
 * the buffer.
 */
function assertSane(value: unknown, key: string, path: string, frameLength: number): void {
  if (typeof value === 'number') assert.ok(Number.isInteger(value) && value >= 0, `${path} = ${value}`);
  else if (value instanceof Uint8Array) assertSaneBytes(value, key, path);
  else if (typeof value === 'object' && value !== null) assertSaneObject(value, path, frameLength);
  else assert.ok(['boolean', 'undefined'].includes(typeof value), `${path} has type ${typeof value}`);
}

type Decoder = (buf: Buffer, offset: number) => unknown;
/** The pseudo-header of the unsolicited NA in the corpus, so that its mutations can decode. */
const ndpEndpoints = { source: parseIp('2001:db8::10'), destination: parseIp('ff02::1') };

const DECODERS: Record<string, Decoder> = {
  ethernet: (buf, offset) => decodeEthernet(buf, offset),
  ipv4: (buf, offset) => decodeIpv4(buf, offset),
  ipv6: (buf, offset) => decodeIpv6(buf, offset),
  arp: (buf, offset) => decodeArp(buf, offset),
  ndp: (buf, offset) => decodeNdp(buf, ndpEndpoints, offset),
  'ndp in ipv6': (buf, offset) => {
    const ip = decodeIpv6(buf, offset);
    return decodeNdp(buf, ip, ip.payloadOffset, ip.payloadLength);
  },
  carp: (buf, offset) => decodeCarp(buf, offset),
  'parseCarpFrame + decodeCarp': (buf, offset) => {
    const parsed = parseCarpFrame(buf, offset);
    assert.equal(parsed.payload.buffer, buf.buffer, 'the payload must be a view of the frame');
    assert.ok(parsed.payload.byteOffset + parsed.payload.length <= buf.byteOffset + buf.length, 'payload past the end');
    return { parsed, carp: decodeCarp(parsed.payload) };
  },
};

/** Offsets worth trying: the start, where each layer begins in a frame, and a random one. */
function offsetsFor(name: string, length: number, random: Random): number[] {
  const layer: Record<string, number> = { ipv4: 14, ipv6: 14, arp: 14, ndp: 54, 'ndp in ipv6': 14, carp: 34 };
  return [0, layer[name] ?? 0, Math.floor(random(length + 3))];
}

describe('wire: fuzzing the decoders', function () {
  this.timeout(120_000);

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`wire fuzz seed: WIRE_FUZZ_SEED=${SEED}`);
  });

  it(`throws nothing but WireError over ${ITERATIONS} random and mutated buffers (seed ${SEED})`, () => {
    const random = makeRandom(SEED);
    const bases = corpus();
    const accepted = new Map<string, number>();
    const reasons = new Set<WireErrorReason>();
    for (let i = 0; i < ITERATIONS; i++) {
      const buf =
        i % 5 === 0
          ? randomBytes(Math.floor(random(100)), random)
          : mutate(bases[Math.floor(random(bases.length))] as Buffer, random);
      const before = Buffer.from(buf);
      for (const [name, decode] of Object.entries(DECODERS)) {
        for (const offset of offsetsFor(name, buf.length, random)) {
          const context = `seed ${SEED}, iteration ${i}, ${name} at ${offset} of ${buf.toString('hex')}`;
          try {
            assertSane(decode(buf, offset), name, name, buf.length);
            accepted.set(name, (accepted.get(name) ?? 0) + 1);
          } catch (e: unknown) {
            if (!(e instanceof WireError)) assert.fail(`${context}: threw ${e instanceof Error ? e.stack : String(e)}`);
            reasons.add(e.reason);
          }
        }
        assert.ok(buf.equals(before), `seed ${SEED}, iteration ${i}: ${name} wrote to its input`);
      }
    }
    // The run must have reached past the checks, or it proves nothing about the deeper code.
    for (const name of Object.keys(DECODERS)) {
      const count = accepted.get(name) ?? 0;
      assert.ok(count > 50, `seed ${SEED}: ${name} accepted only ${count} inputs`);
    }
    assert.deepEqual(
      [...reasons].sort(),
      ['bad-checksum', 'bad-header', 'bad-length', 'bad-version', 'truncated', 'unsupported'],
      `seed ${SEED}`,
    );
  });
});
