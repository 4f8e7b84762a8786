/**
 * What the fuzzer feeds: fast-check arbitraries for whole frames (random bytes, mutants of the
 * seeds) and for advertisements forged field by field, with the right HMAC for the fuzzed host's
 * passphrase half of the time, so that inputs reach every guard of the receive path and the state
 * rules behind them. fast-check shrinks a failing input to a small one.
 */
import fc from 'fast-check';
import { type IpAddress, multicastMacFor, parseIp, virtualMac } from '../../src/wire/address';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP, IPPROTO_CARP, encodeCarp } from '../../src/wire/carp';
import { encodeEthernet } from '../../src/wire/ethernet';
import { computeHmac, deriveKey } from '../../src/wire/hmac';
import { encodeIpv4 } from '../../src/wire/ipv4';
import { encodeIpv6 } from '../../src/wire/ipv6';
import { VIP4, VIP6 } from '../sim/setup';
import { repairCarp, repairFrame } from './checksums';
import { seedFrames } from './seeds';

const byte = fc.integer({ min: 0, max: 255 });

export interface Mutation {
  /** Each edit sets a byte, or flips bit `value % 8` of it; `at` wraps around the length. */
  readonly edits: readonly { readonly at: number; readonly value: number; readonly flip: boolean }[];
  /** Keep only the first `cut % (length + 1)` bytes. */
  readonly cut: number | null;
  readonly tail: Uint8Array;
  readonly repair: boolean;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  edits: fc.array(fc.record({ at: fc.nat(), value: byte, flip: fc.boolean() }), { maxLength: 4 }),
  cut: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, fc.nat()),
  tail: fc.oneof({ weight: 6, arbitrary: fc.constant(new Uint8Array(0)) }, fc.uint8Array({ maxLength: 24 })),
  repair: fc.boolean(),
});

/** A copy of `base` with the mutation applied; `repair` fixes checksums with `fix`. */
export function applyMutation(base: Uint8Array, m: Mutation, fix: (buf: Buffer) => void): Buffer {
  let out = Buffer.from(base);
  for (const edit of m.edits) {
    if (out.length === 0) break;
    const at = edit.at % out.length;
    out[at] = edit.flip ? (out[at] as number) ^ (1 << (edit.value % 8)) : edit.value;
  }
  if (m.cut !== null) out = out.subarray(0, m.cut % (out.length + 1));
  if (m.tail.length > 0) out = Buffer.concat([out, m.tail]);
  if (m.repair) fix(out);
  return out;
}

const SEEDS = seedFrames();

/** The fuzzed hosts' configuration (test/carp/helpers, test/sim/setup): what a valid peer signs. */
export const HOST_PASSPHRASE = 'secret';
const ADDRESS_SETS: readonly (readonly IpAddress[])[] = [[VIP4], [VIP4, VIP6], [VIP6], ['192.0.2.1']].map((set) => set.map(parseIp));

export interface ForgedAd {
  readonly family: 4 | 6;
  readonly ttl: number;
  readonly payload: Buffer;
}

/**
 * A CARP header built from fuzzed fields: any vhid (mostly the fuzzed ones), advbase, advskew and
 * demote; a random counter or one of the fuzzed nodes' cookies (test/carp/helpers countingRandom:
 * 01.., 02.., 03..); the right passphrase or not; then a mutation of the 36 bytes.
 */
export const forgedAd: fc.Arbitrary<ForgedAd> = fc
  .record({
    vhid: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 2, 3) }, byte),
    advbase: fc.oneof(fc.constantFrom(0, 1, 255), byte),
    advskew: fc.oneof(fc.constantFrom(0, 100, 255), byte),
    demote: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, byte),
    counter: fc.oneof(fc.constantFrom(1, 2, 3).map((k) => Buffer.alloc(8, k)), fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b))),
    passphrase: fc.constantFrom(HOST_PASSPHRASE, HOST_PASSPHRASE, 'wrong'),
    addresses: fc.oneof({ weight: 3, arbitrary: fc.constant(ADDRESS_SETS[1] as readonly IpAddress[]) }, fc.constantFrom(...ADDRESS_SETS)),
    family: fc.constantFrom<4 | 6>(4, 6),
    ttl: fc.oneof({ weight: 4, arbitrary: fc.constant(255) }, byte),
    mutation: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, mutation),
  })
  .map((f) => {
    const hmac = computeHmac(deriveKey(f.passphrase), { vhid: f.vhid, addresses: f.addresses, counter: f.counter });
    const header = encodeCarp({ vhid: f.vhid, advbase: f.advbase, advskew: f.advskew, demote: f.demote, counter: f.counter, hmac });
    const payload = f.mutation === null ? header : applyMutation(header, f.mutation, (buf) => repairCarp(buf, 0));
    return { family: f.family, ttl: f.ttl, payload };
  });

/** The IP fields of a forged advertisement as the relay would report them. */
export function endpointsFor(family: 4 | 6): { source: IpAddress; destination: IpAddress } {
  return family === 4
    ? { source: parseIp('192.0.2.2'), destination: CARP_IPV4_GROUP }
    : { source: parseIp('fe80::2'), destination: CARP_IPV6_GROUP };
}

const mutant = fc.tuple(fc.constantFrom(...SEEDS), mutation).map(([seed, m]) => applyMutation(seed, m, repairFrame));

/**
 * A mutant padded to a jumbo size with one repeated byte: oversized frames, built without
 * generating thousands of random bytes per input.
 */
const jumbo = fc
  .tuple(mutant, fc.integer({ min: 1500, max: 9100 }), byte)
  .map(([start, size, fill]) => Buffer.concat([start, Buffer.alloc(Math.max(0, size - start.length), fill)]));

/**
 * A forged advertisement in an IP header whose every field is fuzzed (TOS, id, fragment bits,
 * TTL; traffic class, flow label, hop limit), behind the CARP multicast MAC.
 */
const carpFrame = fc
  .record({ ad: forgedAd, word: fc.nat({ max: 0xffff }), flags: fc.nat({ max: 3 }), fragmentOffset: fc.oneof(fc.constant(0), fc.nat({ max: 0x1fff })), tos: byte })
  .map(({ ad, word, flags, fragmentOffset, tos }) => {
    const { source, destination } = endpointsFor(ad.family);
    const common = { source, destination, payloadLength: ad.payload.length, protocol: IPPROTO_CARP, nextHeader: IPPROTO_CARP };
    const ip =
      ad.family === 4
        ? encodeIpv4({ ...common, tos, id: word, dontFragment: (flags & 1) !== 0, moreFragments: (flags & 2) !== 0, fragmentOffset, ttl: ad.ttl })
        : encodeIpv6({ ...common, trafficClass: tos, flowLabel: word, hopLimit: ad.ttl });
    const ethernet = encodeEthernet({ destination: multicastMacFor(destination), source: virtualMac(1), etherType: ad.family === 4 ? 0x0800 : 0x86dd });
    return Buffer.concat([ethernet, ip, ad.payload]);
  });

/** Random bytes, a mutant of a seed frame, a forged advertisement, or an oversized mutant. */
export const frame: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 8, arbitrary: mutant },
  { weight: 4, arbitrary: carpFrame },
  { weight: 1, arbitrary: jumbo },
);
