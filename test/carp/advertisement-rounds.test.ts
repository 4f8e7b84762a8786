/**
 * A MASTER's unchanged round is handed out again as the same actions (advertisement.ts
 * buildAdvertisements): the executor recognises them and sends their frames again. Each thing an
 * advertisement is made of must, when it changes, make a new round that carries the change.
 */
import assert from 'node:assert/strict';
import type { CarpHost } from '../../src/carp/host';
import type { AdvertiseAction, Millis } from '../../src/carp/types';
import { formatIp } from '../../src/wire/address';
import { deriveKey, verifyHmac } from '../../src/wire/hmac';
import { adverts, becomeMaster, decoded, ip, runningHost } from './helpers';

/** The advertisements of the round due at `at` (the host's only MASTER advertises then). */
function roundAt(host: CarpHost, at: Millis): AdvertiseAction[] {
  const round = adverts(host.tick(at));
  assert.ok(round.length > 0, `a round at ${at}`);
  return round;
}

function opackets(host: CarpHost): number {
  return host.status().interfaces[0]?.nodes[0]?.stats.opackets ?? -1;
}

/** A MASTER at `at`, and the round it sent one advbase later. */
function masterWithRound(host: CarpHost = runningHost()): { host: CarpHost; at: Millis; first: AdvertiseAction } {
  const at = becomeMaster(host) + 1000;
  const [first] = roundAt(host, at);
  return { host, at, first: first as AdvertiseAction };
}

describe('carp/advertisement: an unchanged round handed out again', () => {
  it('is the same action every round while nothing changed, and is counted as sent every round', () => {
    const { host, at, first } = masterWithRound();
    const before = opackets(host);
    for (let round = 1; round <= 3; round++) assert.equal(roundAt(host, at + round * 1000)[0], first);
    assert.equal(opackets(host), before + 3);
  });

  it('is made anew when the addresses change', () => {
    const { host, at, first } = masterWithRound();
    host.setAddresses('carp0', [ip('192.0.2.100'), ip('192.0.2.110')], at + 100);
    const [next] = roundAt(host, at + 1000);
    assert.ok(next && next !== first);
    const signedOver = ['192.0.2.100', '192.0.2.110'].map(ip);
    assert.notEqual(verifyHmac(deriveKey('secret'), { vhid: 1, addresses: signedOver, counter: decoded(next).counter }, decoded(next).hmac), null);
  });

  it('is made anew when an address of the other family makes a second family active', () => {
    const { host, at } = masterWithRound();
    host.setAddresses('carp0', [ip('192.0.2.100'), ip('2001:db8::100')], at + 100);
    assert.deepEqual(
      roundAt(host, at + 1000).map((a) => `${a.family} ${formatIp(a.destination)}`),
      ['4 224.0.0.18', '6 ff02::12'],
    );
  });

  it('is made anew when the demotion it advertises changes', () => {
    const { host, at } = masterWithRound();
    host.adjustGroupDemotion('carp', 5, at + 100);
    assert.equal(decoded(roundAt(host, at + 2000)[0] as AdvertiseAction).demote, 5);
  });

  it('is made anew when the advskew it advertises changes without a reconfiguration (net.inet.carp.demotion)', () => {
    const { host, at } = masterWithRound();
    host.setSysctl('net.inet.carp.demotion', '20', at + 100);
    assert.equal(decoded(roundAt(host, at + 2000)[0] as AdvertiseAction).advskew, 20);
  });

  it('is made anew for each strict counter', () => {
    const { host, at } = masterWithRound(runningHost({ sysctls: [['net.inet.carp.strict_counter', '1']] }));
    const [one, two] = [1000, 2000].map((d) => roundAt(host, at + d)[0] as AdvertiseAction);
    assert.ok(one && two);
    assert.notDeepEqual(decoded(one).counter, decoded(two).counter);
  });

  it('is made anew by a reconfiguration: another key, carppeer or carpdev is advertised at once', () => {
    const key = masterWithRound();
    key.host.configure('carp0', { key: deriveKey('other') }, key.at + 100);
    const [signed] = roundAt(key.host, key.at + 1000);
    assert.ok(signed);
    assert.notEqual(verifyHmac(deriveKey('other'), { vhid: 1, addresses: [ip('192.0.2.100')], counter: decoded(signed).counter }, decoded(signed).hmac), null);

    const peer = masterWithRound();
    peer.host.configure('carp0', { peers: [ip('192.0.2.2')] }, peer.at + 100);
    assert.equal(formatIp((roundAt(peer.host, peer.at + 1000)[0] as AdvertiseAction).destination), '192.0.2.2');

    const moved = masterWithRound();
    moved.host.setCarpdevRunning('eth1', true, moved.at + 50);
    moved.host.configure('carp0', { carpdev: 'eth1' }, moved.at + 100);
    becomeMaster(moved.host);
    assert.equal((roundAt(moved.host, moved.host.nextDeadline() as Millis)[0] as AdvertiseAction).carpdev, 'eth1');
  });

  it('a bow-out is its own round, and the round after a return to MASTER is a new one again', () => {
    const { host, at, first } = masterWithRound();
    const [bowOut] = adverts(host.setAdminUp('carp0', false, at + 100));
    assert.ok(bowOut?.bowOut);
    assert.equal(decoded(bowOut).advbase, 255);
    host.setAdminUp('carp0', true, at + 200);
    becomeMaster(host);
    const [back] = roundAt(host, host.nextDeadline() as Millis);
    assert.ok(back && !back.bowOut && back !== bowOut);
    assert.deepEqual(back.payload, first.payload);
  });
});
