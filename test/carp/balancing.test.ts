/**
 * Load balancing in the core (docs/protocol.md §4): configured and in-force modes, the checks of a
 * carpnodes configuration, the Ethernet source of each node's advertisements, and who announces.
 */
import assert from 'node:assert/strict';
import type { BalancingMode } from '../../src/balance/modes';
import { CarpHost } from '../../src/carp/host';
import type { Action, AnnounceAction, CarpInterfaceChange } from '../../src/carp/types';
import { formatMac, virtualMac } from '../../src/wire/address';
import { VIP4, VIP6, bringUp } from '../sim/setup';
import { adverts, assertRefused, countingRandom, ip, nodeState, runTimers, runningHost, summary } from './helpers';

/** carp0 on eth0, up with 192.0.2.100, every node BACKUP at time 0. */
function balancedHost(carpnodes: string, balancing?: BalancingMode): CarpHost {
  const host = new CarpHost({ random: countingRandom() });
  host.setCarpdevRunning('eth0', true, 0);
  bringUp(host, { carpnodes, ...(balancing === undefined ? {} : { balancing }) }, 0);
  return host;
}

function announcements(actions: readonly Action[]): AnnounceAction[] {
  return actions.filter((a): a is AnnounceAction => a.kind === 'announce');
}

const BALANCING: readonly Exclude<BalancingMode, 'none'>[] = ['ip', 'ip-stealth', 'ip-unicast', 'arp'];

describe('carp/balancing', () => {
  describe('the mode in force', () => {
    it('one node: none', () => {
      const status = runningHost().interfaceStatus('carp0');
      assert.equal(status?.config.balancing, 'none');
      assert.equal(status?.balancing, 'none');
    });

    it('several nodes with none configured: ip (OpenBSD 5.8 and later); the configuration keeps none', () => {
      const status = balancedHost('1:0,2:100').interfaceStatus('carp0');
      assert.equal(status?.config.balancing, 'none');
      assert.equal(status?.balancing, 'ip');
    });

    for (const mode of BALANCING) {
      it(`several nodes with ${mode}: ${mode}`, () => {
        const status = balancedHost('1:0,2:100', mode).interfaceStatus('carp0');
        assert.equal(status?.config.balancing, mode);
        assert.equal(status?.balancing, mode);
      });
    }

    it('a balancing change keeps the nodes, their states and their timers', () => {
      const host = balancedHost('1:0,2:100');
      runTimers(host, 3000);
      const deadline = host.nextDeadline();
      assert.deepEqual(host.configure('carp0', { balancing: 'arp' }, 3100), []);
      assert.equal(host.interfaceStatus('carp0')?.balancing, 'arp');
      assert.equal(nodeState(host, 'carp0', 1), 'MASTER');
      assert.equal(host.nextDeadline(), deadline);
    });
  });

  describe('configuration checks', () => {
    it('takes 32 carpnodes, and vhid 255 for a single node', () => {
      const host = runningHost();
      const nodes = Array.from({ length: 32 }, (_, i) => ({ vhid: 254 - i, advskew: i }));
      host.configure('carp0', { nodes, balancing: 'ip-stealth' }, 10);
      assert.equal(host.interfaceStatus('carp0')?.nodes.length, 32);
      assert.equal(host.interfaceStatus('carp0')?.nodes[0]?.vhid, 223, 'sorted by vhid');
      host.configure('carp0', { nodes: [{ vhid: 255, advskew: 0 }], balancing: 'none' }, 20);
      assert.deepEqual(host.interfaceStatus('carp0')?.config.nodes, [{ vhid: 255, advskew: 0 }]);
    });

    it('going back to one node with a balancing mode set is refused, unless balancing none comes with it', () => {
      const host = balancedHost('1:0,2:100', 'ip');
      const single: CarpInterfaceChange = { nodes: [{ vhid: 1, advskew: 0 }] };
      assertRefused(host, 'bad-value', () => host.configure('carp0', single, 10), /balancing ip needs at least two carpnodes/);
      host.configure('carp0', { ...single, balancing: 'none' }, 10);
      assert.equal(host.interfaceStatus('carp0')?.balancing, 'none');
    });

    it('a vhid that is any node of another interface on the same carpdev is in use', () => {
      const host = balancedHost('1:0,2:100');
      bringUp(host, { ifname: 'carp1', vhid: 9, addresses: ['192.0.2.101'] }, 0);
      assertRefused(host, 'vhid-in-use', () => host.configure('carp1', { nodes: [{ vhid: 2, advskew: 0 }] }, 10), /vhid 2 is in use on carp0/);
      const spread = { nodes: [{ vhid: 9, advskew: 0 }, { vhid: 10, advskew: 0 }, { vhid: 1, advskew: 0 }] };
      assertRefused(host, 'vhid-in-use', () => host.configure('carp1', spread, 10), /vhid 1 is in use on carp0/);
    });
  });

  describe('the Ethernet source of each node’s advertisements', () => {
    const expected: Record<BalancingMode, readonly (string | null)[]> = {
      none: ['00:00:5e:00:01:05'],
      ip: [null, null],
      'ip-stealth': [null, null],
      'ip-unicast': ['00:00:5e:00:01:05', '00:00:5e:00:01:05'],
      arp: ['00:00:5e:00:01:05', '00:00:5e:00:01:08'],
    };
    for (const [mode, sources] of Object.entries(expected)) {
      it(`${mode}: ${sources.map((s) => s ?? 'the carpdev’s MAC').join(', ')}`, () => {
        const host = mode === 'none' ? runningHost({ vhid: 5 }) : balancedHost('5:0,8:100', mode as BalancingMode);
        const ads = adverts(runTimers(host, 5000));
        const first = (vhid: number): string | null => {
          const ad = ads.find((a) => a.vhid === vhid);
          assert.ok(ad, `vhid ${vhid} advertised`);
          return ad.sourceMac === null ? null : formatMac(ad.sourceMac);
        };
        assert.deepEqual(mode === 'none' ? [first(5)] : [first(5), first(8)], sources);
        const bowOuts = adverts(host.setAdminUp('carp0', false, 5100));
        assert.deepEqual(
          bowOuts.map((a) => (a.sourceMac === null ? null : formatMac(a.sourceMac))),
          sources,
          'bow-outs leave from the same MAC',
        );
      });
    }
  });

  describe('announcements', () => {
    for (const mode of BALANCING) {
      it(`${mode}: no gratuitous ARP / NA on takeover, no delayed round, none for added addresses`, () => {
        const host = balancedHost('1:0,2:100', mode);
        const actions = runTimers(host, 10_000);
        assert.equal(nodeState(host, 'carp0', 1), 'MASTER');
        assert.equal(nodeState(host, 'carp0', 2), 'MASTER');
        assert.ok(adverts(actions).length > 10);
        assert.deepEqual(announcements(actions), []);
        assert.deepEqual(host.setAddresses('carp0', [ip(VIP4), ip(VIP6)], 10_100), []);
      });
    }

    it('a lower vhid added while the leader waits for its delayed round: the round is dropped, not kept for later', () => {
      const host = runningHost({ vhid: 5 });
      assert.deepEqual(summary(announcements(host.tick(3000))), ['announce 5 takeover']);
      host.configure('carp0', { nodes: [{ vhid: 1, advskew: 200 }, { vhid: 5, advskew: 0 }] }, 3500);
      assert.deepEqual(summary(host.tick(4000)), ['advertise 5 v4'], 'vhid 5 is no longer the leader');
      const back = host.configure('carp0', { nodes: [{ vhid: 5, advskew: 0 }] }, 4500);
      assert.deepEqual(summary(back), ['state 1 BACKUP->INIT unconfigured', 'announce 5 mac-changed']);
      assert.deepEqual(summary(host.tick(5000)), ['advertise 5 v4'], 'the delayed round counts from its new start');
      assert.deepEqual(summary(host.tick(6000)), ['advertise 5 v4', 'announce 5 delayed']);
    });

    it('the lowest vhid removed: the new leader, MASTER in none, announces its MAC at once and once more later', () => {
      const host = balancedHost('1:0,2:0');
      runTimers(host, 3000);
      const actions = host.configure('carp0', { nodes: [{ vhid: 2, advskew: 0 }] }, 3500);
      assert.deepEqual(summary(actions), ['advertise 1 v4 bow-out', 'state 1 MASTER->INIT unconfigured', 'link carp0 up', 'announce 2 mac-changed']);
      assert.deepEqual(announcements(actions)[0]?.mac, virtualMac(2));
      assert.deepEqual(summary(runTimers(host, 5000)), ['advertise 2 v4', 'advertise 2 v4', 'announce 2 delayed']);
    });

    it('a new leader that is BACKUP announces nothing; it will on its takeover', () => {
      const host = balancedHost('1:0,2:100');
      runTimers(host, 3000);
      assert.equal(nodeState(host, 'carp0', 2), 'BACKUP');
      const actions = host.configure('carp0', { nodes: [{ vhid: 2, advskew: 100 }] }, 3100);
      assert.deepEqual(announcements(actions), []);
      assert.deepEqual(summary(announcements(runTimers(host, 7000))), ['announce 2 takeover', 'announce 2 delayed']);
    });
  });
});
