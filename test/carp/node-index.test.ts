/**
 * The receive path finds a node by carpdev and vhid in an index (context.ts nodeOn) made on the
 * first advertisement after a change. Each change of which nodes exist where must reach it.
 */
import assert from 'node:assert/strict';
import type { CarpHost } from '../../src/carp/host';
import { VIP4, bringUp } from '../sim/setup';
import { peerAd, runningHost } from './helpers';

/** What a peer's advertisement for `vhid` (signed over `address`) on `carpdev` was counted as. */
function hear(host: CarpHost, vhid: number, carpdev = 'eth0', address = VIP4): 'accepted' | 'badvhid' | 'other' {
  const counts = (): [number, number] => [
    host.status().carpdevs.find((c) => c.name === carpdev)?.stats.badvhid ?? 0,
    host.status().interfaces.flatMap((i) => i.nodes).reduce((sum, n) => sum + n.stats.accepted, 0),
  ];
  const [badvhid, accepted] = counts();
  host.receive(peerAd({ vhid, carpdev, addresses: [address] }), 500);
  const [badvhidAfter, acceptedAfter] = counts();
  if (acceptedAfter > accepted) return 'accepted';
  return badvhidAfter > badvhid ? 'badvhid' : 'other';
}

describe('carp/receive: the node an advertisement is for, after changes', () => {
  it('finds the node of an interface configured after the first advertisement', () => {
    const host = runningHost();
    assert.equal(hear(host, 2, 'eth0', '192.0.2.101'), 'badvhid');
    bringUp(host, { ifname: 'carp1', vhid: 2, addresses: ['192.0.2.101'] }, 100);
    assert.equal(hear(host, 2, 'eth0', '192.0.2.101'), 'accepted');
  });

  it('follows a change of vhid', () => {
    const host = runningHost();
    assert.equal(hear(host, 1), 'accepted');
    host.configure('carp0', { nodes: [{ vhid: 3, advskew: 0 }] }, 100);
    assert.equal(hear(host, 1), 'badvhid');
    assert.equal(hear(host, 3), 'accepted');
  });

  it('follows a change of carpdev', () => {
    const host = runningHost();
    host.setCarpdevRunning('eth1', true, 0);
    assert.equal(hear(host, 1), 'accepted');
    host.configure('carp0', { carpdev: 'eth1' }, 100);
    assert.equal(hear(host, 1, 'eth0'), 'badvhid');
    assert.equal(hear(host, 1, 'eth1'), 'accepted');
  });

  it('forgets the nodes of a destroyed interface', () => {
    const host = runningHost();
    bringUp(host, { ifname: 'carp1', vhid: 2, addresses: ['192.0.2.101'] }, 0);
    assert.equal(hear(host, 2, 'eth0', '192.0.2.101'), 'accepted');
    host.destroyInterface('carp1', 100);
    assert.equal(hear(host, 2, 'eth0', '192.0.2.101'), 'badvhid');
  });
});
