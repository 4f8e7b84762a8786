/**
 * Elections on the simulated LAN with exact timings, computed from the formulas:
 * advertisement interval = advbase + advskew/256 s, classic master-down = 3 * advbase + advskew/256 s.
 * Every packet takes DELAY ms.
 */
import assert from 'node:assert/strict';
import { SimLan } from '../sim/lan';
import { DELAY, lastAdvertisement, newLan, transitions } from '../sim/scenario';
import { boot } from '../sim/setup';
import { SKEW } from './helpers';

const PREEMPT = [['net.inet.carp.preempt', '1']] as const;

function masterDown(advbase: number, advskew: number): number {
  return advbase === 0 ? 3 * advskew * SKEW : 3 * advbase * 1000 + advskew * SKEW;
}

/**
 * The preferred host a (advskew 0) and b (advskew 100): a crashes at 10.5 s and comes back at
 * 20 s. The LAN is returned with the clock at 20 s, for the test to run on and look.
 */
function preferredHostCrashesAndReturns(sysctls: readonly (readonly [string, string])[] = []): SimLan {
  const lan = newLan();
  lan.addHost('a', boot([{ vhid: 1, advskew: 0 }], sysctls));
  lan.addHost('b', boot([{ vhid: 1, advskew: 100 }], sysctls));
  lan.runUntil(10_500);
  lan.crash('a');
  lan.runUntil(20_000);
  lan.restart('a');
  return lan;
}

function interval(advbase: number, advskew: number): number {
  return advbase * 1000 + advskew * SKEW;
}

describe('scenario: election', () => {
  it('two hosts: the lower advskew wins when its master-down timer expires; the other stays BACKUP', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(60_000);
    assert.deepEqual(transitions(lan), [
      '0 a carp0/1 INIT->BACKUP ready',
      '0 b carp0/1 INIT->BACKUP ready',
      `${masterDown(1, 0)} a carp0/1 BACKUP->MASTER master-down`,
    ]);
    const ads = lan.advertisements('a').map((e) => e.at);
    assert.deepEqual(ads.slice(0, 4), [3000, 4000, 5000, 6000]);
    assert.equal(lan.advertisements('b').length, 0);
  });

  it('five hosts: the best one wins, nobody else ever becomes MASTER', () => {
    const lan = newLan();
    const skews = { h1: 40, h2: 0, h3: 200, h4: 100, h5: 150 };
    for (const [name, advskew] of Object.entries(skews)) lan.addHost(name, boot([{ vhid: 1, advskew }]));
    lan.runUntil(120_000);
    assert.deepEqual(transitions(lan, 0), ['3000 h2 carp0/1 BACKUP->MASTER master-down']);
    assert.deepEqual(lan.masters(1), ['h2']);
  });

  it('the master fails: the backup takes over one master-down interval after the last advertisement arrived', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(10_500);
    lan.crash('a');
    lan.runUntil(60_000);
    const takeover = lastAdvertisement(lan, 'a', 10_500) + DELAY + masterDown(1, 100);
    assert.equal(takeover, 13_391.625);
    assert.deepEqual(transitions(lan, 10_500), [`${takeover} b carp0/1 BACKUP->MASTER master-down`]);
  });

  it('the master bows out (interface down): the backup takes over one delivery delay later', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(10_500);
    lan.call('a', (carp, now) => carp.setAdminUp('carp0', false, now));
    lan.runUntil(60_000);
    assert.deepEqual(transitions(lan, 10_000), [
      '10500 a carp0/1 MASTER->INIT admin-down',
      `${10_500 + DELAY} b carp0/1 BACKUP->MASTER bow-out`,
    ]);
  });

  it('the master shuts down: bow-out and takeover at once', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(10_500);
    lan.call('a', (carp, now) => carp.shutdown(now));
    lan.runUntil(20_000);
    assert.deepEqual(transitions(lan, 10_000), ['10500 a carp0/1 MASTER->INIT shutdown', '10501 b carp0/1 BACKUP->MASTER bow-out']);
  });

  it('preemption off: the recovered preferred host stays BACKUP', () => {
    const lan = preferredHostCrashesAndReturns();
    lan.runUntil(120_000);
    assert.deepEqual(transitions(lan, 10_500), ['13391.625 b carp0/1 BACKUP->MASTER master-down', '20000 a carp0/1 INIT->BACKUP ready']);
    assert.deepEqual(lan.masters(1), ['b']);
  });

  it('preemption on: the recovered preferred host takes over on the first advertisement it hears', () => {
    const lan = preferredHostCrashesAndReturns(PREEMPT);
    lan.runUntil(60_000);
    const takeover = 13_391.625;
    const heard = takeover + Math.ceil((20_000 - takeover) / interval(1, 100)) * interval(1, 100) + DELAY;
    assert.equal(heard, 20_345.75);
    assert.deepEqual(transitions(lan, 10_500), [
      `${takeover} b carp0/1 BACKUP->MASTER master-down`,
      '20000 a carp0/1 INIT->BACKUP ready',
      `${heard} a carp0/1 BACKUP->MASTER preempt`,
      `${heard + DELAY} b carp0/1 MASTER->BACKUP better-master`,
    ]);
  });

  it('preemption on: among hosts that boot at different times the best one ends up MASTER', () => {
    const lan = newLan();
    lan.addHost('h1', boot([{ vhid: 1, advskew: 40 }], PREEMPT));
    lan.runUntil(500);
    lan.addHost('h2', boot([{ vhid: 1, advskew: 0 }], PREEMPT));
    lan.runUntil(60_000);
    const h1Master = masterDown(1, 40);
    assert.deepEqual(transitions(lan, 0), [
      '500 h2 carp0/1 INIT->BACKUP ready',
      `${h1Master} h1 carp0/1 BACKUP->MASTER master-down`,
      `${h1Master + DELAY} h2 carp0/1 BACKUP->MASTER preempt`,
      `${h1Master + 2 * DELAY} h1 carp0/1 MASTER->BACKUP better-master`,
    ]);
  });

  it('advbase 0: sub-second intervals, takeover within a second', () => {
    const lan = new SimLan({ seed: 1 });
    lan.conditions.delay = { min: 0.5, max: 0.5 };
    lan.addHost('a', boot([{ vhid: 1, advbase: 0, advskew: 10 }]));
    lan.addHost('b', boot([{ vhid: 1, advbase: 0, advskew: 60 }]));
    lan.runUntil(1000);
    lan.crash('a');
    lan.runUntil(5000);
    const aMaster = masterDown(0, 10);
    assert.equal(aMaster, 117.1875);
    const ads = lan.advertisements('a').map((e) => e.at);
    assert.deepEqual(ads.slice(0, 3), [aMaster, aMaster + interval(0, 10), aMaster + 2 * interval(0, 10)]);
    const takeover = lastAdvertisement(lan, 'a', 1000) + 0.5 + masterDown(0, 60);
    assert.equal(takeover, 976.5625 + 0.5 + 703.125);
    assert.deepEqual(transitions(lan, 0), [`${aMaster} a carp0/1 BACKUP->MASTER master-down`, `${takeover} b carp0/1 BACKUP->MASTER master-down`]);
  });

  it('advbase 0: a bow-out is acted upon at once (our extension of the will-time-out rule)', () => {
    const lan = new SimLan({ seed: 1 });
    lan.conditions.delay = { min: 0.5, max: 0.5 };
    lan.addHost('a', boot([{ vhid: 1, advbase: 0, advskew: 10 }]));
    lan.addHost('b', boot([{ vhid: 1, advbase: 0, advskew: 60 }]));
    lan.runUntil(1000);
    lan.call('a', (carp, now) => carp.setAdminUp('carp0', false, now));
    lan.runUntil(2000);
    assert.deepEqual(transitions(lan, 900), ['1000 a carp0/1 MASTER->INIT admin-down', '1000.5 b carp0/1 BACKUP->MASTER bow-out']);
  });

  it('the openbsd master-down style waits 3 * (advbase + advskew/256)', () => {
    const lan = newLan();
    const style = [['net.inet.carp.masterdown', 'openbsd']] as const;
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }], style));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }], style));
    lan.runUntil(10_500);
    lan.crash('a');
    lan.runUntil(30_000);
    assert.deepEqual(transitions(lan, 10_500), [`${10_000 + DELAY + 3 * interval(1, 100)} b carp0/1 BACKUP->MASTER master-down`]);
  });

  it('no advertisement ever comes from a BACKUP or INIT node', () => {
    const lan = preferredHostCrashesAndReturns(PREEMPT);
    lan.runUntil(30_000);
    assert.deepEqual(lan.violations, []);
    assert.ok(lan.advertisements().every((e) => e.senderState === 'MASTER'));
  });
});
