/**
 * The short runs of the fuzzing campaigns (`npm run fuzz` runs a million inputs each): a few
 * thousand inputs per target, a fresh seed each time (FUZZ_SEED=n replays one), and a check that
 * they reached every outcome, so that the invariants were tested where they matter.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { WireErrorReason } from '../../src/wire/errors';
import { runCampaign } from './campaign';
import { DECODER_NAMES } from './decoder-target';

const SEED = process.env.FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.FUZZ_SEED);
const WIRE_ERRORS: readonly WireErrorReason[] = ['truncated', 'bad-length', 'bad-version', 'bad-checksum', 'bad-header', 'unsupported'];
const RECEIVE_OUTCOMES = ['accepted', 'disallowed', 'vrrp', 'hdrops', 'badsum', 'badver', 'badvhid', 'badttl', 'badauth', 'loop'];

describe(`fuzz: short campaigns (seed ${SEED}; npm run fuzz for the long ones)`, function () {
  this.timeout(60_000);

  it('decoders: nothing but WireError, sane results, inputs untouched; every decoder accepts some inputs', () => {
    const { tally } = runCampaign('decoders', 5_000, SEED);
    for (const name of DECODER_NAMES) assert.ok((tally.get(`${name} ok`) ?? 0) > 0, `${name} accepted nothing`);
    const reasons = new Set([...tally.keys()].map((outcome) => outcome.slice(outcome.lastIndexOf(' ') + 1)));
    for (const reason of WIRE_ERRORS) assert.ok(reasons.has(reason), `no decoder threw ${reason}`);
  });

  it('receive: never throws; a dropped packet changes nothing but one drop counter; all guards reached', () => {
    const { tally } = runCampaign('receive', 5_000, SEED);
    for (const outcome of RECEIVE_OUTCOMES) assert.ok((tally.get(outcome) ?? 0) > 0, `no input ended as ${outcome}`);
  });
});
