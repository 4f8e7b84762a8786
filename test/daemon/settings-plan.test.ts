import assert from 'node:assert/strict';
import { CarpError } from '../../src/carp/errors';
import type { CarpInterfaceConfig } from '../../src/carp/types';
import { PASS_TRUNCATED_WARNING, planSettings } from '../../src/daemon/settings-plan';
import { deriveKey } from '../../src/wire/hmac';

const blank: CarpInterfaceConfig = { carpdev: null, advbase: 1, key: deriveKey(''), nodes: [], groups: [] };
const running: CarpInterfaceConfig = { ...blank, carpdev: 'eth0', nodes: [{ vhid: 1, advskew: 100 }], groups: ['fw'] };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e: unknown) {
    assert.ok(e instanceof CarpError);
    return e.message;
  }
  assert.fail('expected a CarpError');
}

describe('daemon/settings-plan', () => {
  it('turns the ifconfig words into one core change', () => {
    const plan = planSettings('carp0', blank, {
      vhid: 7,
      advskew: 50,
      advbase: 2,
      carpdev: 'eth0',
      pass: { kind: 'text', text: 'secret' },
      up: true,
    });
    assert.deepEqual(plan, {
      change: { nodes: [{ vhid: 7, advskew: 50 }], advbase: 2, carpdev: 'eth0', key: deriveKey('secret') },
      warnings: [],
      up: true,
    });
  });

  it('keeps the advskew when only the vhid changes, and the vhid when only the advskew does', () => {
    assert.deepEqual(planSettings('carp0', running, { vhid: 2 }).change.nodes, [{ vhid: 2, advskew: 100 }]);
    assert.deepEqual(planSettings('carp0', running, { advskew: 5 }).change.nodes, [{ vhid: 1, advskew: 5 }]);
    assert.deepEqual(planSettings('carp0', blank, { vhid: 3 }).change.nodes, [{ vhid: 3, advskew: 0 }]);
  });

  it('refuses advskew without any vhid, and vhid/advskew on a multi-node interface', () => {
    assert.match(refusal(() => planSettings('carp0', blank, { advskew: 10 })), /advskew needs a vhid/);
    const multi = { ...running, nodes: [{ vhid: 1, advskew: 0 }, { vhid: 2, advskew: 100 }] };
    assert.match(refusal(() => planSettings('carp0', multi, { vhid: 3 })), /carp0 has 2 carpnodes/);
  });

  it('-pass is the all-zero key; a long passphrase is truncated with a warning', () => {
    assert.deepEqual(planSettings('carp0', running, { pass: { kind: 'none' } }).change.key, deriveKey(''));
    const long = planSettings('carp0', running, { pass: { kind: 'text', text: 'abcdefghijklmnopqrst' } });
    assert.equal(long.change.key?.bytes.length, 19);
    assert.deepEqual(long.warnings, [PASS_TRUNCATED_WARNING]);
  });

  it('adds and removes groups, refusing duplicates and absent ones', () => {
    assert.deepEqual(planSettings('carp0', running, { groupsAdded: ['lan'], groupsRemoved: ['fw'] }).change.groups, ['lan']);
    assert.match(refusal(() => planSettings('carp0', running, { groupsAdded: ['fw'] })), /already in group fw/);
    assert.match(refusal(() => planSettings('carp0', running, { groupsRemoved: ['lan'] })), /not in group lan/);
  });

  it('takes state only on its own', () => {
    assert.deepEqual(planSettings('carp0', running, { state: 'MASTER' }), { change: {}, warnings: [], state: 'MASTER' });
    assert.match(refusal(() => planSettings('carp0', running, { state: 'BACKUP', advskew: 1 })), /in a command of its own/);
  });

  it('-carpdev clears the carpdev', () => {
    assert.deepEqual(planSettings('carp0', running, { carpdev: null }).change, { carpdev: null });
  });
});
