/**
 * The failover benchmark's smoke run (bench/failover*.ts): one crash trial of carpd and one of
 * keepalived's VRRPv3, through the benchmark's own code, so that it cannot rot. The numbers are
 * checked only for sense; the benchmark itself reports them (docs/benchmarks.md).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CONTENDERS } from '../../bench/failover-contenders';
import { runTrial } from '../../bench/failover-trial';
import { netnsUnavailableReason } from '../helpers/netns';

function hasKeepalived(): boolean {
  try {
    execFileSync('keepalived', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('netns: the failover benchmark, smoke run', function () {
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
});
