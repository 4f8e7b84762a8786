/**
 * Randomized invariants over many seeded runs of the simulated LAN (see random-run.ts).
 * CARP_SIM_SEED=<n> replays one run; CARP_SIM_RUNS=<n> changes how many run (default 1000).
 */
import assert from 'node:assert/strict';
import { BALANCING_MODE_NAMES } from '../../src/balance/modes';
import { type RunResult, planRun, runSeed } from './random-run';

const REPLAY = process.env.CARP_SIM_SEED;
const RUNS = Number(process.env.CARP_SIM_RUNS ?? 1000);

function describeFailure(result: RunResult): string {
  const { plan, failure } = result;
  const hosts = plan.hosts.map((h) => `${h.name}:${h.advskews.join('/')}`).join(' ');
  return [
    `seed ${plan.seed}: ${failure ?? ''}`,
    `  vhids ${plan.vhids.join(',')} balancing ${plan.balancing}, advbase ${plan.advbase}, advskews ${hosts}, ` +
      `preempt ${plan.preempt ? 'on' : 'off'}, addresses ${plan.addresses.join(' ')}`,
    `  replay: CARP_SIM_SEED=${plan.seed} npx mocha --no-config --enable-source-maps 'dist/test/sim/invariants.test.js'`,
  ].join('\n');
}

describe('sim: randomized invariants', function () {
  this.timeout(120_000);

  it(REPLAY === undefined ? `holds over ${RUNS} seeded runs` : `holds for seed ${REPLAY}`, () => {
    const seeds = REPLAY === undefined ? Array.from({ length: RUNS }, (_, i) => i + 1) : [Number(REPLAY)];
    const failures = seeds.map(runSeed).filter((r) => r.failure !== null);
    assert.equal(failures.length, 0, `${failures.length} of ${seeds.length} runs failed:\n${failures.slice(0, 5).map(describeFailure).join('\n')}`);
  });

  it('plans vary: every run shape occurs among the seeds', () => {
    const plans = Array.from({ length: 200 }, (_, i) => planRun(i + 1));
    assert.deepEqual(new Set(plans.map((p) => p.hosts.length)), new Set([2, 3, 4, 5]));
    assert.deepEqual(new Set(plans.map((p) => p.advbase)), new Set([0, 1, 2, 3]));
    assert.deepEqual(new Set(plans.map((p) => p.preempt)), new Set([true, false]));
    assert.deepEqual(new Set(plans.map((p) => p.addresses.length)), new Set([1, 2]));
    assert.deepEqual(new Set(plans.map((p) => p.vhids.length)), new Set([1, 2, 3]));
    assert.deepEqual(new Set(plans.filter((p) => p.vhids.length > 1).map((p) => p.balancing)), new Set(BALANCING_MODE_NAMES));
  });
});
