import assert from 'node:assert/strict';
import { held } from '../../bench/soak';
import { type SoakRun, masterDownMs, settingFor } from '../../bench/soak-run';

const QUIET: SoakRun = {
  preferredSkew: 16,
  backupSkew: 17,
  seconds: 600,
  falseFailovers: 0,
  longestMasterSilenceMs: 90,
  masterSilenceP999Ms: 70,
  lateSilences: 0,
  stalls: 0,
  gbitPerSecond: 2.4,
  iperfBreaks: 0,
  lastIperfError: null,
  masterAtEnd: true,
};

describe('bench/soak', () => {
  it('counts a setting as held only with no takeover seen, the master MASTER at the end and iperf3 never broken', () => {
    assert.ok(held(QUIET));
    assert.ok(!held({ ...QUIET, falseFailovers: 1 }));
    assert.ok(!held({ ...QUIET, masterAtEnd: false }));
    // A takeover before the capture saw both hosts shows only as a reset connection.
    assert.ok(!held({ ...QUIET, iperfBreaks: 1, lastIperfError: 'Connection refused' }));
  });

  it('times the backup out after three of its own advskew/256 s, as carpd does at advbase 0 (classic)', () => {
    assert.equal(masterDownMs(settingFor(2)), 35.15625);
    assert.equal(masterDownMs(settingFor(16)), 199.21875);
  });
});
