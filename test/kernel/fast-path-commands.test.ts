import assert from 'node:assert/strict';
import {
  FIRST_PREFERENCE,
  filterPreference,
  installCommands,
  nftChainName,
  ourPreferences,
  removeMark,
  removeTcCommands,
  resetEgressCommands,
} from '../../src/kernel/fast-path-commands';
import { parseMac } from '../../src/wire/address';

const SPEC = { ifname: 'carp0', carpdev: 'eth0', mac: parseMac('00:00:5e:00:01:07') };
const line = (c: { tool: string; args: readonly string[] }): string => `${c.tool} ${c.args.join(' ')}`;

describe('kernel/fast-path-commands', () => {
  it('redirects IPv4 and IPv6 to the virtual MAC from the carpdev into carpN, matching all six bytes of the MAC', () => {
    const lines = installCommands(SPEC).map(line);
    for (const [protocol, pref] of [['ip', filterPreference(SPEC.mac, 0)], ['ipv6', filterPreference(SPEC.mac, 1)]] as const) {
      assert.ok(
        lines.includes(
          `tc filter add dev eth0 ingress pref ${pref} protocol ${protocol} u32 match u16 0x0000 0xffff at -14 match u32 0x5e000107 0xffffffff at -12 action mirred ingress redirect dev carp0`,
        ),
        lines.join('\n'),
      );
    }
    assert.ok(lines.includes('tc filter add dev carp0 egress pref 1 protocol ip u32 match u32 0 0 action mirred egress redirect dev eth0'));
    assert.ok(lines.includes('tc filter add dev carp0 egress pref 2 protocol ipv6 u32 match u32 0 0 action mirred egress redirect dev eth0'));
    assert.ok(lines.includes('nft add rule netdev carpd in_6361727030 ether daddr 00:00:5e:00:01:07 meta pkttype set host'));
  });

  it('installs the carpdev redirect last; removes carpN`s egress first, then the redirect', () => {
    const isRedirect = (l: string): boolean => l.startsWith('tc filter add dev eth0 ingress') || l.startsWith('tc filter del dev eth0 ingress');
    const install = installCommands(SPEC).map(line);
    assert.ok(isRedirect(install.at(-1) as string) && isRedirect(install.at(-2) as string));
    assert.deepEqual(removeTcCommands(SPEC).map(line), [
      'tc filter del dev carp0 egress',
      `tc filter del dev eth0 ingress pref ${filterPreference(SPEC.mac, 0)}`,
      `tc filter del dev eth0 ingress pref ${filterPreference(SPEC.mac, 1)}`,
    ]);
    assert.ok(removeMark(SPEC.ifname).map(line).includes('nft delete chain netdev carpd in_6361727030'));
  });

  it('replaces no qdisc on a running path: an install adds one only where it is missing, a removal deletes filters alone', () => {
    // A qdisc added to or deleted from a running device can drop a frame it is sending (docs/design.md).
    const qdiscs = installCommands(SPEC).filter((c) => c.args[0] === 'qdisc');
    assert.deepEqual(qdiscs.map(line), ['tc qdisc add dev carp0 clsact', 'tc qdisc add dev eth0 clsact']);
    assert.ok(qdiscs.every((c) => c.mayFail), 'each add fails where the qdisc is, and the install goes on');
    assert.deepEqual(removeTcCommands(SPEC).filter((c) => c.args[0] === 'qdisc'), []);
  });

  it('gives a carp interface just found an empty clsact qdisc in place of a crashed run`s', () => {
    assert.deepEqual(resetEgressCommands('carp0').map(line), ['tc qdisc del dev carp0 clsact', 'tc qdisc add dev carp0 clsact']);
    assert.ok(resetEgressCommands('carp0').every((c) => c.mayFail));
  });

  it('never deletes the carpdev qdisc, which other filters may share', () => {
    for (const command of [...installCommands(SPEC), ...removeTcCommands(SPEC), ...removeMark(SPEC.ifname)]) {
      assert.ok(!line(command).startsWith('tc qdisc del dev eth0'), line(command));
    }
  });

  it('gives each virtual MAC and family its own preference on a carpdev', () => {
    const seen = new Set<number>();
    for (const fifth of [1, 2]) {
      for (let vhid = 0; vhid < 256; vhid++) {
        for (const family of [0, 1] as const) seen.add(filterPreference(parseMac(`00:00:5e:00:0${fifth}:${vhid.toString(16).padStart(2, '0')}`), family));
      }
    }
    assert.equal(seen.size, 2 * 256 * 2);
    assert.ok(Math.min(...seen) >= FIRST_PREFERENCE && Math.max(...seen) < 65536);
  });

  it('names the nftables chain in hex, so any interface name is a valid identifier', () => {
    assert.equal(nftChainName('carp-1.x'), 'in_636172702d312e78');
  });

  it('finds only our preferences in a tc -json listing', () => {
    const listing = JSON.stringify([
      { protocol: 'ip', pref: 49152, kind: 'u32' },
      { protocol: 'ip', pref: 50514, kind: 'u32' },
      { protocol: 'ip', pref: 50514, kind: 'u32', options: {} },
      { protocol: 'ipv6', pref: 50515, kind: 'u32' },
    ]);
    assert.deepEqual(ourPreferences(listing), [50514, 50515]);
    assert.deepEqual(ourPreferences(''), []);
    assert.deepEqual(ourPreferences('{"pref": 50514}'), []);
  });
});
