/**
 * Smoke runs of the benchmarks that need namespaces, through their own code, so that they cannot
 * rot: one crash trial of carpd, of carpd's VRRPv3 mode and of keepalived's VRRPv3
 * (bench/failover*.ts), the scale case with two vhids (bench/scale.ts), and a few seconds of the
 * soak case (bench/soak*.ts). The numbers are checked only for sense; the benchmark
 * itself reports them (docs/benchmarks.md).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CONTENDERS } from '../../bench/failover-contenders';
import { runTrial } from '../../bench/failover-trial';
import { parseBenchArgs } from '../../bench/options';
import { runScale } from '../../bench/scale';
import { runSoakCase } from '../../bench/soak';
import { netnsUnavailableReason } from '../helpers/netns';

function hasKeepalived(): boolean {
  try {
    execFileSync('keepalived', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('netns: the benchmarks, smoke runs', function () {
  before(function () {
    if (netnsUnavailableReason()) this.skip();
  });

  it('measures a carpd crash: the backup`s first advertisement one master-down interval after the last one heard', async () => {
    const { masterDownMs, advertisementMs } = CONTENDERS.carpd;
    const result = await runTrial(CONTENDERS.carpd, 'crash', () => 0.5);
    const gap = result.advertisementGapMs ?? NaN;
    assert.ok(gap > masterDownMs - advertisementMs && gap < masterDownMs + 1000, `last ad to new ad ${gap} ms`);
    for (const outage of [result.icmpOutageMs, result.udpOutageMs]) {
      assert.ok(outage !== null && outage > 1000 && outage < gap + 1000, `client outage ${outage} ms against ${gap} ms`);
    }
  });

  it('measures keepalived`s VRRPv3 at advert_int 0.1 the same way', async function () {
    if (!hasKeepalived()) this.skip();
    const { masterDownMs } = CONTENDERS['keepalived-v3'];
    const result = await runTrial(CONTENDERS['keepalived-v3'], 'crash', () => 0.5);
    const gap = result.advertisementGapMs ?? NaN;
    assert.ok(gap > masterDownMs - 100 && gap < masterDownMs + 500, `last ad to new ad ${gap} ms`);
  });

  it('measures carpd`s VRRPv3 mode at vrrpinterval 10 the same way', async () => {
    const { masterDownMs } = CONTENDERS['carpd-vrrp3'];
    const result = await runTrial(CONTENDERS['carpd-vrrp3'], 'crash', () => 0.5);
    const gap = result.advertisementGapMs ?? NaN;
    assert.ok(gap > masterDownMs - 100 && gap < masterDownMs + 500, `last ad to new ad ${gap} ms`);
  });

  it('measures the scale case: one carpd for all vhids against a ucarp process per vhid, elected and running', async () => {
    const parsed = parseBenchArgs(['--case', 'scale', '--vhids', '2', '--scale-seconds', '1', '--scale-warmup', '0', '--contenders', 'carpd,ucarp']);
    assert.equal(parsed.kind, 'run');
    const results = await runScale(parsed.options, () => undefined);
    const sides = [results.carpd.master, results.carpd.backup, results.ucarp?.master, results.ucarp?.backup];
    assert.deepEqual(sides.map((side) => side?.processes), [1, 1, 2, 2]);
    for (const side of sides) {
      assert.ok(side !== undefined && side.electedSeconds > 0 && Number.isFinite(side.cpuPercentOfCore) && side.residentMegabytes > 1, JSON.stringify(side));
      // Sampled every second over the 1 s span: at its start and its end.
      const { samples, vmRss, rssAnon, rssFile } = side.memory;
      assert.ok(samples >= 2 && vmRss.min > 1 && vmRss.min <= vmRss.median && vmRss.median <= vmRss.max, JSON.stringify(side.memory));
      assert.ok(rssAnon.min > 0 && rssFile.min > 0 && rssAnon.max + rssFile.max >= vmRss.min, JSON.stringify(side.memory));
    }
  });

  it('soaks a sub-second setting for a few seconds under iperf3 and the hogs, at SCHED_RR, and times its crash beside keepalived`s VRRPv3', async function () {
    if (!hasKeepalived()) this.skip();
    // advskew 40/41: a 0.48 s master-down that a loaded machine holds for a few seconds. The soak
    // throws if carpd's main thread is not SCHED_RR at priority 10 after it set that.
    const parsed = parseBenchArgs(['--case', 'soak', '--soak-seconds', '3', '--soak-skews', '40', '--soak-rr=10', '--soak-hogs', '1', '--trials', '1']);
    assert.equal(parsed.kind, 'run');
    const results = await runSoakCase(parsed.options, () => undefined);
    const [soak] = results.runs;
    assert.ok(soak !== undefined && (soak.gbitPerSecond ?? 0) > 0, JSON.stringify(soak));
    // advskew 40 sends every 156 ms: three seconds give about 19 silences, none past the 480 ms master-down.
    const { longestMasterSilenceMs, masterSilenceP999Ms, lateSilences } = soak;
    assert.ok(longestMasterSilenceMs !== null && masterSilenceP999Ms !== null && masterSilenceP999Ms <= longestMasterSilenceMs && lateSilences === 0, JSON.stringify(soak));
    assert.deepEqual(results.chosen, { preferredSkew: 40, backupSkew: 41 }, JSON.stringify(soak));
    assert.deepEqual(results.summary.cells.map((cell) => [cell.contender, cell.trials - cell.failed]), [['carpd', 1], ['keepalived-v3', 1]]);
    const gap = results.summary.cells[0]?.measures.advertisementGapMs?.median ?? NaN;
    assert.ok(gap > 300 && gap < 1000, `carpd's last ad to new ad ${gap} ms against a 480 ms master-down`);
  });
});
