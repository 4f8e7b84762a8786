/** The simulator has to be right for the scenario and randomized tests to mean anything. */
import assert from 'node:assert/strict';
import { decodeCarp } from '../../src/wire/carp';
import { FakeClock } from './clock';
import { SimLan } from './lan';
import { Prng } from './prng';
import { boot } from './setup';

function pair(seed: number): SimLan {
  const lan = new SimLan({ seed });
  lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
  lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
  return lan;
}

function counters(lan: SimLan, host: string): string[] {
  return lan.advertisements(host).map((e) => (e.action.kind === 'advertise' ? decodeCarp(e.action.payload).counter.toString('hex') : ''));
}

describe('sim: the simulated LAN', () => {
  it('replays exactly from its seed; another seed gives other delays', () => {
    const run = (seed: number): string => {
      const lan = pair(seed);
      lan.conditions.delay = { min: 0, max: 50 };
      lan.conditions.loss = 0.3;
      lan.runUntil(30_000);
      return JSON.stringify(lan.trace.map((e) => [e.at, e.host, e.action.kind]));
    };
    assert.equal(run(5), run(5));
    assert.notEqual(run(5), run(6));
  });

  it('jumps the clock from event to event and ends at the requested time', () => {
    const lan = pair(1);
    lan.runUntil(3000);
    assert.equal(lan.now, 3000);
    assert.deepEqual(lan.masters(1), ['a']);
    lan.runFor(500);
    assert.equal(lan.now, 3500);
    assert.throws(() => new FakeClock().advanceTo(-1), /cannot go back/);
  });

  it('delivers each packet after the configured delay', () => {
    const lan = pair(1);
    lan.conditions.delay = { min: 7, max: 7 };
    lan.runUntil(5000);
    const received = lan.host('b').carp.status().interfaces[0]?.nodes[0]?.peers[0]?.lastSeen;
    assert.equal(received, 5000 - 1000 + 7, 'the ad sent at 4000 arrived at 4007; the one at 5000 is still on its way');
  });

  it('loses every packet with loss 1, and none between separated hosts of a partition', () => {
    const lossy = pair(1);
    lossy.conditions.loss = 1;
    lossy.runUntil(10_000);
    assert.deepEqual(lossy.masters(1), ['a', 'b']);
    const split = pair(1);
    split.conditions.partition = [['a'], ['b']];
    split.runUntil(10_000);
    assert.deepEqual(split.masters(1), ['a', 'b']);
  });

  it('a crashed host runs no timers and hears nothing; a restarted one has new state and cookies', () => {
    const lan = pair(1);
    lan.runUntil(5500);
    lan.crash('a');
    const before = lan.trace.filter((e) => e.host === 'a').length;
    lan.runUntil(8000);
    assert.equal(lan.trace.filter((e) => e.host === 'a').length, before);
    assert.equal(lan.state('a', 1), null);
    lan.restart('a');
    assert.equal(lan.state('a', 1), 'BACKUP');
    lan.crash('b');
    lan.runUntil(20_000);
    const [first] = counters(lan, 'a');
    const last = counters(lan, 'a').at(-1);
    assert.notEqual(first, last, 'the reboot drew a new cookie');
    assert.deepEqual(lan.lifecycle.map((e) => `${e.at} ${e.host} ${e.kind}`), ['5500 a crash', '8000 a restart', '8000 b crash']);
  });

  it('flags an advertisement from a node that is not MASTER', () => {
    const lan = pair(1);
    lan.runUntil(4000);
    const packet = lan.advertisements('a')[0]?.action;
    assert.ok(packet?.kind === 'advertise');
    // An operation that returns an advertisement while b's node is BACKUP.
    lan.call('b', () => [packet]);
    assert.deepEqual(lan.violations, ['4000 b carp0/1: advertisement sent in state BACKUP']);
  });

  describe('Prng (mulberry32)', () => {
    it('is deterministic and stays in range', () => {
      const a = new Prng(99);
      const b = new Prng(99);
      const values = Array.from({ length: 1000 }, () => a.int(3, 7));
      assert.deepEqual(values, Array.from({ length: 1000 }, () => b.int(3, 7)));
      assert.deepEqual(new Set(values), new Set([3, 4, 5, 6, 7]));
      const reals = Array.from({ length: 1000 }, () => a.next());
      assert.ok(reals.every((r) => r >= 0 && r < 1));
    });

    it('gives distinct values when asked for them', () => {
      assert.deepEqual(new Set(new Prng(1).distinct(5, 0, 6)).size, 5);
    });
  });
});
