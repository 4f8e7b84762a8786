import assert from 'node:assert/strict';
import type { CarpHost } from '../../src/carp/host';
import type { CarpdevStats } from '../../src/carp/types';
import { VIP4, VIP6 } from '../sim/setup';
import { becomeMaster, peerAd, runningHost } from './helpers';
import { vrrp2, vrrp3 } from './vrrp-packets';

function carpdevStats(host: CarpHost): CarpdevStats {
  const found = host.status().carpdevs.find((c) => c.name === 'eth0');
  assert.ok(found);
  return found.stats;
}

/** The host's status with every counter left out: what a dropped packet must not change. */
function withoutCounters(host: CarpHost): unknown {
  const status = host.status();
  return status.interfaces.map((i) => ({ ...i, nodes: i.nodes.map((n) => ({ ...n, stats: null })) }));
}

describe('carp/receive: VRRP on the CARP groups (docs/protocol.md §8.2)', () => {
  const cases = {
    'VRRPv2 with one address': vrrp2({ vrid: 1, addresses: [VIP4] }),
    'VRRPv2 with five addresses (36 bytes, byte 3 = 5)': vrrp2({ vrid: 1, addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'] }),
    'VRRPv3 over IPv4': vrrp3({ vrid: 1, addresses: [VIP4] }),
    'VRRPv3 with seven IPv4 addresses (36 bytes, byte 3 = 7, like a CARP header)': vrrp3({
      vrid: 1,
      addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7'],
    }),
    'VRRPv3 over IPv6': vrrp3({ vrid: 1, addresses: ['fe80::1', VIP6] }),
  };

  for (const [name, packet] of Object.entries(cases)) {
    it(`${name}, with the vhid's number as VRID: counted as vrrp, nothing else changes`, () => {
      const host = runningHost({ addresses: [VIP4, VIP6] });
      becomeMaster(host);
      const before = withoutCounters(host);
      const deadline = host.nextDeadline();
      assert.deepEqual(host.receive(packet, 1_000), [], 'no action, not even a drop to log');
      const { vrrp, ipackets, ipackets6, hdrops, badsum, badver, badvhid } = carpdevStats(host);
      assert.deepEqual({ vrrp, hdrops, badsum, badver, badvhid }, { vrrp: 1, hdrops: 0, badsum: 0, badver: 0, badvhid: 0 });
      assert.equal(ipackets + ipackets6, 1);
      assert.deepEqual(withoutCounters(host), before);
      assert.equal(host.nextDeadline(), deadline);
    });
  }

  it('a VRRP-shaped packet whose checksum fails is not VRRP: it stays a CARP error', () => {
    const host = runningHost();
    const v2 = vrrp2({ vrid: 1, addresses: [VIP4] });
    const broken = Buffer.from(v2.payload);
    broken[2] = 7;
    host.receive({ ...v2, payload: broken }, 10);
    const v3 = vrrp3({ vrid: 1, addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7'] });
    // The right checksum for another source address: only the pseudo-header tells.
    host.receive({ ...v3, source: peerAd().source }, 20);
    assert.deepEqual([carpdevStats(host).vrrp, carpdevStats(host).hdrops, carpdevStats(host).badsum], [0, 1, 1]);
  });

  it('VRRPv2 over IPv6 does not exist: such a packet is not counted as VRRP', () => {
    const host = runningHost();
    host.receive({ ...vrrp2({ vrid: 1, addresses: [VIP4] }), family: 6 }, 10);
    assert.deepEqual([carpdevStats(host).vrrp, carpdevStats(host).hdrops], [0, 1]);
  });

  it('a CARP advertisement is never taken for VRRP', () => {
    const host = runningHost();
    host.receive(peerAd({ advskew: 100 }), 10);
    host.receive(peerAd({ advskew: 100, passphrase: 'wrong' }), 20);
    assert.equal(carpdevStats(host).vrrp, 0);
    assert.deepEqual([host.status().interfaces[0]?.nodes[0]?.stats.accepted, host.status().interfaces[0]?.nodes[0]?.stats.badauth], [1, 1]);
  });
});
