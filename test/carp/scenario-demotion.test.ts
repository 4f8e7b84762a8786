/**
 * Demotion moving the master on the simulated LAN, in both styles: OpenBSD's demote byte (group
 * counters) and FreeBSD's demotion added to advskew. Every packet takes DELAY ms.
 */
import assert from 'node:assert/strict';
import type { CarpSpec } from '../sim/setup';
import { boot } from '../sim/setup';
import { DELAY, newLan, transitions } from '../sim/scenario';
import type { SimLan } from '../sim/lan';
import { decodeCarp } from '../../src/wire/carp';

const PREEMPT = [['net.inet.carp.preempt', '1']] as const;

/** The man page's "fail over as a group": carp0 on eth0 (vhid 1), carp1 on eth1 (vhid 2). */
function twoSegments(advskew: number): CarpSpec[] {
  return [
    { ifname: 'carp0', carpdev: 'eth0', vhid: 1, advskew, addresses: ['192.0.2.100'] },
    { ifname: 'carp1', carpdev: 'eth1', vhid: 2, advskew, addresses: ['198.51.100.100'] },
  ];
}

/** advskew and demote of the advertisements a host sent after `since`. */
function advertised(lan: SimLan, host: string, since: number): string[] {
  return lan
    .advertisements(host)
    .filter((e) => e.at > since)
    .map((e) => {
      const header = e.action.kind === 'advertise' ? decodeCarp(e.action.payload) : null;
      return `${e.at} vhid ${header?.vhid} advskew ${header?.advskew} demote ${header?.demote}`;
    });
}

describe('scenario: demotion', () => {
  it('OpenBSD: demoting the master\'s group moves the master at once, whatever preempt says', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(10_500);
    lan.call('a', (carp, now) => carp.adjustGroupDemotion('carp', 1, now));
    lan.runUntil(20_000);
    assert.deepEqual(advertised(lan, 'a', 10_000), ['10500 vhid 1 advskew 0 demote 1']);
    assert.deepEqual(transitions(lan, 10_000), [
      `${10_500 + DELAY} b carp0/1 BACKUP->MASTER master-demoted`,
      `${10_500 + 2 * DELAY} a carp0/1 MASTER->BACKUP less-demoted-master`,
    ]);
    lan.call('a', (carp, now) => carp.adjustGroupDemotion('carp', -1, now));
    lan.runUntil(60_000);
    assert.deepEqual(lan.masters(1), ['b'], 'undemoted, a stays BACKUP without preempt');
  });

  it('FreeBSD: net.inet.carp.demotion shows as a higher advskew on the wire; a preempting backup takes over', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }], PREEMPT));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }], PREEMPT));
    lan.runUntil(10_500);
    lan.call('a', (carp, now) => carp.setSysctl('net.inet.carp.demotion', '240', now));
    lan.runUntil(20_000);
    assert.deepEqual(advertised(lan, 'a', 10_000), ['10500 vhid 1 advskew 240 demote 0']);
    assert.deepEqual(transitions(lan, 10_000), [
      `${10_500 + DELAY} b carp0/1 BACKUP->MASTER preempt`,
      `${10_500 + 2 * DELAY} a carp0/1 MASTER->BACKUP better-master`,
    ]);
  });

  it('FreeBSD: without preempt a slower master is left alone (as on FreeBSD)', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(10_500);
    lan.call('a', (carp, now) => carp.setSysctl('net.inet.carp.demotion', '240', now));
    lan.runUntil(30_000);
    assert.deepEqual(transitions(lan, 10_000), []);
    assert.equal(lan.advertisements('a').filter((e) => e.at > 10_500)[0]?.at, 10_500 + 1000 + 240 * (1000 / 256));
  });

  it('link down on one carpdev fails every carp interface over as a group (preempt on)', () => {
    const lan = newLan();
    lan.addHost('a', boot(twoSegments(0), PREEMPT));
    lan.addHost('b', boot(twoSegments(100), PREEMPT));
    lan.runUntil(10_500);
    assert.deepEqual(lan.masters(1, 'carp0'), ['a']);
    assert.deepEqual(lan.masters(2, 'carp1'), ['a']);
    lan.setLink('a', 'eth0', false);
    lan.runUntil(30_000);
    assert.deepEqual(advertised(lan, 'a', 10_000), ['10500 vhid 2 advskew 240 demote 1']);
    assert.deepEqual(transitions(lan, 10_000), [
      '10500 a carp0/1 MASTER->INIT carpdev-down',
      `${10_500 + DELAY} b carp1/2 BACKUP->MASTER preempt`,
      `${10_500 + 2 * DELAY} a carp1/2 MASTER->BACKUP better-master`,
      // carp0 of b heard a's last advertisement on eth0 at 10001 and times out.
      `${10_000 + DELAY + 3000 + 100 * (1000 / 256)} b carp0/1 BACKUP->MASTER master-down`,
    ]);
    lan.setLink('a', 'eth0', true);
    lan.runUntil(60_000);
    assert.deepEqual(lan.masters(1, 'carp0'), ['a'], 'with its link back and undemoted, a preempts again');
    assert.deepEqual(lan.masters(2, 'carp1'), ['a']);
  });

  it('send errors on one carpdev demote the group, so the other interface fails over too', () => {
    const lan = newLan();
    lan.addHost('a', boot(twoSegments(0)));
    lan.addHost('b', boot(twoSegments(100)));
    lan.runUntil(10_500);
    lan.host('a').failingCarpdevs.add('eth1');
    lan.runUntil(30_000);
    const demotionActions = lan.trace.filter((e) => e.host === 'a' && e.action.kind === 'demotion').map((e) => e.at);
    assert.deepEqual(demotionActions, [13_000, 13_000], 'third failed round: carp group +1 and sysctl +240');
    assert.deepEqual(transitions(lan, 10_000), [
      `${13_000 + DELAY} b carp0/1 BACKUP->MASTER master-demoted`,
      // Both styles at once: a's effective advskew is 240 now, so b is simply better.
      `${13_000 + 2 * DELAY} a carp0/1 MASTER->BACKUP better-master`,
      `${10_000 + DELAY + 3000 + 100 * (1000 / 256)} b carp1/2 BACKUP->MASTER master-down`,
      `${10_000 + DELAY + 3000 + 100 * (1000 / 256) + DELAY} a carp1/2 MASTER->BACKUP better-master`,
    ]);
    // A BACKUP sends nothing, so the demotion stays until a sends again (OpenBSD does the same).
    lan.host('a').failingCarpdevs.clear();
    lan.runUntil(60_000);
    assert.equal(lan.host('a').carp.status().interfaces[0]?.demote, 1);
  });
});
