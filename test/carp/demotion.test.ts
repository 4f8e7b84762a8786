import assert from 'node:assert/strict';
import { DemotionCounters } from '../../src/carp/demotion';
import { CarpError } from '../../src/carp/errors';
import { CarpHost } from '../../src/carp/host';
import type { Action } from '../../src/carp/types';
import { bringUp } from '../sim/setup';
import { adverts, becomeMaster, countingRandom, decoded, demotions, runningHost, summary } from './helpers';

/** carp0 on eth0 (vhid 1) and carp1 on eth1 (vhid 2), both running. */
function twoCarpdevHost(): CarpHost {
  const host = new CarpHost({ random: countingRandom() });
  host.setCarpdevRunning('eth0', true, 0);
  host.setCarpdevRunning('eth1', true, 0);
  bringUp(host, { ifname: 'carp0', carpdev: 'eth0', vhid: 1 }, 0);
  bringUp(host, { ifname: 'carp1', carpdev: 'eth1', vhid: 2, addresses: ['198.51.100.100'] }, 0);
  return host;
}

function groups(host: CarpHost): Record<string, number> {
  return Object.fromEntries(host.status().groups.map((g) => [g.name, g.demote]));
}

function demote(host: CarpHost, ifname = 'carp0'): number | undefined {
  return host.status().interfaces.find((i) => i.name === ifname)?.demote;
}

describe('carp/demotion', () => {
  describe('counters', () => {
    it('the demote count is the sum of the group counters, or the private count when that sum is 0, at most 255', () => {
      const counters = new DemotionCounters();
      const out: Action[] = [];
      const member = { memberOf: ['carp', 'dmz'], privateDemote: 0 };
      counters.createGroup('dmz');
      assert.equal(counters.demoteCount(member), 0);
      member.privateDemote = 3;
      assert.equal(counters.demoteCount(member), 3);
      counters.adjustGroup('dmz', 200, 'admin', out);
      counters.adjustGroup('carp', 100, 'admin', out);
      assert.equal(counters.demoteCount(member), 255);
      assert.deepEqual(counters.groupNames(), ['carp', 'dmz']);
    });

    it('automatic adjustments never take a counter below 0 and report only real changes', () => {
      const counters = new DemotionCounters();
      const out: Action[] = [];
      counters.adjustGroup('carp', -1, 'carpdev-restored', out);
      counters.adjustGroup('carp', 2, 'carpdev', out);
      counters.adjustGroup('carp', -5, 'carpdev-restored', out);
      assert.deepEqual(summary(out), ['demotion carp 0->2 carpdev', 'demotion carp 2->0 carpdev-restored']);
    });
  });

  describe('OpenBSD group demotion by the administrator', () => {
    it('a MASTER advertises the new demote count at once and restarts its timer', () => {
      const host = runningHost();
      becomeMaster(host);
      const actions = host.adjustGroupDemotion('carp', 2, 3500);
      assert.deepEqual(summary(actions), ['demotion carp 0->2 admin', 'advertise 1 v4']);
      assert.equal(decoded(adverts(actions)[0] as never).demote, 2);
      assert.equal(host.nextDeadline(), 4500);
      assert.equal(demote(host), 2);
    });

    it('a BACKUP sends nothing', () => {
      const host = runningHost();
      assert.deepEqual(summary(host.adjustGroupDemotion('carp', 1, 100)), ['demotion carp 0->1 admin']);
    });

    it('refuses a group that does not exist, naming the existing ones, and a result outside 0-255', () => {
      const host = runningHost({ groups: ['dmz'] });
      assert.throws(() => host.adjustGroupDemotion('lan', 1, 0), /no interface group "lan": existing groups are carp, dmz/);
      assert.throws(() => host.adjustGroupDemotion('carp', -1, 0), (e: unknown) => e instanceof CarpError && e.code === 'out-of-range');
      host.adjustGroupDemotion('dmz', 255, 0);
      assert.throws(() => host.adjustGroupDemotion('dmz', 1, 0), /0-255/);
      assert.deepEqual(groups(host), { carp: 0, dmz: 255 });
    });

    it('the carp group exists without any interface', () => {
      const host = new CarpHost({ random: countingRandom() });
      assert.deepEqual(summary(host.adjustGroupDemotion('carp', 1, 0)), ['demotion carp 0->1 admin']);
    });
  });

  describe('carpdev link loss', () => {
    it('demotes every group of the interface by 1 and FreeBSD by the factor; other MASTERs advertise at once', () => {
      const host = twoCarpdevHost();
      becomeMaster(host);
      host.tick(3000);
      const actions = host.setCarpdevRunning('eth0', false, 3500);
      assert.deepEqual(summary(actions), [
        'state 1 MASTER->INIT carpdev-down',
        'link carp0 down',
        'demotion carp 0->1 carpdev',
        'demotion sysctl 0->240 carpdev',
        'advertise 2 v4',
      ]);
      const ad = decoded(adverts(actions)[0] as never);
      assert.deepEqual([ad.demote, ad.advskew], [1, 240]);
      assert.equal(host.status().interfaces[1]?.nodes[0]?.effectiveAdvskew, 240);
    });

    it('is undone when the carpdev runs again', () => {
      const host = twoCarpdevHost();
      host.setCarpdevRunning('eth0', false, 100);
      assert.deepEqual(summary(host.setCarpdevRunning('eth0', true, 200)), [
        'state 1 INIT->BACKUP ready',
        'demotion carp 1->0 carpdev-restored',
        'demotion sysctl 240->0 carpdev-restored',
      ]);
      assert.equal(host.getSysctl('net.inet.carp.demotion'), '0');
    });

    it('FreeBSD adds the factor once per node and takes back exactly what it added', () => {
      const host = runningHost();
      host.configure('carp0', { nodes: [{ vhid: 1, advskew: 0 }, { vhid: 2, advskew: 0 }] }, 0);
      host.setCarpdevRunning('eth0', false, 10);
      assert.equal(host.getSysctl('net.inet.carp.demotion'), '480');
      host.setSysctl('net.inet.carp.ifdown_demotion_factor', '10', 20);
      host.configure('carp0', { nodes: [{ vhid: 1, advskew: 0 }] }, 30);
      assert.equal(host.getSysctl('net.inet.carp.demotion'), '240', 'the removed node took its 240 back');
      host.setCarpdevRunning('eth0', true, 40);
      assert.equal(host.getSysctl('net.inet.carp.demotion'), '0');
    });
  });

  describe('group membership', () => {
    it('joining adds the private count to the group, leaving takes it out, an empty group disappears', () => {
      const host = runningHost();
      host.setCarpdevRunning('eth0', false, 10);
      assert.deepEqual(summary(host.configure('carp0', { groups: ['dmz'] }, 20)), ['demotion dmz 0->1 group-membership']);
      assert.deepEqual(groups(host), { carp: 1, dmz: 1 });
      assert.equal(demote(host), 2);
      assert.deepEqual(summary(host.configure('carp0', { groups: [] }, 30)), ['demotion dmz 1->0 group-membership']);
      assert.deepEqual(groups(host), { carp: 1 });
    });

    it('uses the private count when the group counters were lowered to 0', () => {
      const host = runningHost();
      host.setCarpdevRunning('eth0', false, 10);
      host.adjustGroupDemotion('carp', -1, 20);
      assert.deepEqual(groups(host), { carp: 0 });
      assert.equal(demote(host), 1);
    });

    it('destroying an interface takes everything it added out of the counters', () => {
      const host = runningHost({ groups: ['dmz'] });
      host.setCarpdevRunning('eth0', false, 10);
      assert.deepEqual(groups(host), { carp: 1, dmz: 1 });
      assert.deepEqual(demotions(host.destroyInterface('carp0', 20)).map((d) => `${d.group ?? 'sysctl'} ${d.to} ${d.reason}`), [
        'carp 0 carpdev-restored',
        'dmz 0 carpdev-restored',
        'sysctl 0 carpdev-restored',
      ]);
      assert.deepEqual(groups(host), { carp: 0 });
    });
  });

  describe('FreeBSD net.inet.carp.demotion', () => {
    it('a write adds to it; a MASTER advertises the raised advskew at once', () => {
      const host = runningHost({ advskew: 10 });
      becomeMaster(host);
      const actions = host.setSysctl('net.inet.carp.demotion', '100', 4000);
      assert.deepEqual(summary(actions), ['demotion sysctl 0->100 admin', 'advertise 1 v4']);
      assert.equal(decoded(adverts(actions)[0] as never).advskew, 110);
      assert.equal(host.nextDeadline(), 4000 + 1000 + 110 * (1000 / 256));
      host.setSysctl('net.inet.carp.demotion', '+200', 4100);
      assert.equal(host.getSysctl('net.inet.carp.demotion'), '300');
      assert.equal(host.status().interfaces[0]?.nodes[0]?.effectiveAdvskew, 240);
      host.setSysctl('net.inet.carp.demotion', '-300', 4200);
      assert.equal(host.status().interfaces[0]?.nodes[0]?.effectiveAdvskew, 10);
    });

    it('a zero write changes nothing and sends nothing', () => {
      const host = runningHost();
      becomeMaster(host);
      assert.deepEqual(host.setSysctl('net.inet.carp.demotion', '0', 4000), []);
    });
  });

  describe('send errors', () => {
    function failing(host: CarpHost, results: readonly boolean[], at: number): Action[] {
      return results.flatMap((ok) => host.sendResults([{ ifname: 'carp0', vhid: 1, ok }], at));
    }

    it('3 consecutive failures per node demote in both styles; as many successes undo it', () => {
      const host = runningHost();
      becomeMaster(host);
      assert.deepEqual(failing(host, [false, false], 3000), []);
      assert.deepEqual(summary(failing(host, [false], 3000)), [
        'demotion carp 0->1 snderrors',
        'demotion sysctl 0->240 snderrors',
        'advertise 1 v4',
      ]);
      assert.deepEqual(failing(host, [false, true, true], 3100), [], 'a failure restarts the success count');
      assert.deepEqual(summary(failing(host, [true], 3200)), [
        'demotion carp 1->0 snderrors-cleared',
        'demotion sysctl 240->0 snderrors-cleared',
        'advertise 1 v4',
      ]);
    });

    it('a success between failures restarts the error count; two nodes need six', () => {
      const host = runningHost();
      host.configure('carp0', { nodes: [{ vhid: 1, advskew: 0 }, { vhid: 2, advskew: 0 }] }, 0);
      assert.deepEqual(failing(host, [false, false, true, false, false, false, false, false], 100), []);
      assert.deepEqual(summary(failing(host, [false], 100)), ['demotion carp 0->1 snderrors', 'demotion sysctl 0->240 snderrors']);
    });

    it('the outcomes of one round, reported in one call, count one by one: the third failure demotes once', () => {
      const host = runningHost();
      becomeMaster(host);
      const round = [false, false, false, false].map((ok) => ({ ifname: 'carp0', vhid: 1, ok }));
      assert.deepEqual(summary(host.sendResults(round, 3000)), ['demotion carp 0->1 snderrors', 'demotion sysctl 0->240 snderrors', 'advertise 1 v4']);
      assert.equal(host.status().interfaces[0]?.nodes[0]?.stats.oerrors, 4);
    });
  });
});
