/** The sentence of carpctl carpN explain for each receive rule (src/daemon/explain.ts), on made-up status. */
import assert from 'node:assert/strict';
import { zeroNodeStats } from '../../src/carp/stats';
import type { CarpState, InterfaceStatus, NodeStatus, PeerStatus } from '../../src/carp/types';
import { explainInterface } from '../../src/daemon/explain';
import { parseIp } from '../../src/wire/address';
import { deriveKey } from '../../src/wire/hmac';

const NOW = 100_000;

function peer(advbase: number, advskew: number, demote: number, lastSeen = NOW - 500): PeerStatus {
  return { source: parseIp('192.0.2.1'), advbase, advskew, demote, counter: Buffer.alloc(8), lastSeen };
}

function node(state: CarpState, peers: PeerStatus[], transition: NodeStatus['lastTransition'] = { reason: 'master-down', at: NOW - 2000 }): NodeStatus {
  return { vhid: 1, advskew: 100, effectiveAdvskew: 100, vrrp: null, state, lastTransition: transition, peers, nextTimer: null, stats: zeroNodeStats() };
}

function ruleOf(n: NodeStatus, { demote = 0, preempt = false, haltReason = null as InterfaceStatus['haltReason'] } = {}): string {
  const status: InterfaceStatus = {
    name: 'carp0',
    config: { carpdev: 'eth0', advbase: 1, key: deriveKey(''), nodes: [{ vhid: 1, advskew: 100 }], balancing: 'none', groups: [], garpRefresh: 0, peers: [], vrrp: null },
    adminUp: true,
    carpdevRunning: true,
    linkUp: n.state === 'MASTER',
    haltReason,
    addresses: [],
    demote,
    balancing: 'none',
    nodes: [n],
  };
  return explainInterface(status, NOW, preempt).nodes[0]?.rule ?? '';
}

describe('daemon/explain rules', () => {
  it('BACKUP: names the rule that keeps it', () => {
    const at = 'BACKUP: the master at 192.0.2.1';
    assert.equal(ruleOf(node('BACKUP', [])), 'BACKUP: no advertisement heard yet; MASTER when the master-down timer expires');
    assert.equal(ruleOf(node('BACKUP', [peer(1, 100, 0)])), `${at} advertises advbase 1 advskew 100, the same as ours: a tie keeps the master in place`);
    assert.equal(ruleOf(node('BACKUP', [peer(1, 100, 0)]), { demote: 1 }), `${at} is less demoted (demote 0, ours 1)`);
    assert.equal(ruleOf(node('BACKUP', [peer(1, 0, 2)])), `${at} is more demoted (demote 2, ours 0): its next advertisement makes this host MASTER`);
    assert.equal(
      ruleOf(node('BACKUP', [peer(2, 0, 0)]), { preempt: true }),
      `${at} advertises advbase 2 advskew 0, worse than ours (advbase 1 advskew 100): with preempt on, its next advertisement makes this host MASTER`,
    );
    assert.equal(ruleOf(node('BACKUP', [peer(1, 0, 1)]), { demote: 1 }), `${at} advertises advbase 1 advskew 0 demote 1, better than ours (advbase 1 advskew 100 demote 1)`);
  });

  it('MASTER: only what was heard since the takeover counts', () => {
    const since = 'MASTER (master down timer expired)';
    assert.equal(ruleOf(node('MASTER', [peer(1, 0, 0, NOW - 5000)])), `${since}: no advertisement heard since`);
    assert.equal(ruleOf(node('MASTER', [peer(255, 255, 0)])), `${since}: 192.0.2.1 bowed out (advbase 255 advskew 255) and has sent nothing since`);
    assert.equal(ruleOf(node('MASTER', [peer(1, 0, 3)])), `${since}: 192.0.2.1 advertises advbase 1 advskew 0 demote 3, as good as ours or better, but it is more demoted (ours 0)`);
    assert.equal(ruleOf(node('MASTER', [peer(1, 200, 0)])), `${since}: 192.0.2.1 advertises advbase 1 advskew 200, worse than ours (advbase 1 advskew 100)`);
  });

  it('INIT: the reason it is there', () => {
    assert.equal(ruleOf(node('INIT', [], { reason: 'unconfigured', at: 0 })), 'INIT: no vhid, no address or no carpdev');
    assert.equal(ruleOf(node('INIT', [], null)), 'INIT: not started yet');
  });

  it('INIT: why it does not run now comes before why it last stopped', () => {
    const waiting = node('INIT', [], { reason: 'admin-down', at: 0 });
    assert.equal(ruleOf(waiting, { haltReason: 'kernel-setup' }), 'INIT: waiting for the ARP settings of the carpdev and the policy routes');
    assert.equal(ruleOf(node('INIT', [], null), { haltReason: 'unconfigured' }), 'INIT: no vhid, no address or no carpdev');
  });
});
