import assert from 'node:assert/strict';
import type { CarpState, InterfaceStatus, NodeStatus } from '../../src/carp/types';
import { NAMED_INTERFACES_MAX, statusLine } from '../../src/daemon/status-line';
import { parseIp } from '../../src/wire/address';

function node(vhid: number, state: CarpState): NodeStatus {
  return { vhid, state, advskew: 0, effectiveAdvskew: 0, vrrp: null, lastTransition: null, peers: [], nextTimer: null, stats: {} as NodeStatus['stats'] };
}

function iface(name: string, states: readonly CarpState[], overrides: Partial<InterfaceStatus> = {}): InterfaceStatus {
  return {
    name,
    config: { carpdev: 'eth0', advbase: 1, key: Buffer.alloc(20), nodes: [], balancing: 'none', groups: [] } as unknown as InterfaceStatus['config'],
    adminUp: true,
    carpdevRunning: true,
    linkUp: states.includes('MASTER'),
    haltReason: null,
    addresses: [parseIp('10.77.0.50')],
    demote: 0,
    balancing: 'none',
    nodes: states.map((state, i) => node(i + 1, state)),
    ...overrides,
  };
}

describe('daemon/status-line: STATUS= for systemctl status', () => {
  it('names each interface with its state, and the virtual hosts that differ', () => {
    assert.equal(statusLine([iface('carp0', ['MASTER']), iface('carp1', ['BACKUP', 'BACKUP'])], true), '2 interfaces: carp0 MASTER, carp1 BACKUP');
    assert.equal(statusLine([iface('carp1', ['BACKUP', 'MASTER', 'BACKUP'])], true), '1 interface: carp1 BACKUP (vhid 2 MASTER)');
    assert.equal(statusLine([iface('carp2', [])], true), '1 interface: carp2 no vhid');
    assert.equal(statusLine([], true), 'no carp interfaces');
    assert.equal(statusLine([iface('carp0', ['BACKUP'])], true, true), '1 interface: carp0 BACKUP; maintenance mode (demoted by 240)');
  });

  it('says which interfaces do not run and the first reason', () => {
    const down = iface('carp0', ['INIT'], { adminUp: false });
    const noLink = iface('carp1', ['INIT'], { carpdevRunning: false });
    assert.equal(statusLine([down, noLink], true), '2 interfaces: carp0 INIT, carp1 INIT; not running: carp0 (down), carp1 (carpdev eth0 not running)');
    assert.equal(statusLine([iface('carp0', ['INIT'])], false), '1 interface: carp0 INIT; not running: carp0 (net.inet.carp.allow is 0)');
    assert.equal(statusLine([iface('carp0', ['INIT'], { addresses: [] })], true), '1 interface: carp0 INIT; not running: carp0 (no address)');
  });

  it('counts states instead of naming more than a screenful of interfaces', () => {
    const many = Array.from({ length: 255 }, (_, i) => iface(`carp${i}`, [i < 200 ? 'MASTER' : i < 250 ? 'BACKUP' : 'INIT'], { adminUp: i < 250 }));
    const line = statusLine(many, true);
    assert.equal(
      line,
      `255 interfaces: 200 MASTER, 50 BACKUP, 5 INIT (255 virtual hosts); not running: carp250 (down), carp251 (down), carp252 (down), carp253 (down), carp254 (down)`,
    );
    const stopped = Array.from({ length: NAMED_INTERFACES_MAX + 3 }, (_, i) => iface(`carp${i}`, ['INIT'], { adminUp: false }));
    assert.match(statusLine(stopped, true), /not running: carp0 \(down\), .*carp7 \(down\) and 3 more$/);
  });
});
