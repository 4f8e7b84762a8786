/** The layer-2 face of carpN per balancing mode, MAC by MAC (docs/protocol.md §1.6, §4.3). */
import assert from 'node:assert/strict';
import type { BalancingMode } from '../../src/balance/modes';
import { BY_IP_HASH } from '../../src/balance/node-selectors';
import { type LinkLayer, advertisementSourceMac, linkLayerOf } from '../../src/carp/link-layer';
import { formatMac } from '../../src/wire/address';

/** carpnodes 3:0,7:100,9:50 in vhid order: the leader is vhid 3. */
const THREE_NODES = [
  { vhid: 3, advskew: 0 },
  { vhid: 7, advskew: 100 },
  { vhid: 9, advskew: 50 },
];

/** Every MAC as text, so that a mismatch shows the addresses. */
function printed(layer: LinkLayer): unknown {
  const mac = (m: Buffer | null): string | null => (m === null ? null : formatMac(m));
  return {
    balancing: layer.balancing,
    tapMac: mac(layer.tapMac),
    wireMac: mac(layer.wireMac),
    receive: layer.receive.map((r) => [mac(r.mac), r.node]),
    advertisementSources: layer.advertisementSources.map(mac),
  };
}

describe('carp/link-layer', () => {
  it('has no MAC at all before a vhid is set', () => {
    assert.deepEqual(printed(linkLayerOf({ nodes: [], balancing: 'none' })), {
      balancing: 'none',
      tapMac: null,
      wireMac: null,
      receive: [],
      advertisementSources: [],
    });
  });

  it('one node (none): the leader virtual MAC everywhere, frames to it for node 0', () => {
    assert.deepEqual(printed(linkLayerOf({ nodes: [{ vhid: 200, advskew: 0 }], balancing: 'none' })), {
      balancing: 'none',
      tapMac: '00:00:5e:00:01:c8',
      wireMac: '00:00:5e:00:01:c8',
      receive: [['00:00:5e:00:01:c8', 0]],
      advertisementSources: ['00:00:5e:00:01:c8'],
    });
  });

  const expected: Record<Exclude<BalancingMode, 'none'>, unknown> = {
    // The world sees the multicast MAC; the TAP keeps the unicast one; ads from the carpdev's MAC.
    ip: {
      balancing: 'ip',
      tapMac: '00:00:5e:00:01:03',
      wireMac: '01:00:5e:00:01:03',
      receive: [['01:00:5e:00:01:03', BY_IP_HASH]],
      advertisementSources: [null, null, null],
    },
    'ip-stealth': {
      balancing: 'ip-stealth',
      tapMac: '00:00:5e:00:01:03',
      wireMac: '00:00:5e:00:01:03',
      receive: [['00:00:5e:00:01:03', BY_IP_HASH]],
      advertisementSources: [null, null, null],
    },
    'ip-unicast': {
      balancing: 'ip-unicast',
      tapMac: '00:00:5e:00:01:03',
      wireMac: '00:00:5e:00:01:03',
      receive: [['00:00:5e:00:01:03', BY_IP_HASH]],
      advertisementSources: ['00:00:5e:00:01:03', '00:00:5e:00:01:03', '00:00:5e:00:01:03'],
    },
    arp: {
      balancing: 'arp',
      tapMac: '00:00:5e:00:01:03',
      wireMac: '00:00:5e:00:01:03',
      receive: [
        ['00:00:5e:00:01:03', 0],
        ['00:00:5e:00:01:07', 1],
        ['00:00:5e:00:01:09', 2],
      ],
      advertisementSources: ['00:00:5e:00:01:03', '00:00:5e:00:01:07', '00:00:5e:00:01:09'],
    },
  };
  for (const [mode, layer] of Object.entries(expected)) {
    it(`three nodes, balancing ${mode}`, () => {
      assert.deepEqual(printed(linkLayerOf({ nodes: THREE_NODES, balancing: mode as BalancingMode })), layer);
    });
  }

  it('several nodes with none configured are balancing ip (OpenBSD 5.8 and later)', () => {
    assert.deepEqual(printed(linkLayerOf({ nodes: THREE_NODES, balancing: 'none' })), expected.ip);
  });

  it('advertisementSourceMac answers per vhid as the list does', () => {
    const arp = { nodes: THREE_NODES, balancing: 'arp' } as const;
    assert.equal(formatMac(advertisementSourceMac(arp, 7) as Buffer), '00:00:5e:00:01:07');
    assert.equal(advertisementSourceMac({ nodes: THREE_NODES, balancing: 'ip-stealth' }, 7), null);
    assert.equal(advertisementSourceMac({ nodes: [], balancing: 'none' }, 7), null);
  });
});
