import assert from 'node:assert/strict';
import type { FailoverTrial } from '../../bench/failover-summary';
import { summarizeFailover } from '../../bench/failover-summary';
import type { TrialResult } from '../../bench/failover-trial';

const crash = (gap: number, outage: number): TrialResult => ({
  icmpOutageMs: outage,
  udpOutageMs: outage + 5,
  advertisementGapMs: gap,
  bothAdvertiseMs: null,
  backupTurnedMaster: null,
});

describe('bench/failover-summary', () => {
  const trials: FailoverTrial[] = [
    { round: 1, scenario: 'crash', contender: 'carpd', result: crash(3400, 3000) },
    { round: 2, scenario: 'crash', contender: 'carpd', result: crash(3420, 3100) },
    { round: 3, scenario: 'crash', contender: 'carpd', result: null, error: 'timed out' },
    { round: 1, scenario: 'crash', contender: 'ucarp', result: crash(5100, 4000) },
    { round: 2, scenario: 'crash', contender: 'ucarp', result: crash(5200, 4200) },
    { round: 1, scenario: 'crash', contender: 'keepalived-v2', result: crash(3600, 3300) },
    { round: 1, scenario: 'crash', contender: 'carpd-vrrp3', result: crash(360, 320) },
    { round: 1, scenario: 'crash', contender: 'keepalived-v3', result: crash(362, 330) },
    { round: 1, scenario: 'start', contender: 'ucarp', result: { ...crash(0, 0), advertisementGapMs: null, icmpOutageMs: null, udpOutageMs: null, backupTurnedMaster: true } },
    { round: 2, scenario: 'start', contender: 'ucarp', result: { ...crash(0, 0), advertisementGapMs: null, icmpOutageMs: null, udpOutageMs: null, backupTurnedMaster: false } },
  ];
  const summary = summarizeFailover(trials, { carpd: ['ucarp', 'keepalived-v2'], 'carpd-vrrp3': ['keepalived-v3'] });

  it('gives the median and the worst of each measure per scenario and contender, counting failed trials apart', () => {
    const carpd = summary.cells.find((c) => c.scenario === 'crash' && c.contender === 'carpd');
    assert.deepEqual(carpd, {
      scenario: 'crash',
      contender: 'carpd',
      trials: 3,
      failed: 1,
      measures: {
        icmpOutageMs: { median: 3050, max: 3100, samples: 2 },
        udpOutageMs: { median: 3055, max: 3105, samples: 2 },
        advertisementGapMs: { median: 3410, max: 3420, samples: 2 },
      },
      backupTurnedMaster: 0,
    });
    assert.equal(summary.cells.find((c) => c.scenario === 'start')?.backupTurnedMaster, 1);
  });

  it('puts carpd`s median over the best other contender`s, measure by measure', () => {
    const gap = summary.ratios.find((r) => r.contender === 'carpd' && r.scenario === 'crash' && r.measure === 'advertisementGapMs');
    assert.deepEqual(gap?.best, { contender: 'keepalived-v2', median: 3600 });
    assert.equal(gap?.median, 3410);
    assert.ok(Math.abs((gap?.ratio ?? 0) - 3410 / 3600) < 1e-9);
    assert.equal(summary.ratios.filter((r) => r.scenario === 'start').length, 0, 'no carpd trial of start: no ratio');
  });

  it('gives each of carpd`s modes its own ratios, against its own peers', () => {
    const gaps = summary.ratios.filter((r) => r.measure === 'advertisementGapMs');
    assert.deepEqual(
      gaps.map((r) => [r.contender, r.median, r.best.contender]),
      [
        ['carpd', 3410, 'keepalived-v2'],
        ['carpd-vrrp3', 360, 'keepalived-v3'],
      ],
    );
    assert.ok(Math.abs((gaps[1]?.ratio ?? 0) - 360 / 362) < 1e-9);
  });

  it('takes ratios against the peers named only', () => {
    const onlyUcarp = summarizeFailover(trials, { carpd: ['ucarp'] }).ratios.filter((r) => r.measure === 'advertisementGapMs');
    assert.deepEqual(onlyUcarp.map((r) => r.best), [{ contender: 'ucarp', median: 5150 }]);
    assert.equal(summarizeFailover(trials, {}).ratios.length, 0);
  });
});
