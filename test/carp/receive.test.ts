import assert from 'node:assert/strict';
import cryptoModule from 'node:crypto';
import type { CarpHost } from '../../src/carp/host';
import type { CarpdevStats, NodeStats } from '../../src/carp/types';
import { parseIp as ip } from '../../src/wire/address';
import { internetChecksum } from '../../src/wire/checksum';
import { deriveKey } from '../../src/wire/hmac';
import { VIP4, VIP6 } from '../sim/setup';
import { PEER_COUNTER, SKEW, becomeMaster, drops, peerAd, runningHost, states, summary } from './helpers';

function carpdevStats(host: CarpHost, name = 'eth0'): CarpdevStats {
  const found = host.status().carpdevs.find((c) => c.name === name);
  assert.ok(found, `no stats for ${name}`);
  return found.stats;
}

function nodeStats(host: CarpHost): NodeStats {
  const node = host.status().interfaces[0]?.nodes[0];
  assert.ok(node);
  return node.stats;
}

/** How many HMACs `body` computes. */
function countHmacs(body: () => void): number {
  const crypto = cryptoModule as unknown as { createHmac: (...args: unknown[]) => unknown };
  const original = crypto.createHmac;
  let count = 0;
  crypto.createHmac = (...args: unknown[]) => {
    count++;
    return original(...args);
  };
  try {
    body();
  } finally {
    crypto.createHmac = original;
  }
  return count;
}

/** Fixes the checksum of a modified header so that only the intended field is wrong. */
function withChecksum(payload: Uint8Array): Buffer {
  const copy = Buffer.from(payload);
  copy.writeUInt16BE(0, 6);
  copy.writeUInt16BE(internetChecksum(copy, 0, 36), 6);
  return copy;
}

describe('carp/receive guards', () => {
  it('allow = 0: counted as disallowed on the carpdev and dropped, nothing else counted', () => {
    const host = runningHost();
    host.setSysctl('net.inet.carp.allow', '0', 0);
    const actions = host.receive(peerAd({ advskew: 100 }), 10);
    assert.deepEqual(summary(actions), ['drop disallowed']);
    assert.deepEqual(drops(actions)[0], {
      kind: 'drop',
      carpdev: 'eth0',
      ifname: null,
      vhid: null,
      reason: 'disallowed',
      detail: 'net.inet.carp.allow is 0 from 192.0.2.2',
    });
    assert.equal(carpdevStats(host).disallowed, 1);
    assert.equal(carpdevStats(host).ipackets, 0);
  });

  it('counts IPv4 and IPv6 packets per carpdev and per node', () => {
    const host = runningHost({ addresses: [VIP4, VIP6] });
    host.receive(peerAd({ addresses: [VIP4, VIP6], advskew: 50 }), 10);
    host.receive(peerAd({ addresses: [VIP4, VIP6], advskew: 50, family: 6 }), 20);
    host.receive(peerAd({ addresses: [VIP4, VIP6], advskew: 50, family: 6 }), 30);
    assert.deepEqual([carpdevStats(host).ipackets, carpdevStats(host).ipackets6], [1, 2]);
    assert.deepEqual([nodeStats(host).ipackets, nodeStats(host).ipackets6, nodeStats(host).accepted], [1, 2, 3]);
  });

  it('a short packet is a header drop, with the decoder message', () => {
    const host = runningHost();
    const packet = { ...peerAd(), payload: peerAd().payload.subarray(0, 20) };
    const [drop] = drops(host.receive(packet, 10));
    assert.equal(drop?.reason, 'hdrops');
    assert.equal(drop?.detail, 'CARP header: need 36 bytes, have 20 from 192.0.2.2');
    assert.equal(carpdevStats(host).hdrops, 1);
  });

  it('a damaged packet is badsum', () => {
    const host = runningHost();
    const payload = Buffer.from(peerAd().payload);
    payload[2] = 99;
    assert.deepEqual(summary(host.receive({ ...peerAd(), payload }, 10)), ['drop badsum']);
    assert.equal(carpdevStats(host).badsum, 1);
  });

  it('version 3 (VRRPv3) with a good checksum is badver', () => {
    const host = runningHost();
    const payload = Buffer.from(peerAd().payload);
    payload[0] = 0x31;
    const [drop] = drops(host.receive({ ...peerAd(), payload: withChecksum(payload) }, 10));
    assert.equal(drop?.reason, 'badver');
    assert.match(drop?.detail ?? '', /^CARP version 3, expected 2 from 192\.0\.2\.2$/);
    assert.equal(carpdevStats(host).badver, 1);
  });

  it('an unknown vhid is counted as badvhid with no action at all', () => {
    const host = runningHost();
    assert.deepEqual(host.receive(peerAd({ vhid: 7 }), 10), []);
    assert.equal(carpdevStats(host).badvhid, 1);
    assert.equal(nodeStats(host).ipackets, 0);
  });

  it('a vhid of an interface on another carpdev, or not running, is badvhid', () => {
    const host = runningHost();
    assert.deepEqual(host.receive(peerAd({ carpdev: 'eth1' }), 10), []);
    assert.equal(carpdevStats(host, 'eth1').badvhid, 1);
    host.setAdminUp('carp0', false, 20);
    assert.deepEqual(host.receive(peerAd(), 30), []);
    assert.equal(carpdevStats(host).badvhid, 1);
  });

  it('TTL / hop limit other than 255 is badttl on the node, reported with the TTL', () => {
    const host = runningHost();
    const [drop] = drops(host.receive(peerAd({ ttl: 64 }), 10));
    assert.deepEqual(drop, {
      kind: 'drop',
      carpdev: 'eth0',
      ifname: 'carp0',
      vhid: 1,
      reason: 'badttl',
      detail: 'received ttl 64 != 255 from 192.0.2.2',
    });
    assert.equal(nodeStats(host).badttl, 1);
    assert.equal(nodeStats(host).ipackets, 1);
    assert.equal(nodeStats(host).accepted, 0);
  });

  it('a wrong passphrase or address set is badauth, and does not restart the master-down timer', () => {
    const host = runningHost({ advskew: 100 });
    const deadline = host.nextDeadline();
    assert.deepEqual(summary(host.receive(peerAd({ passphrase: 'other' }), 1000)), ['drop badauth']);
    assert.deepEqual(summary(host.receive(peerAd({ addresses: [VIP4, '192.0.2.101'] }), 1100)), ['drop badauth']);
    assert.equal(nodeStats(host).badauth, 2);
    assert.equal(host.nextDeadline(), deadline);
  });

  it('verifies a repeated counter and HMAC once, and still refuses a wrong one, another key`s or another address set`s', () => {
    const host = runningHost({ advskew: 100 });
    const ad = peerAd();
    const computed = countHmacs(() => {
      for (let t = 10; t <= 1000; t += 10) assert.deepEqual(host.receive(ad, t), []);
    });
    assert.equal(nodeStats(host).accepted, 100);
    assert.equal(computed, 1, 'the same pair from the same MASTER is not signed again');
    const forged = Buffer.from(ad.payload);
    forged[35] = (forged[35] as number) ^ 1;
    assert.deepEqual(summary(host.receive({ ...ad, payload: withChecksum(forged) }, 1010)), ['drop badauth']);
    host.configure('carp0', { key: deriveKey('newpass') }, 1020);
    assert.deepEqual(summary(host.receive(ad, 1030)), ['drop badauth'], 'the pair verified with the old key');
    host.configure('carp0', { key: deriveKey('secret') }, 1040);
    host.setAddresses('carp0', [ip(VIP4), ip('192.0.2.101')], 1045);
    assert.deepEqual(summary(host.receive(ad, 1050)), ['drop badauth'], 'the pair verified with the old addresses');
    assert.equal(nodeStats(host).badauth, 3);
  });

  it('accepts the configuration-order HMAC of old peers with several addresses', () => {
    const host = runningHost({ advskew: 100, addresses: ['192.0.2.20', '192.0.2.10'] });
    const sorted = peerAd({ addresses: ['192.0.2.10', '192.0.2.20'] });
    assert.deepEqual(host.receive(sorted, 10), []);
    assert.equal(nodeStats(host).accepted, 1);
  });

  it('our own cookie coming back is a loop: counted, reported, and no step-down', () => {
    const host = runningHost();
    becomeMaster(host);
    const own = host.status().interfaces[0]?.nodes[0];
    assert.ok(own);
    // A reflecting switch returns our own advertisement; it is better-or-equal to ours.
    const reflected = host.tick(host.nextDeadline() as number).find((a) => a.kind === 'advertise');
    assert.ok(reflected?.kind === 'advertise');
    const actions = host.receive({ ...peerAd(), payload: reflected.payload }, 5000);
    assert.deepEqual(drops(actions).map((d) => [d.reason, d.detail]), [
      ['loop', 'replay or network loop detected from 192.0.2.2'],
    ]);
    assert.equal(states(actions).length, 0);
    assert.equal(nodeStats(host).loop, 1);
    assert.equal(host.status().interfaces[0]?.nodes[0]?.state, 'MASTER');
  });

  it('remembers accepted peers newest first, one entry per source, at most 8', () => {
    const host = runningHost({ advskew: 200 });
    for (let i = 1; i <= 10; i++) host.receive(peerAd({ source: `192.0.2.${i}`, advskew: i, demote: 0 }), i * 10);
    host.receive(peerAd({ source: '192.0.2.5', advskew: 77, counter: PEER_COUNTER }), 200);
    const peers = host.status().interfaces[0]?.nodes[0]?.peers ?? [];
    assert.equal(peers.length, 8);
    assert.deepEqual(peers[0], {
      source: { family: 4, bytes: Buffer.from([192, 0, 2, 5]) },
      advbase: 1,
      advskew: 77,
      demote: 0,
      counter: PEER_COUNTER,
      lastSeen: 200,
    });
    assert.deepEqual(
      peers.map((p) => p.source.bytes[3]),
      [5, 10, 9, 8, 7, 6, 4, 3],
    );
  });

  it('counts bow-outs received', () => {
    const host = runningHost({ advskew: 100 });
    host.receive(peerAd({ advbase: 255, advskew: 255 }), 10);
    assert.equal(nodeStats(host).bowOutsReceived, 1);
  });

  it('survives arbitrary payloads: every byte pattern is counted, nothing throws', () => {
    const host = runningHost({ advskew: 100 });
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      const length = i % 50;
      const payload = Buffer.alloc(length);
      for (let b = 0; b < length; b++) payload[b] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      if (length >= 2) payload[1] = 1; // aim at our vhid now and then
      host.receive({ ...peerAd(), payload: i % 3 === 0 ? withChecksum(payload.length >= 36 ? payload : Buffer.alloc(36)) : payload }, i);
    }
    const stats = carpdevStats(host);
    const node = nodeStats(host);
    assert.equal(stats.ipackets, 2000);
    assert.equal(stats.hdrops + stats.badsum + stats.badver + stats.badvhid + node.ipackets, 2000);
    assert.equal(node.accepted, 0);
    assert.equal(nodeStats(host).badauth + nodeStats(host).badttl + nodeStats(host).loop, node.ipackets);
  });

  it('a valid advertisement restarts the timer of the family it arrived on', () => {
    const host = runningHost({ advskew: 100 });
    host.receive(peerAd(), 1000);
    assert.equal(host.nextDeadline(), 1000 + 3000 + 100 * SKEW);
  });
});
