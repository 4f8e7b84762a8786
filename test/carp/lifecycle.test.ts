import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import type { Action } from '../../src/carp/types';
import { deriveKey } from '../../src/wire/hmac';
import { VIP4, VIP6 } from '../sim/setup';
import { adverts, becomeMaster, countingRandom, decoded, ip, nodeState, runningHost, summary } from './helpers';

/** A host with carp0 fully configured except for the one condition `skip` leaves out. */
function almostRunning(skip: 'carpdev' | 'carpdev-running' | 'vhid' | 'address' | 'up' | 'none'): { host: CarpHost; actions: Action[] } {
  const host = new CarpHost({ random: countingRandom() });
  const actions: Action[] = [];
  if (skip !== 'carpdev-running') actions.push(...host.setCarpdevRunning('eth0', true, 0));
  actions.push(...host.createInterface('carp0', 0));
  actions.push(...host.configure('carp0', { carpdev: skip === 'carpdev' ? null : 'eth0', advbase: 1, key: deriveKey('secret') }, 0));
  if (skip !== 'vhid') actions.push(...host.configure('carp0', { nodes: [{ vhid: 1, advskew: 0 }] }, 0));
  if (skip !== 'address') actions.push(...host.setAddresses('carp0', [ip(VIP4)], 0));
  if (skip !== 'up') actions.push(...host.setAdminUp('carp0', true, 0));
  return { host, actions };
}

describe('carp/host lifecycle and running condition', () => {
  it('a new interface is INIT, down, with the defaults, and creating it does nothing else', () => {
    const host = new CarpHost({ random: countingRandom() });
    assert.deepEqual(host.createInterface('carp0', 0), []);
    assert.deepEqual(host.status().interfaces, [
      {
        name: 'carp0',
        config: { carpdev: null, advbase: 1, key: deriveKey(''), nodes: [], balancing: 'none', groups: [], garpRefresh: 0, peers: [], vrrp: null },
        adminUp: false,
        carpdevRunning: false,
        linkUp: false,
        haltReason: 'admin-down',
        addresses: [],
        demote: 0,
        balancing: 'none',
        nodes: [],
      },
    ]);
    assert.equal(host.nextDeadline(), null);
  });

  it('goes INIT -> BACKUP (ready) when up, carpdev set and running, a vhid and an address are there', () => {
    const { host, actions } = almostRunning('none');
    assert.deepEqual(summary(actions), ['state 1 INIT->BACKUP ready']);
    assert.equal(host.nextDeadline(), 3000);
  });

  for (const skip of ['carpdev', 'carpdev-running', 'vhid', 'address', 'up'] as const) {
    it(`stays INIT without ${skip}`, () => {
      const { host, actions } = almostRunning(skip);
      assert.equal(actions.filter((a) => a.kind === 'state').length, 0);
      assert.equal(host.nextDeadline(), null);
    });
  }

  it('the last missing condition arriving makes it ready, whichever it is', () => {
    const { host, actions } = almostRunning('carpdev-running');
    // A carpdev nobody reported as running counts as down: configuring it demoted carp0 at once.
    assert.deepEqual(summary(actions), ['demotion carp 0->1 carpdev', 'demotion sysctl 0->240 carpdev']);
    assert.deepEqual(summary(host.setCarpdevRunning('eth0', true, 500)), [
      'state 1 INIT->BACKUP ready',
      'demotion carp 1->0 carpdev-restored',
      'demotion sysctl 240->0 carpdev-restored',
    ]);
    assert.equal(host.nextDeadline(), 3500);
  });

  it('reports why it stopped: admin-down, carpdev-down, unconfigured, allow-off', () => {
    const host = runningHost();
    const changes = (actions: Action[]): string[] => summary(actions).filter((s) => s.startsWith('state'));
    assert.deepEqual(changes(host.setAdminUp('carp0', false, 1)), ['state 1 BACKUP->INIT admin-down']);
    assert.deepEqual(changes(host.setAdminUp('carp0', true, 2)), ['state 1 INIT->BACKUP ready']);
    assert.deepEqual(changes(host.setCarpdevRunning('eth0', false, 3)), ['state 1 BACKUP->INIT carpdev-down']);
    host.setCarpdevRunning('eth0', true, 4);
    assert.deepEqual(changes(host.setAddresses('carp0', [], 5)), ['state 1 BACKUP->INIT unconfigured']);
    host.setAddresses('carp0', [ip(VIP4)], 6);
    assert.deepEqual(changes(host.setSysctl('net.inet.carp.allow', '0', 7)), ['state 1 BACKUP->INIT allow-off']);
    const node = host.status().interfaces[0]?.nodes[0];
    assert.deepEqual(node?.lastTransition, { reason: 'allow-off', at: 7 });
    assert.deepEqual([node?.stats.toInit, node?.stats.toBackup], [4, 4]);
  });

  it('names the first applicable reason when several apply: allow-off, admin-down, carpdev-down, unconfigured', () => {
    const host = runningHost();
    host.setAddresses('carp0', [], 1);
    assert.throws(() => host.forceState('carp0', 'MASTER', 2), /not running \(no vhid, no address or no carpdev\)/);
    host.setCarpdevRunning('eth0', false, 3);
    assert.throws(() => host.forceState('carp0', 'MASTER', 4), /not running \(carpdev link down\)/);
    host.setAdminUp('carp0', false, 5);
    assert.throws(() => host.forceState('carp0', 'MASTER', 6), /not running \(interface down\)/);
    host.setSysctl('net.inet.carp.allow', '0', 7);
    assert.throws(() => host.forceState('carp0', 'MASTER', 8), /not running \(net\.inet\.carp\.allow is 0\)/);
  });

  it('admin down while MASTER: a bow-out per family, then INIT, then the carrier goes down; nothing more is scheduled', () => {
    const host = runningHost({ addresses: [VIP4, VIP6] });
    becomeMaster(host);
    const actions = host.setAdminUp('carp0', false, 3500);
    assert.deepEqual(summary(actions), [
      'advertise 1 v4 bow-out',
      'advertise 1 v6 bow-out',
      'state 1 MASTER->INIT admin-down',
      'link carp0 down',
    ]);
    const bowOut = decoded(adverts(actions)[0] as never);
    assert.deepEqual([bowOut.advbase, bowOut.advskew, bowOut.demote], [255, 255, 0]);
    assert.equal(host.nextDeadline(), null);
    assert.equal(host.status().interfaces[0]?.nodes[0]?.stats.bowOutsSent, 2);
  });

  it('carpdev down while MASTER: INIT without a bow-out (the link is gone)', () => {
    const host = runningHost();
    becomeMaster(host);
    const actions = host.setCarpdevRunning('eth0', false, 3500);
    assert.deepEqual(summary(actions).slice(0, 2), ['state 1 MASTER->INIT carpdev-down', 'link carp0 down']);
    assert.equal(adverts(actions).length, 0);
  });

  it('losing every address while MASTER: INIT unconfigured, no bow-out (nothing to authenticate with)', () => {
    const host = runningHost();
    becomeMaster(host);
    assert.deepEqual(summary(host.setAddresses('carp0', [], 3500)), ['state 1 MASTER->INIT unconfigured', 'link carp0 down']);
  });

  it('allow 1 -> 0 bows masters out and stops; 0 -> 1 makes them BACKUP again', () => {
    const host = runningHost();
    becomeMaster(host);
    assert.deepEqual(summary(host.setSysctl('net.inet.carp.allow', '0', 3500)), [
      'advertise 1 v4 bow-out',
      'state 1 MASTER->INIT allow-off',
      'link carp0 down',
    ]);
    assert.deepEqual(summary(host.setSysctl('net.inet.carp.allow', '1', 4000)), ['state 1 INIT->BACKUP ready']);
    assert.equal(host.nextDeadline(), 7000);
  });

  it('destroyInterface bows out, stops, and forgets the interface', () => {
    const host = runningHost();
    becomeMaster(host);
    assert.deepEqual(summary(host.destroyInterface('carp0', 3500)), [
      'advertise 1 v4 bow-out',
      'state 1 MASTER->INIT unconfigured',
      'link carp0 down',
    ]);
    assert.deepEqual(host.status().interfaces, []);
    assert.equal(host.nextDeadline(), null);
    assert.deepEqual(host.createInterface('carp0', 4000), []);
  });

  it('shutdown bows out every MASTER and stops everything for good', () => {
    const host = runningHost();
    host.createInterface('carp1', 0);
    host.configure('carp1', { carpdev: 'eth0', nodes: [{ vhid: 2, advskew: 50 }] }, 0);
    host.setAddresses('carp1', [ip('192.0.2.200')], 0);
    host.setAdminUp('carp1', true, 0);
    becomeMaster(host);
    assert.deepEqual(summary(host.shutdown(3100)), [
      'advertise 1 v4 bow-out',
      'state 1 MASTER->INIT shutdown',
      'link carp0 down',
      'state 2 BACKUP->INIT shutdown',
    ]);
    assert.equal(host.nextDeadline(), null);
    assert.deepEqual(host.setAdminUp('carp0', true, 3200), []);
    assert.equal(nodeState(host), 'INIT');
  });

  it('tick is a no-op when nothing is due, and nextDeadline is null when nothing runs', () => {
    const host = runningHost();
    assert.deepEqual(host.tick(2999.9), []);
    assert.equal(nodeState(host), 'BACKUP');
    assert.equal(host.nextDeadline(), 3000);
    host.setAdminUp('carp0', false, 10);
    assert.equal(host.nextDeadline(), null);
    assert.deepEqual(host.tick(1e9), []);
  });

  it('a late tick runs every due timer in time order and re-arms from now', () => {
    const host = runningHost();
    host.createInterface('carp1', 0);
    host.configure('carp1', { carpdev: 'eth0', nodes: [{ vhid: 2, advskew: 0 }], advbase: 2 }, 0);
    host.setAddresses('carp1', [ip('192.0.2.200')], 0);
    host.setAdminUp('carp1', true, 0);
    // carp0 is due at 3000, carp1 at 6000: a tick at 6500 runs carp0's timer, then carp1's.
    assert.deepEqual(summary(host.tick(6500)).filter((s) => s.startsWith('state')), [
      'state 1 BACKUP->MASTER master-down',
      'state 2 BACKUP->MASTER master-down',
    ]);
    assert.equal(host.nextDeadline(), 7500);
  });

  it('timers due at the same time run in interface creation order, then vhid order', () => {
    const host = new CarpHost({ random: countingRandom() });
    host.setCarpdevRunning('eth0', true, 0);
    for (const [name, vhids] of [
      ['carp5', [9, 3]],
      ['carp2', [4]],
    ] as const) {
      host.createInterface(name, 0);
      host.configure(name, { carpdev: 'eth0', nodes: vhids.map((vhid) => ({ vhid, advskew: 0 })) }, 0);
      host.setAddresses(name, [ip(VIP4)], 0);
      host.setAdminUp(name, true, 0);
    }
    const order = host
      .tick(3000)
      .filter((a) => a.kind === 'state')
      .map((a) => (a.kind === 'state' ? `${a.ifname}/${a.vhid}` : ''));
    assert.deepEqual(order, ['carp5/3', 'carp5/9', 'carp2/4']);
  });
});
