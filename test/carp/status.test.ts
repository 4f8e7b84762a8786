import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import { deriveKey } from '../../src/wire/hmac';
import { VIP4 } from '../sim/setup';
import { PEER_COUNTER, becomeMaster, countingRandom, ip, peerAd, runningHost } from './helpers';

describe('carp/status', () => {
  it('describes interfaces, nodes, groups and carpdevs', () => {
    const host = runningHost({ advskew: 20, groups: ['dmz'] });
    host.setSysctl('net.inet.carp.demotion', '30', 0);
    host.receive(peerAd({ advskew: 5 }), 500);
    host.receive(peerAd({ carpdev: 'eth9' }), 600);
    host.setCarpdevRunning('eth1', false, 700);
    const status = host.status();
    assert.deepEqual(status.interfaces, [
      {
        name: 'carp0',
        config: { carpdev: 'eth0', advbase: 1, key: deriveKey('secret'), nodes: [{ vhid: 1, advskew: 20 }], balancing: 'none', groups: ['dmz'], garpRefresh: 0, peers: [], vrrp: null },
        adminUp: true,
        carpdevRunning: true,
        linkUp: false,
        haltReason: null,
        addresses: [ip(VIP4)],
        demote: 0,
        balancing: 'none',
        nodes: [
          {
            vhid: 1,
            advskew: 20,
            effectiveAdvskew: 50,
            vrrp: null,
            state: 'BACKUP',
            lastTransition: { reason: 'ready', at: 0 },
            peers: [{ source: ip('192.0.2.2'), advbase: 1, advskew: 5, demote: 0, counter: PEER_COUNTER, lastSeen: 500 }],
            // The advertisement at 500 restarted master-down: 3 * advbase + advskew/256 s (raw advskew).
            nextTimer: { kind: 'master-down', at: 500 + 3000 + (20 * 1000) / 256 },
            stats: {
              ipackets: 1,
              ipackets6: 0,
              badttl: 0,
              badauth: 0,
              loop: 0,
              badpeer: 0,
              wrongver: 0,
              badaddrs: 0,
              replay: 0,
              accepted: 1,
              opackets: 0,
              opackets6: 0,
              oerrors: 0,
              bowOutsSent: 0,
              bowOutsReceived: 0,
              toMaster: 0,
              toBackup: 1,
              toInit: 0,
              preempts: 0,
            },
          },
        ],
      },
    ]);
    assert.deepEqual(status.groups, [
      { name: 'carp', demote: 0 },
      { name: 'dmz', demote: 0 },
    ]);
    assert.deepEqual(
      status.carpdevs.map((c) => [c.name, c.stats.ipackets, c.stats.badvhid]),
      [
        ['eth0', 1, 0],
        ['eth1', 0, 0],
        ['eth9', 1, 1],
      ],
    );
  });

  it('keeps one entry per peer, newest first, with what its latest advertisement said', () => {
    const host = runningHost({ advskew: 200 });
    const later = Buffer.from('0102030405060708', 'hex');
    host.receive(peerAd({ advskew: 5 }), 500);
    const first = host.status().interfaces[0]?.nodes[0]?.peers;
    host.receive(peerAd({ source: '192.0.2.3', advskew: 7 }), 600);
    host.receive(peerAd({ advskew: 6, demote: 2, counter: later }), 700);
    host.receive(peerAd({ advskew: 9, counter: PEER_COUNTER }), 800);
    const peers = host.status().interfaces[0]?.nodes[0]?.peers.map((p) => [p.source, p.advskew, p.demote, p.counter.toString('hex'), p.lastSeen]);
    assert.deepEqual(peers, [
      [ip('192.0.2.2'), 9, 0, PEER_COUNTER.toString('hex'), 800],
      [ip('192.0.2.3'), 7, 0, PEER_COUNTER.toString('hex'), 600],
    ]);
    assert.deepEqual(first, [{ source: ip('192.0.2.2'), advbase: 1, advskew: 5, demote: 0, counter: PEER_COUNTER, lastSeen: 500 }], 'an earlier status is a copy');
  });

  it('is a snapshot: later changes do not show in it, and changing it does not change the host', () => {
    const host = runningHost();
    const before = host.status();
    const frozen = JSON.stringify(before);
    becomeMaster(host);
    host.configure('carp0', { advbase: 3, key: deriveKey('other') }, 3500);
    assert.equal(JSON.stringify(before), frozen);
    const now = host.status();
    const node = now.interfaces[0]?.nodes[0];
    assert.ok(node);
    (node.stats as { opackets: number }).opackets = 99;
    now.interfaces[0]?.config.key.bytes.fill(0);
    now.interfaces[0]?.addresses[0]?.bytes.fill(0);
    assert.deepEqual(host.status().interfaces[0]?.nodes[0]?.stats.opackets, 1);
    assert.deepEqual(host.status().interfaces[0]?.config.key, deriveKey('other'));
    assert.deepEqual(host.status().interfaces[0]?.addresses, [ip(VIP4)]);
  });

  it('a host without interfaces still has the carp group', () => {
    assert.deepEqual(new CarpHost({ random: countingRandom() }).status(), { interfaces: [], groups: [{ name: 'carp', demote: 0 }], maintenance: false, carpdevs: [] });
  });
});
