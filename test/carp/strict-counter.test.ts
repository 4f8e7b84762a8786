import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import { REPLAY_WINDOW_MS, ReplayWindow, counterBytes, nextStrictCounter } from '../../src/carp/replay-window';
import type { Millis } from '../../src/carp/types';
import { bringUp } from '../sim/setup';
import { adverts, becomeMaster, countingRandom, decoded, drops, nodeState, peerAd, runTimers, runningHost, summary } from './helpers';

/** 2026-12-06T00:00:00Z: a plausible wall clock at monotonic 0. */
const EPOCH_MS = 1_796_515_200_000;

function strictHost(offset = EPOCH_MS, advskew = 0): CarpHost {
  const host = new CarpHost({ random: countingRandom(), wallClockOffset: offset });
  host.setCarpdevRunning('eth0', true, 0);
  host.setSysctl('net.inet.carp.strict_counter', '1', 0);
  bringUp(host, { vhid: 1, advbase: 1, advskew, addresses: ['192.0.2.100'] }, 0);
  return host;
}

/** A strict peer's counter sent at monotonic `now` (the same wall clock as ours), salt 0x7777. */
function at(now: Millis, offset = EPOCH_MS): Buffer {
  return counterBytes((BigInt(now + offset) << 16n) | 0x7777n);
}

function nodeStats(host: CarpHost): { replay: number; accepted: number; loop: number } {
  const stats = host.status().interfaces[0]?.nodes[0]?.stats;
  assert.ok(stats);
  return stats;
}

describe('carp/strict-counter: net.inet.carp.strict_counter', () => {
  describe('the knob', () => {
    it('is 0 by default, listed, and takes 0 or 1 only', () => {
      const host = runningHost();
      assert.equal(host.getSysctl('net.inet.carp.strict_counter'), '0');
      assert.ok(host.listSysctls().some(([name]) => name === 'net.inet.carp.strict_counter'));
      assert.throws(() => host.setSysctl('net.inet.carp.strict_counter', '2', 0), /net\.inet\.carp\.strict_counter: "2" is not valid: valid values are 0\|1/);
      assert.equal(host.getSysctl('net.inet.carp.strict_counter'), '0');
    });
  });

  describe('sender', () => {
    it('without it, every advertisement carries the same cookie (OpenBSD-current)', () => {
      const host = runningHost();
      const first = becomeMaster(host);
      const counters = adverts(runTimers(host, first + 5000)).map((a) => decoded(a).counter.toString('hex'));
      assert.equal(new Set(counters).size, 1);
    });

    it('with it, the counter is the wall clock in ms over 16 bits of the cookie, and grows with every advertisement', () => {
      const host = strictHost();
      const first = becomeMaster(host);
      const counters = adverts(runTimers(host, first + 5000)).map((a) => decoded(a).counter.readBigUInt64BE());
      assert.equal(counters.length, 5);
      // countingRandom: the first cookie is all 0x01 bytes.
      assert.deepEqual(counters, [1, 2, 3, 4, 5].map((k) => (BigInt(EPOCH_MS + first + k * 1000) << 16n) | 0x0101n));
    });

    it('moves on by one when the clock has not (or went back)', () => {
      const ms = (t: number): bigint => (BigInt(t) << 16n) | 5n;
      assert.equal(nextStrictCounter(null, 1000, 5), ms(1000));
      assert.equal(nextStrictCounter(ms(1000), 1000, 5), ms(1000) + 1n);
      assert.equal(nextStrictCounter(ms(5000), 1000, 5), ms(5000) + 1n);
      assert.equal(nextStrictCounter(ms(5000), 6000.7, 5), ms(6000));
    });

    it('two hosts sending in the same millisecond send different counters', () => {
      assert.notEqual(nextStrictCounter(null, 1000, 0x0101), nextStrictCounter(null, 1000, 0x0202));
    });
  });

  describe('receiver', () => {
    it('accepts fresh counters, each once: a replay is dropped, counted, and changes nothing', () => {
      const host = strictHost(EPOCH_MS, 100);
      const ad = peerAd({ counter: at(1000), advskew: 0 });
      assert.deepEqual(summary(host.receive(ad, 1000)), []);
      assert.equal(nodeState(host), 'BACKUP');
      const deadline = host.nextDeadline();
      const replayed = host.receive(ad, 3000);
      assert.deepEqual(
        drops(replayed).map((d) => d.detail),
        [`strict counter ${(BigInt(EPOCH_MS + 1000) << 16n) | 0x7777n} seen before: a replay from 192.0.2.2`],
      );
      assert.equal(host.nextDeadline(), deadline, 'the replay did not restart the master-down timer');
      assert.deepEqual(nodeStats(host), { ...nodeStats(host), replay: 1, accepted: 1 });
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(2000) }), 3000)), [], 'the next counter is fine');
    });

    it('a replay from another source address is the same counter: still refused', () => {
      const host = strictHost();
      host.receive(peerAd({ counter: at(1000) }), 1000);
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(1000), source: '192.0.2.99' }), 1500)), ['drop replay']);
    });

    it('a counter more than the window away from our clock is refused, either way', () => {
      const host = strictHost();
      const now = 100_000;
      const old = host.receive(peerAd({ counter: at(now - REPLAY_WINDOW_MS - 1) }), now);
      assert.match(drops(old)[0]?.detail ?? '', /is 30\.0 s behind our clock \(at most 30 s\)/);
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(now + REPLAY_WINDOW_MS + 1) }), now)), ['drop replay']);
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(now - REPLAY_WINDOW_MS + 500) }), now)), [], 'within the window: accepted');
    });

    it('a replayed MASTER advertisement cannot hold the BACKUP once the MASTER is gone', () => {
      const host = strictHost(EPOCH_MS, 100);
      const captured = peerAd({ counter: at(1000) });
      host.receive(captured, 1000);
      for (let t = 2000; t <= 10_000; t += 1000) {
        runTimers(host, t);
        host.receive(captured, t);
      }
      assert.equal(nodeState(host), 'MASTER', 'the master-down timer ran out in spite of the replays');
      assert.equal(nodeStats(host).replay, 9);
    });

    it('a forged better advskew on a replayed advertisement does not push the MASTER to BACKUP', () => {
      const host = strictHost();
      const t = becomeMaster(host);
      const peer = peerAd({ counter: at(t + 100), advskew: 200 });
      host.receive(peer, t + 100);
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(t + 100), advskew: 0 }), t + 200)), ['drop replay']);
      assert.equal(nodeState(host), 'MASTER');
    });

    it('IPv4 and IPv6 copies of one round carry one counter: each family accepts it once', () => {
      const host = strictHost();
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(1000) }), 1000)), []);
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(1000), family: 6 }), 1000)), []);
      assert.deepEqual(summary(host.receive(peerAd({ counter: at(1000), family: 6 }), 1001)), ['drop replay']);
    });

    it('a restarted strict sender goes on forward: nothing to remember', () => {
      const host = strictHost(EPOCH_MS, 100);
      host.receive(peerAd({ counter: at(5000) }), 5000);
      const restarted = strictHost(EPOCH_MS + 7000, 0);
      const ad = adverts(restarted.forceState('carp0', 'MASTER', 1000))[0];
      assert.ok(ad);
      assert.deepEqual(summary(host.receive(peerAd({ counter: decoded(ad).counter }), 8000)), []);
    });

    it('an OpenBSD or ucarp peer (constant or random counter) is dropped from its first advertisement', () => {
      const host = strictHost(EPOCH_MS, 100);
      const openbsd = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');
      const first = host.receive(peerAd({ counter: openbsd }), 1000);
      assert.match(drops(first)[0]?.detail ?? '', /is not a timestamp/);
      for (let t = 2000; t <= 5000; t += 1000) {
        runTimers(host, t);
        host.receive(peerAd({ counter: openbsd }), t);
      }
      assert.equal(nodeState(host), 'MASTER', 'the peer looks silent: this host takes over');
    });

    it('without the mode, the same replays are accepted as today', () => {
      const host = runningHost({ advskew: 100 });
      const captured = peerAd();
      for (let t = 1000; t <= 10_000; t += 1000) {
        runTimers(host, t);
        host.receive(captured, t);
      }
      assert.equal(nodeState(host), 'BACKUP');
      assert.equal(nodeStats(host).replay, 0);
    });

    it('our own strict advertisement coming back is a loop', () => {
      const host = strictHost();
      const t = becomeMaster(host);
      const ours = adverts(runTimers(host, t + 1000))[0];
      assert.ok(ours);
      assert.deepEqual(summary(host.receive(peerAd({ counter: decoded(ours).counter }), t + 1001)), ['drop loop']);
    });
  });

  it('a reflected copy of an earlier advertisement of ours, arriving late, is refused too', () => {
    const host = strictHost();
    const t = becomeMaster(host);
    const earlier = adverts(runTimers(host, t + 1000))[0];
    runTimers(host, t + 2000);
    assert.ok(earlier);
    assert.deepEqual(summary(host.receive(peerAd({ counter: decoded(earlier).counter }), t + 2001)), ['drop replay']);
    assert.equal(nodeState(host), 'MASTER');
  });

  describe('ReplayWindow', () => {
    it('forgets counters older than the window and stays bounded', () => {
      const window = new ReplayWindow();
      const base = 1000n << 16n;
      for (let i = 0n; i < 2000n; i++) assert.equal(window.admit(4, base + i, 1000).kind, 'accept');
      assert.equal(window.admit(4, base + 500n, 1000).kind, 'seen', 'below the forgotten floor');
      assert.equal(window.admit(4, base + 1999n, 1000).kind, 'seen');
      assert.equal(window.admit(4, base + 2000n, 1000).kind, 'accept');
      assert.equal(window.admit(4, (1000n + BigInt(REPLAY_WINDOW_MS) + 1n) << 16n, 1000).kind, 'outside-window');
    });
  });
});
