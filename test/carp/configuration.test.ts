import assert from 'node:assert/strict';
import { virtualMac } from '../../src/wire/address';
import { computeHmac, deriveKey } from '../../src/wire/hmac';
import { VIP4, VIP6 } from '../sim/setup';
import { SKEW, adverts, becomeMaster, decoded, ip, nodeState, peerAd, runTimers, runningHost, summary } from './helpers';

describe('carp/host configuration changes', () => {
  describe('timing', () => {
    it('an advskew change of a BACKUP keeps the state and restarts its master-down timer from now', () => {
      const host = runningHost({ advskew: 100 });
      assert.deepEqual(host.configure('carp0', { nodes: [{ vhid: 1, advskew: 200 }] }, 1000), []);
      assert.equal(host.nextDeadline(), 1000 + 3000 + 200 * SKEW);
      assert.equal(nodeState(host), 'BACKUP');
    });

    it('an advbase change of a MASTER keeps the state; the next round comes after the new interval', () => {
      const host = runningHost();
      becomeMaster(host);
      assert.deepEqual(host.configure('carp0', { advbase: 5 }, 3500), []);
      assert.equal(host.nextDeadline(), 3500 + 5000);
      assert.equal(decoded(adverts(host.tick(8500))[0] as never).advbase, 5);
    });

    it('a change that touches neither leaves the timers alone', () => {
      const host = runningHost();
      host.configure('carp0', { key: deriveKey('other'), groups: ['dmz'] }, 1000);
      assert.equal(host.nextDeadline(), 3000);
    });

    it('the master-down style applies to timers started after the change', () => {
      const host = runningHost({ advskew: 100 });
      host.setSysctl('net.inet.carp.masterdown', 'openbsd', 1000);
      assert.equal(host.nextDeadline(), 3390.625);
      host.receive(peerAd(), 2000);
      assert.equal(host.nextDeadline(), 2000 + 3 * 1390.625);
    });
  });

  it('a key change takes effect with the next advertisement sent and the next one received', () => {
    const host = runningHost({ advskew: 100 });
    becomeMaster(host);
    host.configure('carp0', { key: deriveKey('newpass') }, 3500);
    const [ad] = adverts(host.tick(3390.625 + 1390.625));
    assert.ok(ad);
    const header = decoded(ad);
    assert.deepEqual(header.hmac, computeHmac(deriveKey('newpass'), { vhid: 1, addresses: [ip(VIP4)], counter: header.counter }));
    assert.deepEqual(summary(host.receive(peerAd({ advskew: 0 }), 5000)), ['drop badauth']);
    const newPeer = peerAd({ passphrase: 'newpass', advskew: 0 });
    assert.deepEqual(summary(host.receive(newPeer, 5100))[0], 'state 1 MASTER->BACKUP better-master');
  });

  it('a vhid change of a MASTER bows the old vhid out; the new vhid is a new node with a fresh cookie', () => {
    const host = runningHost();
    const [first] = adverts(host.tick(3000));
    const actions = host.configure('carp0', { nodes: [{ vhid: 2, advskew: 0 }] }, 3500);
    assert.deepEqual(summary(actions), [
      'advertise 1 v4 bow-out',
      'state 1 MASTER->INIT unconfigured',
      'link carp0 down',
      'state 2 INIT->BACKUP ready',
    ]);
    const [next] = adverts(host.tick(6500));
    assert.ok(first && next);
    assert.notDeepEqual(decoded(next).counter, decoded(first).counter);
    assert.equal(next.vhid, 2);
  });

  it('a carpdev change of a MASTER bows out on the old carpdev, then starts over on the new one', () => {
    const host = runningHost();
    host.setCarpdevRunning('eth1', true, 0);
    becomeMaster(host);
    const actions = host.configure('carp0', { carpdev: 'eth1' }, 3500);
    assert.deepEqual(summary(actions), [
      'advertise 1 v4 bow-out',
      'state 1 MASTER->INIT unconfigured',
      'link carp0 down',
      'state 1 INIT->BACKUP ready',
    ]);
    assert.equal(adverts(actions)[0]?.carpdev, 'eth0');
    assert.equal(host.nextDeadline(), 6500);
    assert.equal(adverts(host.tick(6500))[0]?.carpdev, 'eth1');
  });

  it('adding a node to a running interface starts it; the others keep their state and timers', () => {
    const host = runningHost();
    becomeMaster(host);
    const actions = host.configure('carp0', { nodes: [{ vhid: 1, advskew: 0 }, { vhid: 2, advskew: 50 }] }, 3500);
    assert.deepEqual(summary(actions), ['state 2 INIT->BACKUP ready']);
    assert.equal(nodeState(host, 'carp0', 1), 'MASTER');
    assert.equal(host.nextDeadline(), 4000);
  });

  it('removing every node leaves the interface unconfigured', () => {
    const host = runningHost();
    assert.deepEqual(summary(host.configure('carp0', { nodes: [] }, 10)), ['state 1 BACKUP->INIT unconfigured']);
    assert.deepEqual(host.status().interfaces[0]?.nodes, []);
    assert.equal(host.nextDeadline(), null);
  });

  describe('addresses', () => {
    it('a family that appears on a BACKUP starts its own master-down timer', () => {
      const host = runningHost({ advskew: 100 });
      host.setAddresses('carp0', [ip(VIP4), ip(VIP6)], 1000);
      for (let t = 2000; t < 4390; t += 1000) host.receive(peerAd({ addresses: [VIP4, VIP6] }), t);
      assert.equal(host.nextDeadline(), 1000 + 3390.625, 'the IPv6 timer started when IPv6 appeared');
    });

    it('a family that disappears stops its timer', () => {
      const host = runningHost({ advskew: 100, addresses: [VIP4, VIP6] });
      host.setAddresses('carp0', [ip(VIP4)], 500);
      for (let t = 1000; t <= 20_000; t += 1000) {
        runTimers(host, t);
        host.receive(peerAd(), t);
      }
      assert.equal(nodeState(host), 'BACKUP');
    });

    it('a MASTER announces added addresses at once and advertises a new family from the next round', () => {
      const host = runningHost();
      becomeMaster(host);
      const actions = host.setAddresses('carp0', [ip(VIP4), ip(VIP6), ip('192.0.2.101')], 3500);
      assert.deepEqual(actions, [
        {
          kind: 'announce',
          ifname: 'carp0',
          carpdev: 'eth0',
          vhid: 1,
          mac: virtualMac(1),
          addresses: [ip(VIP6), ip('192.0.2.101')],
          occasion: 'address-added',
        },
      ]);
      assert.deepEqual(summary(host.tick(4000)), ['advertise 1 v4', 'advertise 1 v6']);
      assert.deepEqual(host.setAddresses('carp0', [ip(VIP4)], 4100), [], 'removals announce nothing');
    });

    it('an IPv6 link-local address neither counts as an address nor activates IPv6', () => {
      const host = runningHost({ addresses: ['fe80::5efe:1'] });
      assert.equal(nodeState(host), 'INIT');
      host.setAddresses('carp0', [ip('fe80::5efe:1'), ip(VIP4)], 10);
      assert.deepEqual(summary(host.tick(3010)), ['state 1 BACKUP->MASTER master-down', 'link carp0 up', 'advertise 1 v4', 'announce 1 takeover']);
    });
  });
});
