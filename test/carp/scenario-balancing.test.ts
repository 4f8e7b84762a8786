/**
 * Load-balanced clusters on the simulated LAN, configured as on OpenBSD (docs/protocol.md §4.2):
 * every host has the same carpnodes with the lowest advskew on a different node, so that each
 * host is MASTER of one node. Timings are computed from the formulas of scenario-election; every
 * packet takes DELAY ms.
 */
import assert from 'node:assert/strict';
import type { LinkStateAction } from '../../src/carp/types';
import type { SimLan } from '../sim/lan';
import { DELAY, lastAdvertisement, newLan, transitions } from '../sim/scenario';
import { boot } from '../sim/setup';
import { SKEW } from './helpers';

const PREEMPT = [['net.inet.carp.preempt', '1']] as const;

/** advbase 1 throughout. */
function masterDown(advskew: number): number {
  return 3000 + advskew * SKEW;
}

function interval(advskew: number): number {
  return 1000 + advskew * SKEW;
}

/** vhid -> the live hosts that are MASTER of it. */
function mastersOf(lan: SimLan, vhids: readonly number[]): Record<number, string[]> {
  return Object.fromEntries(vhids.map((vhid) => [vhid, lan.masters(vhid)]));
}

/** The accept set a host's relay was last given (the `masters` of its last link action). */
function acceptSet(lan: SimLan, host: string): readonly number[] | undefined {
  return lan.trace
    .filter((e) => e.host === host && e.action.kind === 'link')
    .map((e) => (e.action as LinkStateAction).masters)
    .at(-1);
}

/** When a node that took over at `takeover` with this advskew is first heard after `since`. */
function firstHeardAfter(takeover: number, advskew: number, since: number): number {
  return takeover + Math.ceil((since - takeover) / interval(advskew)) * interval(advskew) + DELAY;
}

function twoHosts(sysctls: readonly (readonly [string, string])[] = []): SimLan {
  const lan = newLan();
  lan.addHost('a', boot([{ carpnodes: '1:0,2:100' }], sysctls));
  lan.addHost('b', boot([{ carpnodes: '1:100,2:0' }], sysctls));
  return lan;
}

/**
 * Three hosts, each preferred for one node. The other two advskews of a node differ: with equal
 * ones, two survivors would take over at the same instant on this jitter-free LAN and then both
 * yield to the other's equal advertisement, again and again (no tie-break, docs/protocol.md §3.4).
 */
function threeHosts(sysctls: readonly (readonly [string, string])[] = []): SimLan {
  const lan = newLan();
  lan.addHost('a', boot([{ carpnodes: '1:0,2:100,3:200' }], sysctls));
  lan.addHost('b', boot([{ carpnodes: '1:200,2:0,3:100' }], sysctls));
  lan.addHost('c', boot([{ carpnodes: '1:100,2:200,3:0' }], sysctls));
  return lan;
}

describe('scenario: load balancing (carpnodes)', () => {
  describe('two hosts, carpnodes 1:0,2:100 and 1:100,2:0', () => {
    it('each host becomes MASTER of its preferred node, and only of it', () => {
      const lan = twoHosts();
      lan.runUntil(30_000);
      assert.deepEqual(transitions(lan, 0), [
        `${masterDown(0)} a carp0/1 BACKUP->MASTER master-down`,
        `${masterDown(0)} b carp0/2 BACKUP->MASTER master-down`,
      ]);
      assert.deepEqual(mastersOf(lan, [1, 2]), { 1: ['a'], 2: ['b'] });
      assert.deepEqual([acceptSet(lan, 'a'), acceptSet(lan, 'b')], [[1], [2]]);
      assert.ok(lan.advertisements('a').every((e) => e.action.kind === 'advertise' && e.action.vhid === 1));
      assert.deepEqual(lan.violations, []);
    });

    it('a host crashes: its node moves to the survivor one master-down interval after its last advertisement', () => {
      const lan = twoHosts();
      lan.runUntil(10_500);
      lan.crash('a');
      lan.runUntil(30_000);
      const takeover = lastAdvertisement(lan, 'a', 10_500) + DELAY + masterDown(100);
      assert.equal(takeover, 13_391.625);
      assert.deepEqual(transitions(lan, 10_500), [`${takeover} b carp0/1 BACKUP->MASTER master-down`]);
      assert.deepEqual(mastersOf(lan, [1, 2]), { 1: ['b'], 2: ['b'] });
      assert.deepEqual(acceptSet(lan, 'b'), [1, 2]);
    });

    it('the host returns with preempt on: its node returns to it on the first advertisement it hears', () => {
      const lan = twoHosts(PREEMPT);
      lan.runUntil(10_500);
      lan.crash('a');
      lan.runUntil(20_000);
      lan.restart('a');
      lan.runUntil(40_000);
      const takeover = 13_391.625;
      const heard = firstHeardAfter(takeover, 100, 20_000);
      assert.equal(heard, 20_345.75);
      assert.deepEqual(transitions(lan, 10_500), [
        `${takeover} b carp0/1 BACKUP->MASTER master-down`,
        '20000 a carp0/1 INIT->BACKUP ready',
        '20000 a carp0/2 INIT->BACKUP ready',
        `${heard} a carp0/1 BACKUP->MASTER preempt`,
        `${heard + DELAY} b carp0/1 MASTER->BACKUP better-master`,
      ]);
      assert.deepEqual(mastersOf(lan, [1, 2]), { 1: ['a'], 2: ['b'] });
      assert.deepEqual([acceptSet(lan, 'a'), acceptSet(lan, 'b')], [[1], [2]]);
    });

    it('the host returns with preempt off: the survivor keeps both nodes', () => {
      const lan = twoHosts();
      lan.runUntil(10_500);
      lan.crash('a');
      lan.runUntil(20_000);
      lan.restart('a');
      lan.runUntil(60_000);
      assert.deepEqual(mastersOf(lan, [1, 2]), { 1: ['b'], 2: ['b'] });
    });
  });

  describe('three hosts, carpnodes 1:0,2:100,3:200 / 1:200,2:0,3:100 / 1:100,2:200,3:0', () => {
    it('each host becomes MASTER of its preferred node', () => {
      const lan = threeHosts();
      lan.runUntil(30_000);
      assert.deepEqual(transitions(lan, 0), [
        `${masterDown(0)} a carp0/1 BACKUP->MASTER master-down`,
        `${masterDown(0)} b carp0/2 BACKUP->MASTER master-down`,
        `${masterDown(0)} c carp0/3 BACKUP->MASTER master-down`,
      ]);
      assert.deepEqual(mastersOf(lan, [1, 2, 3]), { 1: ['a'], 2: ['b'], 3: ['c'] });
      assert.deepEqual(lan.violations, []);
    });

    it('a host crashes and returns with preempt on: its node goes to the better survivor and comes back', () => {
      const lan = threeHosts(PREEMPT);
      lan.runUntil(10_500);
      lan.crash('b');
      lan.runUntil(20_000);
      // Node 2: a has advskew 100, c 200; a's master-down interval is the shorter.
      const takeover = lastAdvertisement(lan, 'b', 10_500) + DELAY + masterDown(100);
      assert.deepEqual(mastersOf(lan, [1, 2, 3]), { 1: ['a'], 2: ['a'], 3: ['c'] });
      lan.restart('b');
      lan.runUntil(40_000);
      const heard = firstHeardAfter(takeover, 100, 20_000);
      assert.deepEqual(transitions(lan, 10_500), [
        `${takeover} a carp0/2 BACKUP->MASTER master-down`,
        '20000 b carp0/1 INIT->BACKUP ready',
        '20000 b carp0/2 INIT->BACKUP ready',
        '20000 b carp0/3 INIT->BACKUP ready',
        `${heard} b carp0/2 BACKUP->MASTER preempt`,
        `${heard + DELAY} a carp0/2 MASTER->BACKUP better-master`,
      ]);
      assert.deepEqual(mastersOf(lan, [1, 2, 3]), { 1: ['a'], 2: ['b'], 3: ['c'] });
      assert.deepEqual(lan.violations, []);
    });
  });
});
