import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import type { Action, AnnounceAction, Millis } from '../../src/carp/types';
import { bringUp } from '../sim/setup';
import { assertRefused, becomeMaster, countingRandom, nodeState, peerAd, runningHost } from './helpers';

interface Timed {
  readonly at: Millis;
  readonly action: Action;
}

/**
 * Runs the host's timers up to `until`, feeding it advertisements of a MASTER peer every second
 * from `peer.from` on; returns every action with the time it came at.
 */
function run(host: CarpHost, until: Millis, peer?: { readonly from: Millis; readonly advskew: number }): Timed[] {
  const out: Timed[] = [];
  let nextAd = peer?.from ?? Number.POSITIVE_INFINITY;
  for (;;) {
    const timer = host.nextDeadline() ?? Number.POSITIVE_INFINITY;
    const at = Math.min(timer, nextAd);
    if (at > until) break;
    if (at === nextAd) {
      out.push(...host.receive(peerAd({ advskew: peer?.advskew ?? 0 }), at).map((action) => ({ at, action })));
      nextAd += 1000;
    } else {
      out.push(...host.tick(at).map((action) => ({ at, action })));
    }
  }
  return out;
}

/** The times of the garp-refresh rounds among `timed`. */
function refreshes(timed: readonly Timed[]): Millis[] {
  return timed.filter((t) => t.action.kind === 'announce' && t.action.occasion === 'refresh').map((t) => t.at);
}

describe('carp/garp-refresh', () => {
  it('a MASTER announces every SECONDS after taking over, with the takeover`s addresses and MAC', () => {
    const host = runningHost();
    host.configure('carp0', { garpRefresh: 10 }, 0);
    const master = becomeMaster(host);
    const timed = run(host, master + 35_000);
    assert.deepEqual(refreshes(timed), [master + 10_000, master + 20_000, master + 30_000]);
    const round = timed.find((t) => t.at === master + 10_000 && t.action.kind === 'announce')?.action as AnnounceAction;
    assert.equal(round.addresses.length, 1);
    assert.equal(round.mac.toString('hex'), '00005e000101');
  });

  it('is off by default: only the takeover and delayed rounds', () => {
    const host = runningHost();
    const master = becomeMaster(host);
    const timed = run(host, master + 60_000);
    assert.deepEqual(refreshes(timed), []);
  });

  it('a BACKUP sends none', () => {
    const host = runningHost({ advskew: 100 });
    host.configure('carp0', { garpRefresh: 5 }, 0);
    const timed = run(host, 30_000, { from: 500, advskew: 0 });
    assert.equal(nodeState(host), 'BACKUP');
    assert.deepEqual(
      timed.filter((t) => t.action.kind === 'announce'),
      [],
    );
  });

  it('stops when the MASTER becomes BACKUP, and starts again on the next takeover', () => {
    const host = runningHost({ advskew: 100 });
    host.configure('carp0', { garpRefresh: 5 }, 0);
    const master = becomeMaster(host);
    // A better master appears 12 s later and advertises for 20 s, then goes silent.
    const demoted = master + 12_000;
    const timed = run(host, demoted + 20_000, { from: demoted, advskew: 0 });
    assert.deepEqual(refreshes(timed), [master + 5_000, master + 10_000]);
    assert.equal(nodeState(host), 'BACKUP');
    const again = run(host, demoted + 40_000);
    const takeover = again.find((t) => t.action.kind === 'state' && t.action.to === 'MASTER')?.at as Millis;
    assert.deepEqual(
      refreshes(again).map((at) => at - takeover),
      [5_000, 10_000, 15_000].filter((d) => takeover + d <= demoted + 40_000),
    );
  });

  it('follows the setting while MASTER: a new interval counts from now, 0 stops it', () => {
    const host = runningHost();
    host.configure('carp0', { garpRefresh: 10 }, 0);
    const master = becomeMaster(host);
    run(host, master + 4_000);
    host.configure('carp0', { garpRefresh: 3 }, master + 4_000);
    const faster = run(host, master + 11_000);
    assert.deepEqual(refreshes(faster), [master + 7_000, master + 10_000]);
    host.configure('carp0', { garpRefresh: 0 }, master + 11_000);
    assert.deepEqual(refreshes(run(host, master + 60_000)), []);
  });

  it('is not sent in a balancing mode, which sends no announcements', () => {
    const host = new CarpHost({ random: countingRandom() });
    host.setCarpdevRunning('eth0', true, 0);
    bringUp(host, { carpnodes: '1:0,2:0', balancing: 'ip' }, 0);
    host.configure('carp0', { garpRefresh: 2 }, 0);
    const timed = run(host, 30_000);
    assert.ok(host.status().interfaces[0]?.nodes.every((n) => n.state === 'MASTER'));
    assert.deepEqual(
      timed.filter((t) => t.action.kind === 'announce'),
      [],
    );
  });

  it('refuses a value outside 0-3600 and changes nothing', () => {
    const host = runningHost();
    assertRefused(host, 'out-of-range', () => host.configure('carp0', { garpRefresh: 3601 }, 1), /garp-refresh 3601 is out of range: valid values are 0-3600/);
  });
});
