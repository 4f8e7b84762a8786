import assert from 'node:assert/strict';
import { CarpError } from '../../src/carp/errors';
import type { CarpInterfaceConfig } from '../../src/carp/types';
import type { ResolvedInterfaceSettings } from '../../src/config/settings';
import {
  PASS_TRUNCATED_WARNING,
  type PlannedChange,
  planChanges,
  wantedFromSettings,
} from '../../src/daemon/configuration-plan';
import { parseIp as ip } from '../../src/wire/address';
import { deriveKey } from '../../src/wire/hmac';

const blank: CarpInterfaceConfig = { carpdev: null, advbase: 1, key: deriveKey(''), nodes: [], balancing: 'none', groups: [], garpRefresh: 0, peers: [], vrrp: null };
const running: CarpInterfaceConfig = {
  carpdev: 'eth0',
  advbase: 1,
  key: deriveKey('secret'),
  nodes: [{ vhid: 1, advskew: 100 }],
  balancing: 'none',
  groups: ['fw'],
  garpRefresh: 0,
  peers: [],
  vrrp: null,
};

/** The plan for `settings` on an interface configured as `config`, up or not. */
function plan(config: CarpInterfaceConfig, settings: ResolvedInterfaceSettings, adminUp = true): PlannedChange[] {
  return planChanges({ config, adminUp }, wantedFromSettings('carp0', config, settings).wanted);
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e: unknown) {
    assert.ok(e instanceof CarpError);
    return e.message;
  }
  assert.fail('expected a CarpError');
}

describe('daemon/configuration-plan', () => {
  it('turns the ifconfig words into one core change, then the kernel`s up', () => {
    const words: ResolvedInterfaceSettings = {
      vhid: 7,
      advskew: 50,
      advbase: 2,
      carpdev: 'eth0',
      pass: { kind: 'text', text: 'secret' },
      up: true,
    };
    assert.deepEqual(plan(blank, words, false), [
      {
        kind: 'configure',
        change: { carpdev: 'eth0', advbase: 2, key: deriveKey('secret'), nodes: [{ vhid: 7, advskew: 50 }] },
      },
      { kind: 'admin', up: true },
    ]);
  });

  it('plans nothing for words that ask for what runs already', () => {
    assert.deepEqual(plan(running, { vhid: 1, advskew: 100, advbase: 1, carpdev: 'eth0', pass: { kind: 'text', text: 'secret' }, up: true }), []);
  });

  it('plans only the fields that differ', () => {
    assert.deepEqual(plan(running, { vhid: 1, advskew: 100, advbase: 3 }), [{ kind: 'configure', change: { advbase: 3 } }]);
    assert.deepEqual(plan(running, { pass: { kind: 'text', text: 'other' } }), [
      { kind: 'configure', change: { key: deriveKey('other') } },
    ]);
  });

  it('keeps the advskew when only the vhid changes, and the vhid when only the advskew does', () => {
    const nodesOf = (config: CarpInterfaceConfig, settings: ResolvedInterfaceSettings): unknown =>
      wantedFromSettings('carp0', config, settings).wanted.config.nodes;
    assert.deepEqual(nodesOf(running, { vhid: 2 }), [{ vhid: 2, advskew: 100 }]);
    assert.deepEqual(nodesOf(running, { advskew: 5 }), [{ vhid: 1, advskew: 5 }]);
    assert.deepEqual(nodesOf(blank, { vhid: 3 }), [{ vhid: 3, advskew: 0 }]);
  });

  it('refuses advskew without any vhid, and vhid/advskew on a multi-node interface', () => {
    assert.match(refusal(() => plan(blank, { advskew: 10 })), /advskew needs a vhid/);
    const multi = { ...running, nodes: [{ vhid: 1, advskew: 0 }, { vhid: 2, advskew: 100 }] };
    assert.match(refusal(() => plan(multi, { vhid: 3 })), /carp0 has 2 carpnodes/);
  });

  it('-pass is the all-zero key; a long passphrase is truncated with a warning', () => {
    assert.deepEqual(plan(running, { pass: { kind: 'none' } }), [{ kind: 'configure', change: { key: deriveKey('') } }]);
    const long = wantedFromSettings('carp0', running, { pass: { kind: 'text', text: 'abcdefghijklmnopqrst' } });
    assert.equal(long.wanted.config.key.bytes.length, 19);
    assert.deepEqual(long.warnings, [PASS_TRUNCATED_WARNING]);
  });

  it('adds and removes groups, refusing duplicates and absent ones', () => {
    assert.deepEqual(plan(running, { groupsAdded: ['lan'], groupsRemoved: ['fw'] }), [
      { kind: 'configure', change: { groups: ['lan'] } },
    ]);
    assert.match(refusal(() => plan(running, { groupsAdded: ['fw'] })), /already in group fw/);
    assert.match(refusal(() => plan(running, { groupsRemoved: ['lan'] })), /not in group lan/);
  });

  it('takes state only on its own', () => {
    assert.deepEqual(plan(running, { state: 'MASTER' }), [{ kind: 'force-state', state: 'MASTER' }]);
    assert.match(refusal(() => plan(running, { state: 'BACKUP', advskew: 1 })), /in a command of its own/);
  });

  it('carppeer replaces the peer of its family and keeps the other; -carppeer removes both', () => {
    const peered = { ...running, peers: [ip('192.0.2.2'), ip('2001:db8::2')] };
    assert.deepEqual(plan(peered, { peers: ['192.0.2.3'] }), [{ kind: 'configure', change: { peers: [ip('192.0.2.3'), ip('2001:db8::2')] } }]);
    assert.deepEqual(plan(running, { peers: ['2001:db8::2', '192.0.2.2'] }), [{ kind: 'configure', change: { peers: [ip('192.0.2.2'), ip('2001:db8::2')] } }]);
    assert.deepEqual(plan(peered, { peers: null }), [{ kind: 'configure', change: { peers: [] } }]);
    assert.deepEqual(plan(peered, { peers: ['192.0.2.2'] }), []);
  });

  it('-carpdev clears the carpdev; down on an interface that is up is an admin change', () => {
    assert.deepEqual(plan(running, { carpdev: null }), [{ kind: 'configure', change: { carpdev: null } }]);
    assert.deepEqual(plan(running, { up: false }), [{ kind: 'admin', up: false }]);
    assert.deepEqual(plan(running, { up: false }, false), []);
  });
});
