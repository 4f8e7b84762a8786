import assert from 'node:assert/strict';
import { MAINTENANCE_DEMOTION } from '../../src/carp/demotion';
import { adverts, becomeMaster, decoded, nodeState, peerAd, runningHost, states, summary } from './helpers';

describe('carp/maintenance mode', () => {
  it('demotes by 240 in both styles and a MASTER advertises it at once', () => {
    const host = runningHost({ advskew: 10 });
    becomeMaster(host);
    const actions = host.setMaintenance(true, 5000);
    assert.deepEqual(summary(actions), ['demotion carp 0->240 maintenance', 'demotion sysctl 0->240 maintenance', 'advertise 1 v4']);
    const ad = decoded(adverts(actions)[0] as never);
    assert.equal(ad.demote, MAINTENANCE_DEMOTION);
    assert.equal(ad.advskew, 240);
    assert.equal(host.status().maintenance, true);
    assert.equal(host.status().interfaces[0]?.demote, 240);
    assert.equal(host.getSysctl('net.inet.carp.demotion'), '240');
  });

  it('is idempotent: switching it on twice adds 240 once', () => {
    const host = runningHost();
    host.setMaintenance(true, 0);
    assert.deepEqual(host.setMaintenance(true, 1), []);
    assert.equal(host.status().groups.find((g) => g.name === 'carp')?.demote, 240);
  });

  it('a demoted MASTER yields to a peer that is not demoted, which has taken over already', () => {
    const host = runningHost();
    becomeMaster(host);
    host.setMaintenance(true, 5000);
    // The peer took over from the demoted master (OpenBSD: "master is more demoted") and advertises.
    const actions = host.receive(peerAd({ advskew: 100 }), 5010);
    // Its advskew rose to 240 as well, so the peer's 100 is the better timing.
    assert.deepEqual(
      states(actions).map((s) => `${s.to} ${s.reason}`),
      ['BACKUP better-master'],
    );
    assert.equal(nodeState(host), 'BACKUP');
  });

  it('a BACKUP takes over a master demoted by maintenance mode, without waiting for master-down', () => {
    const host = runningHost({ advskew: 100 });
    const actions = host.receive(peerAd({ advskew: 0, demote: MAINTENANCE_DEMOTION }), 100);
    assert.deepEqual(
      states(actions).map((s) => `${s.to} ${s.reason}`),
      ['MASTER master-demoted'],
    );
  });

  it('off takes exactly the 240 out again; with preempt the host takes MASTER back from a slower peer', () => {
    const host = runningHost({ sysctls: [['net.inet.carp.preempt', '1']] });
    host.setMaintenance(true, 0);
    host.receive(peerAd({ advskew: 100 }), 10);
    assert.equal(nodeState(host), 'BACKUP');
    const off = host.setMaintenance(false, 20);
    assert.deepEqual(summary(off), ['demotion carp 240->0 maintenance', 'demotion sysctl 240->0 maintenance']);
    assert.equal(host.status().maintenance, false);
    const back = host.receive(peerAd({ advskew: 100 }), 1000);
    assert.deepEqual(
      states(back).map((s) => `${s.to} ${s.reason}`),
      ['MASTER preempt'],
    );
  });

  it('adds to what the administrator set with carpdemote, and takes out only its own share', () => {
    const host = runningHost();
    host.adjustGroupDemotion('carp', 3, 0);
    host.setMaintenance(true, 1);
    assert.equal(host.status().interfaces[0]?.demote, 243);
    host.setMaintenance(false, 2);
    assert.equal(host.status().interfaces[0]?.demote, 3);
  });
});
