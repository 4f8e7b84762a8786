import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import type { Action, AdvertiseAction, AnnounceAction, ReceivedAdvertisement } from '../../src/carp/types';
import { formatIp, formatMac, parseIp } from '../../src/wire/address';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP } from '../../src/wire/carp';
import { decodeVrrp3, encodeVrrp3, sealVrrp3, vrrp3Length } from '../../src/wire/vrrp';
import { VIP4, VIP6 } from '../sim/setup';
import { adverts, assertRefused, countingRandom, drops, nodeState, peerAd, runTimers, states } from './helpers';

const LOCAL4 = '192.0.2.5';

interface VrrpHostOptions {
  readonly priority?: number;
  readonly interval?: number;
  readonly addresses?: readonly string[];
  readonly sysctls?: readonly (readonly [string, string])[];
}

/** carp0 on eth0 with vhid 7 carpver 3, BACKUP at time 0. */
function vrrpHost(options: VrrpHostOptions = {}): CarpHost {
  const host = new CarpHost({ random: countingRandom() });
  host.setCarpdevRunning('eth0', true, 0);
  for (const [name, value] of options.sysctls ?? []) host.setSysctl(name, value, 0);
  host.createInterface('carp0', 0);
  host.configure(
    'carp0',
    { carpdev: 'eth0', nodes: [{ vhid: 7, advskew: 0 }], vrrp: { priority: options.priority ?? 100, intervalCentiseconds: options.interval ?? 100 } },
    0,
  );
  host.setAddresses('carp0', (options.addresses ?? [VIP4]).map(parseIp), 0);
  host.setAdminUp('carp0', true, 0);
  assert.equal(nodeState(host), 'BACKUP');
  return host;
}

interface Advert {
  readonly priority: number;
  readonly interval?: number;
  readonly addresses?: readonly string[];
  readonly source?: string;
  readonly ttl?: number;
  readonly vrid?: number;
  readonly destination?: string;
}

/** A VRRPv3 advertisement from another router, as the relay hands it to the core. */
function advert(ad: Advert): ReceivedAdvertisement {
  const addresses = (ad.addresses ?? [VIP4]).map(parseIp);
  const family = addresses[0]?.family === 6 ? 6 : 4;
  const source = parseIp(ad.source ?? (family === 4 ? '192.0.2.9' : 'fe80::9'));
  const destination = ad.destination === undefined ? (family === 4 ? CARP_IPV4_GROUP : CARP_IPV6_GROUP) : parseIp(ad.destination);
  const payload = Buffer.alloc(vrrp3Length(family, addresses.length));
  encodeVrrp3({ vrid: ad.vrid ?? 7, priority: ad.priority, intervalCentiseconds: ad.interval ?? 100, addresses }, { source, destination }, payload);
  const local = parseIp(family === 4 ? LOCAL4 : 'fe80::5');
  return { carpdev: 'eth0', family, source, destination, ttl: ad.ttl ?? 255, payload, localSource: local };
}

/** What an advertisement of ours says, decoded with the codec once sealed for a source. */
function sent(action: AdvertiseAction): { priority: number; interval: number; vrid: number; addresses: string[] } {
  assert.equal(action.protocol, 'vrrp3');
  const endpoints = { source: parseIp(action.family === 4 ? LOCAL4 : 'fe80::5'), destination: action.destination };
  const sealed = sealVrrp3(action.payload, endpoints);
  const ad = decodeVrrp3(sealed, 0, sealed.length, endpoints);
  return { priority: ad.priority, interval: ad.intervalCentiseconds, vrid: ad.vrid, addresses: ad.addresses.map(formatIp) };
}

function masterAt(host: CarpHost): number {
  const at = host.nextDeadline();
  assert.ok(at !== null);
  host.tick(at);
  assert.equal(nodeState(host), 'MASTER');
  return at;
}

function announces(actions: readonly Action[]): AnnounceAction[] {
  return actions.filter((a): a is AnnounceAction => a.kind === 'announce');
}

describe('carp/vrrp: carpver 3 speaks VRRPv3 (RFC 5798)', () => {
  describe('timers', () => {
    it('times out after 3 * interval + ((256 - priority) * interval) / 256, then advertises every interval', () => {
      const host = vrrpHost({ priority: 200, interval: 100 });
      // 3 * 1000 ms + (56 * 100 / 256) cs = 3000 + 218.75 ms.
      assert.equal(host.nextDeadline(), 3218.75);
      assert.deepEqual(runTimers(host, 3218.74), []);
      const out = runTimers(host, 3218.75);
      assert.deepEqual(states(out).map((s) => [s.to, s.reason]), [['MASTER', 'master-down']]);
      const [ad] = adverts(out);
      assert.ok(ad);
      assert.deepEqual(sent(ad), { priority: 200, interval: 100, vrid: 7, addresses: [VIP4] });
      assert.equal(formatIp(ad.destination), '224.0.0.18');
      assert.equal(formatMac(ad.sourceMac as Buffer), '00:00:5e:00:01:07');
      assert.equal(host.nextDeadline(), 4218.75);
    });

    it('a backup times out with the interval the master advertises (Master_Adver_Interval), not its own', () => {
      const host = vrrpHost({ priority: 100, interval: 100 });
      host.receive(advert({ priority: 200, interval: 10 }), 1000);
      // 3 * 100 ms + (156 * 10 / 256) cs = 300 + 60.9375 ms.
      assert.equal(host.nextDeadline(), 1000 + 360.9375);
      assert.equal(host.status().interfaces[0]?.nodes[0]?.vrrp?.masterInterval, 10);
    });

    it('a larger priority times out first: skew makes the highest backup the next master', () => {
      const high = vrrpHost({ priority: 250 });
      const low = vrrpHost({ priority: 10 });
      assert.ok((high.nextDeadline() as number) < (low.nextDeadline() as number));
    });
  });

  describe('election', () => {
    it('a MASTER yields to a higher priority and learns its interval', () => {
      const host = vrrpHost({ priority: 100 });
      masterAt(host);
      const out = host.receive(advert({ priority: 101, interval: 50 }), 4000);
      assert.deepEqual(states(out).map((s) => [s.to, s.reason]), [['BACKUP', 'higher-priority']]);
      assert.equal(host.nextDeadline(), 4000 + 1500 + (156 * 50 * 10) / 256);
    });

    it('on equal priorities the higher primary address wins (RFC 5798 6.4.3)', () => {
      const lower = vrrpHost();
      masterAt(lower);
      assert.deepEqual(states(lower.receive(advert({ priority: 100, source: '192.0.2.9' }), 4000)).map((s) => s.reason), ['higher-address']);
      const higher = vrrpHost();
      masterAt(higher);
      assert.deepEqual(higher.receive(advert({ priority: 100, source: '192.0.2.1' }), 4000), []);
      assert.equal(nodeState(higher), 'MASTER');
    });

    it('a MASTER ignores a lower priority; a BACKUP with preempt off follows it, with net.inet.carp.preempt=1 takes over at once', () => {
      const master = vrrpHost({ priority: 200 });
      masterAt(master);
      assert.deepEqual(master.receive(advert({ priority: 100 }), 4000), []);
      const patient = vrrpHost({ priority: 200 });
      assert.deepEqual(states(patient.receive(advert({ priority: 100 }), 1000)), []);
      assert.equal(nodeState(patient), 'BACKUP');
      assert.equal(patient.nextDeadline(), 1000 + 3218.75);
      const eager = vrrpHost({ priority: 200, sysctls: [['net.inet.carp.preempt', '1']] });
      const out = eager.receive(advert({ priority: 100 }), 1000);
      assert.deepEqual(states(out).map((s) => [s.to, s.reason]), [['MASTER', 'preempt-priority']]);
      assert.equal(sent(adverts(out)[0] as AdvertiseAction).priority, 200);
      assert.equal(eager.status().interfaces[0]?.nodes[0]?.stats.preempts, 1);
    });

    it('never preempts priority 255, the address owner, whose list may differ from ours', () => {
      const host = vrrpHost({ priority: 254, sysctls: [['net.inet.carp.preempt', '1']] });
      assert.deepEqual(host.receive(advert({ priority: 255, addresses: [VIP4, '192.0.2.200'] }), 1000), []);
      assert.equal(nodeState(host), 'BACKUP');
      assert.equal(host.status().interfaces[0]?.nodes[0]?.stats.accepted, 1);
    });
  });

  describe('bow-out and demotion', () => {
    it('a MASTER that goes down sends priority 0', () => {
      const host = vrrpHost();
      masterAt(host);
      const out = host.setAdminUp('carp0', false, 5000);
      const [ad] = adverts(out);
      assert.ok(ad?.bowOut);
      assert.equal(sent(ad).priority, 0);
    });

    it('a BACKUP hearing priority 0 takes over after its skew time, not its master-down interval', () => {
      const host = vrrpHost({ priority: 100 });
      host.receive(advert({ priority: 200 }), 1000);
      assert.deepEqual(host.receive(advert({ priority: 0 }), 2000), []);
      // (256 - 100) * 100 cs / 256 = 609.375 ms.
      assert.equal(host.nextDeadline(), 2000 + 609.375);
      assert.deepEqual(states(runTimers(host, 2609.375)).map((s) => s.to), ['MASTER']);
      assert.equal(host.status().interfaces[0]?.nodes[0]?.stats.bowOutsReceived, 1);
    });

    it('a MASTER hearing priority 0 advertises at once and stays', () => {
      const host = vrrpHost();
      masterAt(host);
      const out = host.receive(advert({ priority: 0 }), 3500);
      assert.equal(adverts(out).length, 1);
      assert.equal(nodeState(host), 'MASTER');
      assert.equal(host.nextDeadline(), 4500);
    });

    it('subtracts the demotion from the priority it sends, never below 1, and advertises the change at once', () => {
      const host = vrrpHost({ priority: 200 });
      masterAt(host);
      const demoted = host.setSysctl('net.inet.carp.demotion', '50', 4000);
      assert.deepEqual(adverts(demoted).map(sent).map((a) => a.priority), [150]);
      const floor = host.setSysctl('net.inet.carp.demotion', '1000', 4100);
      assert.deepEqual(adverts(floor).map(sent).map((a) => a.priority), [1]);
      assert.equal(host.status().interfaces[0]?.nodes[0]?.vrrp?.priority, 1);
    });
  });

  describe('a stalled loop', () => {
    it('reacts to a third of the master-down interval of a backup timing out with our vrrpinterval', () => {
      const host = vrrpHost({ interval: 10 });
      masterAt(host);
      // 3 * 100 ms + (2 * 10 / 256) cs for the best backup there can be (priority 254).
      assert.equal(host.loopLagLimit(), (300 + (2 * 10 * 10) / 256) / 3);
    });
  });

  describe('receiving', () => {
    function dropped(host: CarpHost, packet: ReceivedAdvertisement): string[] {
      return drops(host.receive(packet, 1000)).map((d) => d.reason);
    }

    it('drops, by reason, a TTL other than 255, an address list not ours, a unicast not from the carppeer, our own packet', () => {
      const host = vrrpHost();
      assert.deepEqual(dropped(host, advert({ priority: 200, ttl: 64 })), ['badttl']);
      assert.deepEqual(dropped(host, advert({ priority: 200, addresses: ['192.0.2.201'] })), ['badaddrs']);
      assert.deepEqual(dropped(host, advert({ priority: 200, destination: LOCAL4 })), ['badpeer']);
      assert.deepEqual(dropped(host, advert({ priority: 200, source: LOCAL4 })), ['loop']);
      const stats = host.status().interfaces[0]?.nodes[0]?.stats;
      assert.deepEqual([stats?.badttl, stats?.badaddrs, stats?.badpeer, stats?.loop, stats?.accepted], [1, 1, 1, 1, 0]);
      assert.equal(host.nextDeadline(), 3000 + 609.375, 'none restarted the master-down timer');
    });

    it('drops CARP for a carpver 3 vhid as wrongver, and counts VRRP for other vrids as a neighbour', () => {
      const host = vrrpHost();
      assert.deepEqual(dropped(host, peerAd({ vhid: 7 })), ['wrongver']);
      assert.deepEqual(dropped(host, advert({ priority: 200, vrid: 8 })), []);
      assert.equal(host.status().carpdevs[0]?.stats.vrrp, 1);
    });
  });

  describe('IPv6', () => {
    it('advertises from 00:00:5e:00:02:VRID to ff02::12 and announces IPv6 addresses with that MAC, IPv4 with ...:01:VRID', () => {
      const host = vrrpHost({ addresses: [VIP4, VIP6] });
      const at = host.nextDeadline() as number;
      const out = host.tick(at);
      const ads = adverts(out);
      assert.deepEqual(ads.map((a) => [a.family, formatIp(a.destination), formatMac(a.sourceMac as Buffer)]), [
        [4, '224.0.0.18', '00:00:5e:00:01:07'],
        [6, 'ff02::12', '00:00:5e:00:02:07'],
      ]);
      assert.deepEqual(ads.map(sent).map((a) => a.addresses), [[VIP4], [VIP6]]);
      assert.deepEqual(announces(out).map((a) => [formatMac(a.mac), a.addresses.map(formatIp)]), [
        ['00:00:5e:00:01:07', [VIP4]],
        ['00:00:5e:00:02:07', [VIP6]],
      ]);
    });
  });

  describe('configuration', () => {
    it('keeps the protocol of a vhid: changing it is refused and changes nothing', () => {
      const host = vrrpHost();
      assertRefused(host, 'bad-value', () => host.configure('carp0', { vrrp: null }, 10), /recreate the vhid to change carpver/);
      host.configure('carp0', { nodes: [{ vhid: 8, advskew: 0 }], vrrp: null }, 20);
      assert.equal(host.status().interfaces[0]?.config.vrrp, null);
    });

    it('refuses carpnodes and balancing with VRRP', () => {
      const host = vrrpHost();
      const two = [
        { vhid: 7, advskew: 0 },
        { vhid: 8, advskew: 0 },
      ];
      assertRefused(host, 'bad-value', () => host.configure('carp0', { nodes: two, balancing: 'arp' }, 10), /VRRP has no carpnodes/);
    });
  });
});
