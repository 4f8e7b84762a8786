/**
 * Every refusal of our caller's input: a CarpError with a stable code and a message naming the
 * valid values, and no change at all (status, deadlines and sysctls compared before and after).
 */
import assert from 'node:assert/strict';
import type { CarpHost } from '../../src/carp/host';
import type { CarpInterfaceChange, CarpState, ReceivedAdvertisement } from '../../src/carp/types';
import type { IpAddress } from '../../src/wire/address';
import { deriveKey } from '../../src/wire/hmac';
import { bringUp } from '../sim/setup';
import { assertRefused, becomeMaster, ip, peerAd, runningHost } from './helpers';

/** A MASTER carp0 (vhid 1) and a BACKUP carp1 (vhid 2) on eth0, plus carp2 (vhid 1) on eth1. */
function busyHost(): CarpHost {
  const host = runningHost({ groups: ['dmz'] });
  host.setCarpdevRunning('eth1', true, 0);
  bringUp(host, { ifname: 'carp1', vhid: 2, advskew: 100, addresses: ['192.0.2.101'] }, 0);
  bringUp(host, { ifname: 'carp2', carpdev: 'eth1', vhid: 1, addresses: ['198.51.100.1'] }, 0);
  becomeMaster(host);
  host.receive(peerAd({ advskew: 200 }), 3100);
  return host;
}

const badChanges: [string, CarpInterfaceChange, 'out-of-range' | 'bad-value' | 'vhid-in-use', RegExp][] = [
  ['advbase -1', { advbase: -1 }, 'out-of-range', /advbase -1 is out of range: valid values are 0-255/],
  ['advbase 256', { advbase: 256 }, 'out-of-range', /0-255/],
  ['advbase 1.5', { advbase: 1.5 }, 'out-of-range', /0-255/],
  ['advbase NaN', { advbase: NaN }, 'out-of-range', /0-255/],
  ['advskew 255 (reserved for bow-outs)', { nodes: [{ vhid: 1, advskew: 255 }] }, 'out-of-range', /advskew 255 .*0-254/],
  ['vhid 0', { nodes: [{ vhid: 0, advskew: 0 }] }, 'out-of-range', /vhid 0 .*1-255/],
  ['vhid 256', { nodes: [{ vhid: 256, advskew: 0 }] }, 'out-of-range', /1-255/],
  ['33 nodes', { nodes: Array.from({ length: 33 }, (_, i) => ({ vhid: i + 10, advskew: 0 })) }, 'out-of-range', /number of carpnodes 33 is out of range: valid values are 1-32/],
  ['a vhid twice', { nodes: [{ vhid: 5, advskew: 0 }, { vhid: 5, advskew: 9 }] }, 'bad-value', /vhid 5 is given twice: every carpnode needs its own vhid/],
  ['vhid 255 among several nodes', { nodes: [{ vhid: 1, advskew: 0 }, { vhid: 255, advskew: 0 }] }, 'out-of-range', /carpnodes vhid 255 is out of range: valid values are 1-254/],
  ['advskew 255 in a carpnode', { nodes: [{ vhid: 1, advskew: 0 }, { vhid: 3, advskew: 255 }] }, 'out-of-range', /advskew 255 .*0-254/],
  ['the vhid of carp1 on the same carpdev', { nodes: [{ vhid: 2, advskew: 0 }] }, 'vhid-in-use', /vhid 2 is in use on carp1 \(carpdev eth0\)/],
  ['a carpnode with the vhid of carp1', { nodes: [{ vhid: 1, advskew: 0 }, { vhid: 3, advskew: 0 }, { vhid: 2, advskew: 0 }] }, 'vhid-in-use', /vhid 2 is in use on carp1/],
  ...(['ip', 'ip-stealth', 'ip-unicast', 'arp'] as const).map((mode): [string, CarpInterfaceChange, 'bad-value', RegExp] => [
    `balancing ${mode} with one node`,
    { balancing: mode },
    'bad-value',
    new RegExp(`balancing ${mode} needs at least two carpnodes: give carpnodes in the same command`),
  ]),
  ['an unknown balancing mode', { balancing: 'round-robin' as never }, 'bad-value', /"round-robin" is not valid: valid modes are none, ip, ip-stealth, ip-unicast, arp/],
  ['moving to the carpdev of carp2 with its vhid', { carpdev: 'eth1' }, 'vhid-in-use', /in use on carp2/],
  ['a carpdev name with a slash', { carpdev: 'eth/0' }, 'bad-value', /is not an interface name/],
  ['a 16-byte carpdev name', { carpdev: 'abcdefghijklmnop' }, 'bad-value', /1-15 bytes/],
  ['a carp interface as carpdev', { carpdev: 'carp1' }, 'bad-value', /must be an Ethernet interface/],
  ['a group ending in a digit', { groups: ['dmz1'] }, 'bad-value', /not ending in a digit/],
  ['the carp group', { groups: ['carp'] }, 'bad-value', /in group carp already/],
  ['a group twice', { groups: ['dmz', 'dmz'] }, 'bad-value', /listed twice/],
  ['a 20-byte key', { key: { bytes: Buffer.alloc(20, 1), truncated: false } }, 'bad-value', /at most 19 bytes/],
];

describe('carp/errors: refusals change nothing', () => {
  for (const [what, change, code, message] of badChanges) {
    it(`configure refuses ${what}`, () => {
      const host = busyHost();
      assertRefused(host, code, () => host.configure('carp0', change, 4000), message);
    });
  }

  it('configure refuses the whole change when only one field is bad', () => {
    const host = busyHost();
    const change = { advbase: 3, key: deriveKey('x'), groups: ['lan'], nodes: [{ vhid: 1, advskew: 300 }] };
    assertRefused(host, 'out-of-range', () => host.configure('carp0', change, 4000));
  });

  it('the same vhid on another carpdev is fine', () => {
    const host = busyHost();
    host.configure('carp2', { nodes: [{ vhid: 2, advskew: 0 }] }, 4000);
    assert.deepEqual(host.status().interfaces[2]?.config.nodes, [{ vhid: 2, advskew: 0 }]);
  });

  for (const name of ['eth0', 'carp', 'carp1x', 'Carp1', `carp${'1'.repeat(12)}`]) {
    it(`createInterface refuses the name ${JSON.stringify(name)}`, () => {
      const host = busyHost();
      assertRefused(host, 'bad-value', () => host.createInterface(name, 4000), /use carp0 to carp9999, without leading zeros/);
    });
  }

  it('createInterface refuses an existing name', () => {
    const host = busyHost();
    assertRefused(host, 'interface-exists', () => host.createInterface('carp1', 4000), /carp1 already exists/);
  });

  it('every per-interface call refuses an unknown interface', () => {
    const host = busyHost();
    const calls: (() => unknown)[] = [
      () => host.destroyInterface('carp9', 4000),
      () => host.configure('carp9', {}, 4000),
      () => host.setAddresses('carp9', [], 4000),
      () => host.setAdminUp('carp9', false, 4000),
      () => host.forceState('carp9', 'MASTER', 4000),
    ];
    for (const call of calls) assertRefused(host, 'no-such-interface', call, /no carp interface carp9/);
  });

  it('setAddresses refuses a malformed address', () => {
    const host = busyHost();
    const bad = [{ family: 4, bytes: Buffer.alloc(16) }] as IpAddress[];
    assertRefused(host, 'bad-value', () => host.setAddresses('carp0', [ip('192.0.2.9'), ...bad], 4000));
  });

  it('setCarpdevRunning refuses a name that cannot be an interface', () => {
    const host = busyHost();
    assertRefused(host, 'bad-value', () => host.setCarpdevRunning('', false, 4000));
  });

  it('forceState refuses an unknown state and a stopped interface', () => {
    const host = busyHost();
    assertRefused(host, 'bad-value', () => host.forceState('carp0', 'DOWN' as CarpState, 4000), /INIT, BACKUP, MASTER/);
    host.setAdminUp('carp1', false, 4000);
    assertRefused(host, 'not-running', () => host.forceState('carp1', 'MASTER', 4100), /carp1 is not running \(interface down\)/);
  });

  it('adjustGroupDemotion refuses a missing group, a fraction and a result outside 0-255', () => {
    const host = busyHost();
    assertRefused(host, 'bad-value', () => host.adjustGroupDemotion('wan', 1, 4000), /existing groups are carp, dmz/);
    assertRefused(host, 'out-of-range', () => host.adjustGroupDemotion('dmz', 0.5, 4000));
    assertRefused(host, 'out-of-range', () => host.adjustGroupDemotion('dmz', 256, 4000), /0-255/);
  });

  it('a time that is not a finite number is refused', () => {
    const host = busyHost();
    assertRefused(host, 'bad-value', () => host.tick(NaN), /now must be a finite number/);
    const packet: ReceivedAdvertisement = peerAd();
    assertRefused(host, 'bad-value', () => host.receive(packet, Infinity));
  });
});
