import assert from 'node:assert/strict';
import { CarpError } from '../../src/carp/errors';
import type { CarpInterfaceConfig } from '../../src/carp/types';
import type { ResolvedInterfaceSettings } from '../../src/config/settings';
import { planChanges, wantedFromSettings } from '../../src/daemon/configuration-plan';
import { deriveKey } from '../../src/wire/hmac';

const blank: CarpInterfaceConfig = { carpdev: null, advbase: 1, key: deriveKey(''), nodes: [], balancing: 'none', groups: [], garpRefresh: 0, peers: [], vrrp: null };
const carp7: CarpInterfaceConfig = { ...blank, carpdev: 'eth0', nodes: [{ vhid: 7, advskew: 0 }] };
const vrrp7: CarpInterfaceConfig = { ...carp7, vrrp: { priority: 200, intervalCentiseconds: 100 } };

function vrrpOf(config: CarpInterfaceConfig, settings: ResolvedInterfaceSettings): unknown {
  return wantedFromSettings('carp0', config, settings).wanted.config.vrrp;
}

function refusal(config: CarpInterfaceConfig, settings: ResolvedInterfaceSettings): string {
  try {
    wantedFromSettings('carp0', config, settings);
  } catch (e: unknown) {
    assert.ok(e instanceof CarpError);
    return e.message;
  }
  assert.fail('expected a refusal');
}

describe('daemon/carpver-plan: carpver 2|3 and the words of each protocol', () => {
  it('makes a VRRPv3 vhid with the given values, or RFC 5798 defaults (priority 100, 100 centiseconds)', () => {
    assert.deepEqual(vrrpOf(blank, { vhid: 7, carpver: 3, vrrpPriority: 200, vrrpInterval: 50, carpdev: 'eth0' }), { priority: 200, intervalCentiseconds: 50 });
    assert.deepEqual(vrrpOf(blank, { vhid: 7, carpver: 3 }), { priority: 100, intervalCentiseconds: 100 });
    assert.equal(vrrpOf(blank, { vhid: 7 }), null, 'carpver 2 is the default');
    assert.equal(vrrpOf(blank, { vhid: 7, carpver: 2 }), null);
  });

  it('keeps the version and values while the vhid stays, and changes only the values given', () => {
    assert.deepEqual(vrrpOf(vrrp7, { vrrpPriority: 150 }), { priority: 150, intervalCentiseconds: 100 });
    assert.deepEqual(vrrpOf(vrrp7, { vhid: 7, carpver: 3 }), { priority: 200, intervalCentiseconds: 100 });
    assert.deepEqual(planChanges({ config: vrrp7, adminUp: true }, wantedFromSettings('carp0', vrrp7, { vrrpInterval: 10 }).wanted), [
      { kind: 'configure', change: { vrrp: { priority: 200, intervalCentiseconds: 10 } } },
    ]);
  });

  it('refuses to change carpver on an existing vhid (FreeBSD: recreate the vhid)', () => {
    assert.match(refusal(carp7, { vhid: 7, carpver: 3 }), /recreate the vhid to change carpver/);
    assert.match(refusal(vrrp7, { vhid: 7, carpver: 2 }), /recreate the vhid to change carpver/);
    assert.deepEqual(vrrpOf(carp7, { vhid: 8, carpver: 3 }), { priority: 100, intervalCentiseconds: 100 }, 'a new vhid may choose');
  });

  it('refuses carpver without a vhid', () => {
    assert.match(refusal(carp7, { carpver: 3 }), /carpver is chosen when the vhid is made: give it with vhid N/);
  });

  it('refuses the CARP words with carpver 3, each with its reason', () => {
    assert.match(refusal(blank, { vhid: 7, carpver: 3, pass: { kind: 'text', text: 'x' } }), /^pass is refused with carpver 3: VRRPv3 has no authentication/);
    assert.match(refusal(vrrp7, { pass: { kind: 'none' } }), /^pass is refused with carpver 3/);
    assert.match(refusal(vrrp7, { advbase: 2 }), /^advbase is refused with carpver 3: VRRPv3 advertises every vrrpinterval centiseconds/);
    assert.match(refusal(vrrp7, { advskew: 10 }), /^advskew is refused with carpver 3: VRRPv3 elects by vrrpprio/);
    assert.match(refusal(vrrp7, { balancing: 'ip' }), /^balancing is refused with carpver 3: VRRP has no load balancing/);
  });

  it('refuses the VRRP words with carpver 2', () => {
    assert.match(refusal(carp7, { vrrpPriority: 200 }), /^vrrpprio is refused with carpver 2/);
    assert.match(refusal(blank, { vhid: 3, vrrpInterval: 10 }), /^vrrpinterval is refused with carpver 2/);
  });
});
