import assert from 'node:assert/strict';
import type { CarpHost } from '../../src/carp/host';
import type { NodeStats } from '../../src/carp/types';
import { formatIp } from '../../src/wire/address';
import { VIP4, VIP6 } from '../sim/setup';
import { adverts, assertRefused, becomeMaster, drops, ip, peerAd, runTimers, runningHost, summary } from './helpers';

function nodeStats(host: CarpHost): NodeStats {
  const node = host.status().interfaces[0]?.nodes[0];
  assert.ok(node);
  return node.stats;
}

function destinations(host: CarpHost, until: number): string[] {
  return adverts(runTimers(host, until)).map((ad) => formatIp(ad.destination));
}

describe('carp/carppeer (docs/protocol.md §1.7)', () => {
  describe('sending', () => {
    it('advertises to the peer of a family instead of its group; a family without a peer keeps its group', () => {
      const host = runningHost({ addresses: [VIP4, VIP6] });
      host.configure('carp0', { peers: [ip('192.0.2.2')] }, 0);
      const at = becomeMaster(host);
      assert.deepEqual(destinations(host, at + 1000), ['192.0.2.2', 'ff02::12']);
      host.configure('carp0', { peers: [ip('192.0.2.2'), ip('2001:db8::2')] }, at + 1000);
      assert.deepEqual(destinations(host, at + 2000), ['192.0.2.2', '2001:db8::2']);
    });

    it('without peers (-carppeer) advertises to the groups again', () => {
      const host = runningHost({ addresses: [VIP4, VIP6] });
      host.configure('carp0', { peers: [ip('192.0.2.2'), ip('2001:db8::2')] }, 0);
      const at = becomeMaster(host);
      host.configure('carp0', { peers: [] }, at);
      assert.deepEqual(destinations(host, at + 1000), ['224.0.0.18', 'ff02::12']);
    });

    it('a bow-out goes to the peer too', () => {
      const host = runningHost();
      host.configure('carp0', { peers: [ip('192.0.2.2')] }, 0);
      const at = becomeMaster(host);
      const [bowOut] = adverts(host.setAdminUp('carp0', false, at + 10));
      assert.equal(bowOut?.bowOut, true);
      assert.equal(formatIp(bowOut.destination), '192.0.2.2');
    });
  });

  describe('receiving', () => {
    it('accepts a unicast advertisement from the peer of its family', () => {
      const host = runningHost({ advskew: 100 });
      host.configure('carp0', { peers: [ip('192.0.2.2')] }, 0);
      becomeMaster(host);
      const actions = host.receive(peerAd({ advskew: 0, source: '192.0.2.2', destination: '192.0.2.1' }), 5000);
      assert.deepEqual(summary(actions), ['state 1 MASTER->BACKUP better-master', 'link carp0 down']);
      assert.equal(nodeStats(host).accepted, 1);
    });

    it('drops a unicast advertisement from anyone else as badpeer, changing nothing else', () => {
      const host = runningHost({ advskew: 100 });
      host.configure('carp0', { peers: [ip('192.0.2.2')] }, 0);
      becomeMaster(host);
      const actions = host.receive(peerAd({ advskew: 0, source: '192.0.2.7', destination: '192.0.2.1' }), 5000);
      assert.deepEqual(drops(actions), [
        {
          kind: 'drop',
          carpdev: 'eth0',
          ifname: 'carp0',
          vhid: 1,
          reason: 'badpeer',
          detail: 'unicast advertisement to 192.0.2.1, not from the carppeer from 192.0.2.7',
        },
      ]);
      assert.equal(actions.length, 1);
      assert.deepEqual([nodeStats(host).badpeer, nodeStats(host).accepted, nodeStats(host).ipackets], [1, 0, 1]);
      assert.equal(host.status().interfaces[0]?.nodes[0]?.state, 'MASTER');
    });

    it('drops unicast advertisements when the family has no peer', () => {
      const host = runningHost({ addresses: [VIP4, VIP6] });
      host.configure('carp0', { peers: [ip('2001:db8::2')] }, 0);
      const ipv4 = host.receive(peerAd({ addresses: [VIP4, VIP6], source: '192.0.2.2', destination: '192.0.2.1' }), 10);
      assert.deepEqual(summary(ipv4), ['drop badpeer']);
      const ipv6 = host.receive(peerAd({ addresses: [VIP4, VIP6], family: 6, source: '2001:db8::2', destination: '2001:db8::1' }), 20);
      assert.deepEqual(summary(ipv6), []);
      assert.deepEqual([nodeStats(host).badpeer, nodeStats(host).accepted], [1, 1]);
    });

    it('drops a unicast advertisement without any carppeer (nobody may take part by sending to our address)', () => {
      const host = runningHost();
      assert.deepEqual(summary(host.receive(peerAd({ destination: '192.0.2.1' }), 10)), ['drop badpeer']);
    });

    it('accepts advertisements to the group from anyone, peer or not', () => {
      const host = runningHost({ advskew: 100 });
      host.configure('carp0', { peers: [ip('192.0.2.2')] }, 0);
      becomeMaster(host);
      const actions = host.receive(peerAd({ advskew: 0, source: '192.0.2.7' }), 5000);
      assert.deepEqual(summary(actions), ['state 1 MASTER->BACKUP better-master', 'link carp0 down']);
    });
  });

  describe('configuration', () => {
    for (const [what, peer, reason] of [
      ['a multicast address', '224.0.0.18', /224\.0\.0\.18 is a multicast address: carppeer takes the unicast address of the other CARP host/],
      ['the IPv6 group', 'ff02::12', /ff02::12 is a multicast address/],
      ['the unspecified address', '0.0.0.0', /0\.0\.0\.0 is the unspecified address/],
      ['the IPv6 unspecified address', '::', /:: is the unspecified address/],
      ['a loopback address', '127.0.0.1', /127\.0\.0\.1 is a loopback address/],
      ['the IPv6 loopback address', '::1', /::1 is the loopback address/],
      ['the broadcast address', '255.255.255.255', /255\.255\.255\.255 is the broadcast address/],
      ['an IPv4-mapped address', '::ffff:192.0.2.2', /is an IPv4-mapped address/],
    ] as const) {
      it(`refuses ${what}, naming what is valid, and keeps the peers in force`, () => {
        const host = runningHost();
        host.configure('carp0', { peers: [ip('192.0.2.2')] }, 0);
        assertRefused(host, 'bad-value', () => host.configure('carp0', { peers: [ip(peer)] }, 10), reason);
        assert.deepEqual(host.status().interfaces[0]?.config.peers.map(formatIp), ['192.0.2.2']);
      });
    }

    it('refuses two peers of one family', () => {
      const host = runningHost();
      assertRefused(host, 'bad-value', () => host.configure('carp0', { peers: [ip('192.0.2.2'), ip('192.0.2.3')] }, 10), /at most one IPv4 carppeer/);
    });

    it('keeps the peers IPv4 first whatever order they come in', () => {
      const host = runningHost();
      host.configure('carp0', { peers: [ip('2001:db8::2'), ip('192.0.2.2')] }, 0);
      assert.deepEqual(host.status().interfaces[0]?.config.peers.map(formatIp), ['192.0.2.2', '2001:db8::2']);
    });
  });
});
