import assert from 'node:assert/strict';
import { LOOP_LAG_RECOVERY_MS } from '../../src/carp/loop-lag';
import { adverts, assertRefused, becomeMaster, decoded, nodeState, peerAd, runTimers, runningHost, summary } from './helpers';

describe('carp/loop-lag: a MASTER whose daemon did not run on time', () => {
  it('acts from a third of the shortest master-down a backup can have (advbase s), and only while MASTER', () => {
    const host = runningHost({ advbase: 2 });
    assert.equal(host.loopLagLimit(), null, 'a BACKUP has nobody waiting for its advertisements');
    assert.deepEqual(host.loopStalled(5000, 100), []);
    becomeMaster(host);
    assert.equal(host.loopLagLimit(), 2000);
    const openbsd = runningHost({ advbase: 0, sysctls: [['net.inet.carp.masterdown', 'openbsd']] });
    becomeMaster(openbsd);
    assert.equal(openbsd.loopLagLimit(), 1000 / 256, 'advbase 0: 3/256 s / 3');
  });

  it('a lag below the limit changes nothing', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    assert.deepEqual(host.loopStalled(999, at + 999), []);
  });

  it('a lag near master-down demotes in both styles and advertises it at once, staying MASTER', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    const actions = host.loopStalled(1500, at + 2000);
    assert.deepEqual(summary(actions), ['demotion carp 0->1 loop-lag', 'demotion sysctl 0->240 loop-lag', 'advertise 1 v4']);
    const ad = decoded(adverts(actions)[0] as never);
    assert.equal(ad.demote, 1);
    assert.equal(ad.advskew, 240);
    assert.equal(nodeState(host), 'MASTER');
  });

  it('silent for the shortest backup master-down, a MASTER steps down to BACKUP without sending anything', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    const actions = host.loopStalled(3800, at + 4000);
    assert.deepEqual(summary(actions), [
      'state 1 MASTER->BACKUP stalled',
      'link carp0 down',
      'demotion carp 0->1 loop-lag',
      'demotion sysctl 0->240 loop-lag',
    ]);
    assert.equal(host.nextDeadline(), at + 4000 + 3000, 'its master-down timer brings it back if nobody took over');
  });

  it('stepped down, it stays BACKUP while the new MASTER advertises (less demoted), even with preempt', () => {
    const host = runningHost({ sysctls: [['net.inet.carp.preempt', '1']] });
    const at = becomeMaster(host);
    host.loopStalled(3800, at + 4000);
    const actions = host.receive(peerAd({ advskew: 100 }), at + 4100);
    assert.deepEqual(summary(actions), []);
    assert.equal(nodeState(host), 'BACKUP');
  });

  it('withdraws the demotion LOOP_LAG_RECOVERY_MS after the last lag; a new lag starts the wait again', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    host.loopStalled(1500, at + 2000);
    host.loopStalled(1200, at + 20_000);
    assert.deepEqual(summary(host.loopStalled(1200, at + 20_000)), [], 'already demoted: nothing more');
    const before = runTimers(host, at + 20_000 + LOOP_LAG_RECOVERY_MS - 1);
    assert.ok(!summary(before).some((line) => line.startsWith('demotion')), 'still demoted');
    const after = runTimers(host, at + 20_000 + LOOP_LAG_RECOVERY_MS);
    assert.deepEqual(
      summary(after).filter((line) => !line.startsWith('advertise')),
      ['demotion carp 1->0 loop-lag-cleared', 'demotion sysctl 240->0 loop-lag-cleared'],
    );
    assert.equal(decoded(adverts(after).at(-1) as never).demote, 0, 'the MASTER advertises the withdrawal at once');
  });

  it('withdraws exactly the FreeBSD amount it added, even if the factor changed meanwhile', () => {
    const host = runningHost();
    const at = becomeMaster(host);
    host.loopStalled(1500, at + 2000);
    host.setSysctl('net.inet.carp.senderr_demotion_factor', '10', at + 2100);
    runTimers(host, at + 2000 + LOOP_LAG_RECOVERY_MS);
    assert.equal(host.getSysctl('net.inet.carp.demotion'), '0');
  });

  it('refuses a lag that is not a number of milliseconds', () => {
    const host = runningHost();
    assertRefused(host, 'bad-value', () => host.loopStalled(Number.NaN, 0), /lag must be/);
    assertRefused(host, 'bad-value', () => host.loopStalled(-1, 0), /0 or more/);
  });
});
