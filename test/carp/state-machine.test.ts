import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import type { Action, AdvertiseAction, AnnounceAction } from '../../src/carp/types';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP } from '../../src/wire/carp';
import { computeHmac, deriveKey } from '../../src/wire/hmac';
import { VIP4, VIP6 } from '../sim/setup';
import {
  SKEW,
  adverts,
  becomeMaster,
  countingRandom,
  decoded,
  ip,
  nodeState,
  peerAd,
  runTimers,
  runningHost,
  summary,
} from './helpers';

function twoNodeHost(): CarpHost {
  const host = new CarpHost({ random: countingRandom() });
  host.setCarpdevRunning('eth0', true, 0);
  host.createInterface('carp0', 0);
  host.configure('carp0', { carpdev: 'eth0', key: deriveKey('secret'), nodes: [{ vhid: 7, advskew: 100 }, { vhid: 3, advskew: 0 }] }, 0);
  host.setAddresses('carp0', [ip(VIP4)], 0);
  host.setAdminUp('carp0', true, 0);
  return host;
}

describe('carp/state machine', () => {
  it('master-down routine: MASTER, carrier up, an ad per family (IPv4 first), then the takeover announcement', () => {
    const host = runningHost({ addresses: [VIP6, VIP4, 'fe80::1'] });
    const actions = host.tick(3000);
    assert.deepEqual(summary(actions), [
      'state 1 BACKUP->MASTER master-down',
      'link carp0 up',
      'advertise 1 v4',
      'advertise 1 v6',
      'announce 1 takeover',
    ]);
    const [v4, v6] = adverts(actions) as [AdvertiseAction, AdvertiseAction];
    assert.deepEqual([v4.destination, v6.destination], [CARP_IPV4_GROUP, CARP_IPV6_GROUP]);
    assert.deepEqual(v4.payload, v6.payload);
    assert.deepEqual([v4.ifname, v4.carpdev, v4.vhid, v4.bowOut], ['carp0', 'eth0', 1, false]);
    const announce = actions.find((a): a is AnnounceAction => a.kind === 'announce');
    assert.deepEqual(announce?.addresses, [ip(VIP6), ip(VIP4)], 'the link-local address is not announced');
  });

  it('advertises the header the peers verify: our values, our cookie as counter, the sorted HMAC', () => {
    const host = runningHost({ advskew: 100, addresses: [VIP4, VIP6] });
    const [ad] = adverts(host.tick(3390.625));
    assert.ok(ad);
    const header = decoded(ad);
    assert.deepEqual([header.vhid, header.advbase, header.advskew, header.demote], [1, 1, 100, 0]);
    assert.deepEqual(header.counter, Buffer.alloc(8, 1));
    const expected = computeHmac(deriveKey('secret'), { vhid: 1, addresses: [ip(VIP4), ip(VIP6)], counter: header.counter });
    assert.deepEqual(header.hmac, expected);
  });

  it('sends one round per interval with the same cookie, and the delayed announcement after the second round', () => {
    const host = runningHost({ advskew: 100 });
    const start = becomeMaster(host);
    assert.equal(host.nextDeadline(), start + 1390.625);
    const first = host.tick(start + 1390.625);
    const second = host.tick(start + 2 * 1390.625);
    const third = host.tick(start + 3 * 1390.625);
    assert.deepEqual(summary(first), ['advertise 1 v4']);
    assert.deepEqual(summary(second), ['advertise 1 v4', 'announce 1 delayed']);
    assert.deepEqual(summary(third), ['advertise 1 v4']);
    const counters = adverts([...first, ...second, ...third]).map((a) => decoded(a).counter.toString('hex'));
    assert.deepEqual(counters, Array(3).fill('0101010101010101'));
  });

  it('yields to a better master: BACKUP, carrier down, nothing sent, master-down timer from now', () => {
    const host = runningHost({ advskew: 100 });
    becomeMaster(host);
    assert.deepEqual(host.receive(peerAd({ advskew: 200 }), 4000), [], 'a slower master is ignored');
    const actions = host.receive(peerAd({ advskew: 50 }), 4100);
    assert.deepEqual(summary(actions), ['state 1 MASTER->BACKUP better-master', 'link carp0 down']);
    assert.equal(host.nextDeadline(), 4100 + 3000 + 100 * SKEW);
    assert.deepEqual(host.receive(peerAd({ advskew: 100 }), 4200), [], 'BACKUP restarts its timer');
    assert.equal(host.nextDeadline(), 4200 + 3390.625);
  });

  it('an equal advertisement also makes a MASTER yield (no tie-break in the BSDs)', () => {
    const host = runningHost({ advskew: 100 });
    becomeMaster(host);
    assert.deepEqual(summary(host.receive(peerAd({ advskew: 100 }), 4000)), ['state 1 MASTER->BACKUP better-master', 'link carp0 down']);
  });

  it('BACKUP preempts a slower master only with preempt on, at once, and counts it', () => {
    const off = runningHost({ advskew: 50 });
    assert.deepEqual(off.receive(peerAd({ advskew: 100 }), 1000), []);
    const on = runningHost({ advskew: 50, sysctls: [['net.inet.carp.preempt', '1']] });
    assert.deepEqual(summary(on.receive(peerAd({ advskew: 100 }), 1000)), [
      'state 1 BACKUP->MASTER preempt',
      'link carp0 up',
      'advertise 1 v4',
      'announce 1 takeover',
    ]);
    assert.equal(on.status().interfaces[0]?.nodes[0]?.stats.preempts, 1);
    assert.equal(on.status().interfaces[0]?.nodes[0]?.stats.toMaster, 1);
  });

  it('BACKUP takes over at once on a bow-out', () => {
    const host = runningHost({ advskew: 100 });
    const actions = host.receive(peerAd({ advbase: 255, advskew: 255 }), 1000);
    assert.deepEqual(summary(actions)[0], 'state 1 BACKUP->MASTER bow-out');
  });

  it('IPv4 and IPv6 have their own master-down timers: IPv4 ads alone let the IPv6 timer expire', () => {
    const host = runningHost({ advskew: 100, addresses: [VIP4, VIP6] });
    const addresses = [VIP4, VIP6];
    for (let t = 1000; t < 3390; t += 1000) host.receive(peerAd({ addresses, family: 4 }), t);
    assert.equal(host.nextDeadline(), 3390.625, 'the IPv6 timer still runs from the start');
    assert.deepEqual(summary(host.tick(3390.625))[0], 'state 1 BACKUP->MASTER master-down');
  });

  it('ads of both families keep a dual-stack backup quiet', () => {
    const host = runningHost({ advskew: 100, addresses: [VIP4, VIP6] });
    const addresses = [VIP4, VIP6];
    for (let t = 1000; t <= 10_000; t += 1000) {
      runTimers(host, t);
      host.receive(peerAd({ addresses, family: 4 }), t);
      host.receive(peerAd({ addresses, family: 6 }), t);
    }
    assert.equal(nodeState(host), 'BACKUP');
  });

  describe('forceState', () => {
    it('BACKUP: a MASTER steps down sending nothing, with fresh timers; a BACKUP only restarts them', () => {
      const host = runningHost();
      becomeMaster(host);
      assert.deepEqual(summary(host.forceState('carp0', 'BACKUP', 3500)), ['state 1 MASTER->BACKUP forced', 'link carp0 down']);
      assert.equal(host.nextDeadline(), 6500);
      assert.deepEqual(host.forceState('carp0', 'BACKUP', 4000), []);
      assert.equal(host.nextDeadline(), 7000);
    });

    it('MASTER: runs the master-down routine on every node that is not MASTER', () => {
      const host = runningHost();
      assert.deepEqual(summary(host.forceState('carp0', 'MASTER', 100)), [
        'state 1 BACKUP->MASTER forced',
        'link carp0 up',
        'advertise 1 v4',
        'announce 1 takeover',
      ]);
      assert.deepEqual(host.forceState('carp0', 'MASTER', 200), []);
    });

    it('INIT: every node to INIT and straight back to BACKUP, restarting the election', () => {
      const host = runningHost();
      becomeMaster(host);
      assert.deepEqual(summary(host.forceState('carp0', 'INIT', 3500)), [
        'state 1 MASTER->INIT forced',
        'link carp0 down',
        'state 1 INIT->BACKUP ready',
      ]);
      assert.equal(host.nextDeadline(), 6500);
    });
  });

  describe('several virtual hosts on one interface (carpnodes)', () => {
    it('keeps them in vhid order, each with its own cookie; balancing ip is in force, so nobody announces', () => {
      const host = twoNodeHost();
      assert.deepEqual(host.status().interfaces[0]?.config.nodes, [
        { vhid: 3, advskew: 0 },
        { vhid: 7, advskew: 100 },
      ]);
      const first = host.tick(3000);
      assert.equal(host.status().interfaces[0]?.balancing, 'ip');
      assert.deepEqual(summary(first), ['state 3 BACKUP->MASTER master-down', 'link carp0 up', 'advertise 3 v4']);
      const second = host.tick(3390.625);
      assert.deepEqual(summary(second), ['state 7 BACKUP->MASTER master-down', 'link carp0 up', 'advertise 7 v4']);
      const cookies = adverts([...first, ...second]).map((a) => decoded(a).counter.toString('hex'));
      assert.equal(new Set(cookies).size, 2);
    });

    it('the carrier is up while any node is MASTER; every change of the MASTER set is reported', () => {
      const host = twoNodeHost();
      const masters = (actions: readonly Action[]): unknown => actions.flatMap((a) => (a.kind === 'link' ? [[a.up, a.masters]] : []));
      assert.deepEqual(masters(runTimers(host, 3390.625)), [
        [true, [3]],
        [true, [3, 7]],
      ]);
      const first = host.receive(peerAd({ vhid: 3, advskew: 0, counter: Buffer.alloc(8, 9) }), 3500);
      assert.deepEqual(summary(first), ['state 3 MASTER->BACKUP better-master', 'link carp0 up']);
      assert.deepEqual(masters(first), [[true, [7]]]);
      assert.equal(host.status().interfaces[0]?.linkUp, true);
      const second = host.receive(peerAd({ vhid: 7, advskew: 0 }), 3600);
      assert.deepEqual(summary(second), ['state 7 MASTER->BACKUP better-master', 'link carp0 down']);
      assert.deepEqual(masters(second), [[false, []]]);
    });
  });

  describe('resumeMaster (the daemon restarted while MASTER)', () => {
    it('takes MASTER back at once for the nodes listed, with the master-down routine`s actions', () => {
      const host = twoNodeHost();
      assert.deepEqual(summary(host.resumeMaster('carp0', [7], 100)), [
        'state 7 BACKUP->MASTER resumed',
        'link carp0 up',
        'advertise 7 v4',
      ]);
      assert.equal(host.status().interfaces[0]?.nodes.find((n) => n.vhid === 3)?.state, 'BACKUP', 'a node not listed waits');
    });

    it('leaves nodes that are not BACKUP alone: INIT (not running) and MASTER already', () => {
      const stopped = twoNodeHost();
      stopped.setAdminUp('carp0', false, 50);
      assert.deepEqual(stopped.resumeMaster('carp0', [3, 7], 100), []);
      const host = twoNodeHost();
      host.resumeMaster('carp0', [3], 100);
      assert.deepEqual(host.resumeMaster('carp0', [3], 200), []);
    });
  });

    describe('sendResults', () => {
    it('counts failed sends on the node', () => {
      const host = runningHost();
      becomeMaster(host);
      host.sendResults([{ ifname: 'carp0', vhid: 1, ok: false }], 3000);
      host.sendResults([{ ifname: 'carp0', vhid: 1, ok: true }], 3000);
      assert.equal(host.status().interfaces[0]?.nodes[0]?.stats.oerrors, 1);
    });

    it('ignores results for an interface or vhid that is gone (a bow-out after destroy)', () => {
      const host = runningHost();
      becomeMaster(host);
      host.destroyInterface('carp0', 3500);
      assert.deepEqual(host.sendResults([{ ifname: 'carp0', vhid: 1, ok: false }], 3500), []);
      assert.deepEqual(host.sendResults([{ ifname: 'carp0', vhid: 9, ok: false }], 3500), []);
    });
  });
});
