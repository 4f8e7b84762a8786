/** Faults on the simulated LAN: misconfiguration, partitions, lost families, reflections, routers. */
import assert from 'node:assert/strict';
import type { NodeStats } from '../../src/carp/types';
import type { SimLan } from '../sim/lan';
import { DELAY, newLan, transitions } from '../sim/scenario';
import { VIP4, VIP6, boot } from '../sim/setup';

const MD_100 = 3000 + 100 * (1000 / 256);

function stats(lan: SimLan, host: string): NodeStats {
  const node = lan.host(host).carp.status().interfaces[0]?.nodes[0];
  assert.ok(node);
  return node.stats;
}

describe('scenario: faults', () => {
  it('a peer with another passphrase is ignored (badauth): split brain, both MASTER for good', () => {
    // Nothing can tell a misconfigured peer from a forged one, so both sides drop each other's
    // advertisements before the state rules and each believes it is alone (docs/protocol.md §3.10).
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0, passphrase: 'secret' }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100, passphrase: 'wrong' }]));
    lan.runUntil(120_000);
    assert.deepEqual(transitions(lan, 0), ['3000 a carp0/1 BACKUP->MASTER master-down', `${MD_100} b carp0/1 BACKUP->MASTER master-down`]);
    assert.deepEqual(lan.masters(1), ['a', 'b']);
    assert.ok(stats(lan, 'b').badauth >= 100);
    assert.ok(stats(lan, 'a').badauth >= 80);
    assert.equal(stats(lan, 'a').accepted + stats(lan, 'b').accepted, 0);
  });

  it('a partition makes a second master; healing leaves exactly one', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.addHost('c', boot([{ vhid: 1, advskew: 200 }]));
    lan.runUntil(10_500);
    lan.conditions.partition = [['a'], ['b', 'c']];
    lan.runUntil(30_500);
    assert.deepEqual(lan.masters(1), ['a', 'b']);
    lan.conditions.partition = null;
    lan.runUntil(60_000);
    assert.deepEqual(transitions(lan, 10_500), [
      `${10_000 + DELAY + MD_100} b carp0/1 BACKUP->MASTER master-down`,
      `${31_000 + DELAY} b carp0/1 MASTER->BACKUP better-master`,
    ]);
    assert.deepEqual(lan.masters(1), ['a']);
  });

  it('IPv4 + IPv6: two advertisements per interval, and losing only the IPv6 ones fires the IPv6 timer', () => {
    const lan = newLan();
    const addresses = [VIP4, VIP6];
    lan.addHost('a', boot([{ vhid: 1, advskew: 0, addresses }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100, addresses }]));
    lan.runUntil(10_500);
    const families = lan.advertisements('a').map((e) => (e.action.kind === 'advertise' ? `${e.at} v${e.action.family}` : ''));
    assert.deepEqual(families.slice(0, 4), ['3000 v4', '3000 v6', '4000 v4', '4000 v6']);
    lan.conditions.tamper = (packet) => (packet.family === 6 ? null : packet);
    lan.runUntil(15_000);
    // b still hears every IPv4 advertisement, but its IPv6 timer runs out; back as BACKUP, the
    // next IPv4 advertisement of the better master sends it back (and this repeats while IPv6 is lost).
    assert.deepEqual(transitions(lan, 10_500), [
      `${10_000 + DELAY + MD_100} b carp0/1 BACKUP->MASTER master-down`,
      `${14_000 + DELAY} b carp0/1 MASTER->BACKUP better-master`,
    ]);
  });

  it('our own advertisements reflected back are counted as loops and never make us step down', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.conditions.reflect = true;
    lan.runUntil(60_000);
    assert.deepEqual(transitions(lan, 0), ['3000 a carp0/1 BACKUP->MASTER master-down']);
    const delivered = lan.advertisements('a').filter((e) => e.at + DELAY <= 60_000).length;
    assert.equal(stats(lan, 'a').loop, delivered);
    assert.equal(stats(lan, 'b').accepted, delivered);
  });

  it('advertisements whose TTL a router lowered are dropped (badttl), so the backup times out', () => {
    const lan = newLan();
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(10_500);
    lan.conditions.tamper = (packet) => ({ ...packet, ttl: 254 });
    lan.runUntil(20_000);
    assert.deepEqual(transitions(lan, 10_500), [`${10_000 + DELAY + MD_100} b carp0/1 BACKUP->MASTER master-down`]);
    const tampered = lan.advertisements('a').filter((e) => e.at > 10_500 && e.at + DELAY <= 20_000).length;
    assert.equal(tampered, 9);
    assert.equal(stats(lan, 'b').badttl, tampered);
    assert.equal(stats(lan, 'b').accepted, 8, 'only the advertisements before the router appeared');
    assert.ok(lan.trace.some((e) => e.host === 'b' && e.action.kind === 'drop' && e.action.detail === 'received ttl 254 != 255 from 192.0.2.1'));
  });

  it('duplicated and reordered packets change nothing', () => {
    const lan = newLan(7);
    lan.conditions.duplication = 1;
    lan.conditions.delay = { min: 0, max: 300 };
    lan.addHost('a', boot([{ vhid: 1, advskew: 0 }]));
    lan.addHost('b', boot([{ vhid: 1, advskew: 100 }]));
    lan.runUntil(60_000);
    assert.deepEqual(transitions(lan, 0), ['3000 a carp0/1 BACKUP->MASTER master-down']);
    assert.equal(stats(lan, 'b').accepted, 2 * lan.advertisements('a').filter((e) => e.at <= 59_700).length);
  });
});
