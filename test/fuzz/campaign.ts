/**
 * A fuzzing campaign: one target run for a number of inputs under fast-check (seeded, shrinking a
 * failure to a small input), timed, with a tally of the outcomes it reached. The tally is the
 * coverage check of a fuzzer without coverage feedback: a campaign that never reaches an outcome
 * proves nothing about the code behind it.
 */
import fc from 'fast-check';
import type { ReceivedAdvertisement } from '../../src/carp/types';
import { WireError } from '../../src/wire/errors';
import { parseCarpFrame } from '../../src/wire/frames';
import { vrrp2, vrrp3 } from '../carp/vrrp-packets';
import { VIP4, VIP6 } from '../sim/setup';
import { applyMutation, endpointsFor, forgedAd, frame, mutation } from './arbitraries';
import { fuzzDecoders } from './decoder-target';
import { SETUP_NAMES } from './fuzzed-hosts';
import { ReceiveTarget } from './receive-target';

export type TargetName = 'decoders' | 'receive';
export const TARGETS: readonly TargetName[] = ['decoders', 'receive'];

export interface CampaignResult {
  readonly target: TargetName;
  readonly runs: number;
  readonly seed: number;
  readonly seconds: number;
  readonly tally: ReadonlyMap<string, number>;
}

const fromFrame = (buf: Buffer): ReceivedAdvertisement | string => {
  try {
    return { carpdev: 'eth0', ...parseCarpFrame(buf) };
  } catch (e: unknown) {
    if (e instanceof WireError) return 'not an IP packet of protocol 112';
    throw e;
  }
};

const vrrp = fc
  .record({
    version: fc.constantFrom(2, 3),
    vrid: fc.constantFrom(1, 2, 3),
    addresses: fc.constantFrom([VIP4], [VIP6], [VIP4, '192.0.2.1', '192.0.2.3', '192.0.2.4', '192.0.2.5']),
    mutation: fc.option(mutation, { nil: null }),
  })
  .map(({ version, vrid, addresses, mutation: m }) => {
    const packet = version === 2 ? vrrp2({ vrid, addresses: addresses.filter((a) => !a.includes(':')) }) : vrrp3({ vrid, addresses });
    return m === null ? packet : { ...packet, payload: applyMutation(packet.payload, m, () => undefined) };
  });

/** What reaches `receive`: forged advertisements, VRRP, raw payloads, and whole frames the relay parsed. */
const packet: fc.Arbitrary<ReceivedAdvertisement | string> = fc.oneof(
  { weight: 6, arbitrary: forgedAd.map((ad) => ({ carpdev: 'eth0', ...endpointsFor(ad.family), ...ad })) },
  { weight: 1, arbitrary: vrrp },
  {
    weight: 1,
    arbitrary: fc
      .record({ family: fc.constantFrom<4 | 6>(4, 6), ttl: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 80 }) })
      .map((raw) => ({ carpdev: 'eth0', ...endpointsFor(raw.family), ...raw })),
  },
  { weight: 2, arbitrary: frame.map(fromFrame) },
);

function property(target: TargetName, count: (outcome: string) => void): fc.IProperty<[unknown, unknown]> {
  if (target === 'decoders') {
    return fc.property(frame, fc.nat(), (buf, offset) => fuzzDecoders(buf, offset).forEach(count));
  }
  const receive = new ReceiveTarget();
  return fc.property(fc.constantFrom(...SETUP_NAMES), packet, (setup, input) => {
    count(typeof input === 'string' ? input : receive.feed(setup, input));
  }) as fc.IProperty<[unknown, unknown]>;
}

/** Runs `runs` inputs; throws fast-check's report (seed, path, shrunk input) on the first failure. */
export function runCampaign(target: TargetName, runs: number, seed: number): CampaignResult {
  const tally = new Map<string, number>();
  const count = (outcome: string): void => void tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  const start = process.hrtime.bigint();
  fc.assert(property(target, count), { numRuns: runs, seed });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { target, runs, seed, seconds, tally };
}
