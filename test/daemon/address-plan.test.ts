import assert from 'node:assert/strict';
import { CarpError } from '../../src/carp/errors';
import type { AddressSetting } from '../../src/config/settings';
import { type AddressPlan, planAddress } from '../../src/daemon/address-plan';
import { formatPrefix, parsePrefix } from '../../src/wire/address';

/** The plan as text: the changes in order, then the addresses carpN will have. */
function plan(current: readonly string[], setting: AddressSetting): { changes: string[]; expected: string[] } {
  const result: AddressPlan = planAddress('carp0', current.map(parsePrefix), setting);
  return {
    changes: result.changes.map((c) => `${c.kind} ${formatPrefix(c.prefix)}`),
    expected: result.expected.map(formatPrefix),
  };
}

describe('daemon/address-plan (ifconfig`s address semantics as ip addr changes)', () => {
  it('replaces the first IPv4 address with an IPv4 address given without alias', () => {
    assert.deepEqual(plan(['10.77.0.50/24', '10.77.0.51/24'], { kind: 'set', address: '10.77.0.60', prefixLength: 24 }), {
      changes: ['remove 10.77.0.50/24', 'add 10.77.0.60/24'],
      expected: ['10.77.0.51/24', '10.77.0.60/24'],
    });
    assert.deepEqual(plan([], { kind: 'set', address: '10.77.0.50', prefixLength: 32 }), { changes: ['add 10.77.0.50/32'], expected: ['10.77.0.50/32'] });
    assert.deepEqual(plan(['2001:db8::1/64'], { kind: 'set', address: '10.77.0.50', prefixLength: 32 }).changes, ['add 10.77.0.50/32'], 'no IPv4 address to replace');
  });

  it('adds an IPv6 address given without alias, as ifconfig cannot replace one', () => {
    assert.deepEqual(plan(['10.77.0.50/24', '2001:db8::1/64'], { kind: 'set', address: '2001:db8::2', prefixLength: 64 }).changes, ['add 2001:db8::2/64']);
  });

  it('adds with alias, and changes only the length of an address that is there with another', () => {
    assert.deepEqual(plan(['10.77.0.50/24'], { kind: 'alias', address: '10.77.0.51', prefixLength: 32 }).changes, ['add 10.77.0.51/32']);
    assert.deepEqual(plan(['10.77.0.50/24', '10.77.0.51/32'], { kind: 'alias', address: '10.77.0.51', prefixLength: 24 }), {
      changes: ['remove 10.77.0.51/32', 'add 10.77.0.51/24'],
      expected: ['10.77.0.50/24', '10.77.0.51/24'],
    });
    assert.deepEqual(plan(['10.77.0.50/24'], { kind: 'set', address: '10.77.0.50', prefixLength: 32 }).changes, ['remove 10.77.0.50/24', 'add 10.77.0.50/32']);
  });

  it('changes nothing for an address that is there as asked', () => {
    assert.deepEqual(plan(['10.77.0.50/24'], { kind: 'set', address: '10.77.0.50', prefixLength: 24 }), { changes: [], expected: ['10.77.0.50/24'] });
    assert.deepEqual(plan(['10.77.0.50/24', '10.77.0.51/24'], { kind: 'alias', address: '10.77.0.51', prefixLength: 24 }).changes, []);
    assert.deepEqual(plan(['10.77.0.49/24', '10.77.0.50/24'], { kind: 'set', address: '10.77.0.50', prefixLength: 24 }).changes, ['remove 10.77.0.49/24'], 'a secondary becomes the first');
  });

  it('removes with -alias, whatever the length unless one is given, and refuses an address carpN lacks', () => {
    assert.deepEqual(plan(['10.77.0.50/24', '10.77.0.51/32'], { kind: 'remove', address: '10.77.0.51', prefixLength: null }), {
      changes: ['remove 10.77.0.51/32'],
      expected: ['10.77.0.50/24'],
    });
    const refused = (current: string[], setting: AddressSetting): string => {
      try {
        planAddress('carp0', current.map(parsePrefix), setting);
      } catch (e: unknown) {
        assert.ok(e instanceof CarpError);
        return e.message;
      }
      return assert.fail('accepted');
    };
    assert.equal(refused(['10.77.0.50/24'], { kind: 'remove', address: '10.77.0.50', prefixLength: 32 }), 'carp0 has no address 10.77.0.50/32: it has 10.77.0.50/24');
    assert.equal(refused([], { kind: 'remove', address: '2001:db8::1', prefixLength: null }), 'carp0 has no address 2001:db8::1: it has none');
  });
});
