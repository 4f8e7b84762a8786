/**
 * What the binding refuses before any system call, so it runs without root or namespaces. Only
 * inputs the kernel would refuse too are used: a broken check cannot create anything here.
 */
import assert from 'node:assert/strict';
import { NativeSystemError, TAP_MIN_SLOT_SIZE, isNativeError, nativeBinding } from '../../src/native/binding';
import { VNET_HEADER_LENGTH } from '../../src/native/types';

describe('native binding (no system call)', () => {
  it('refuses interface names the kernel would refuse, before opening anything', () => {
    for (const name of ['a/b', '..', 'a:b', 'a b', '']) {
      assert.throws(() => nativeBinding.openTap(name, { vnetHeader: true }), RangeError, JSON.stringify(name));
    }
  });

  it('refuses a filter that is not whole BPF instructions, naming the interface', () => {
    assert.throws(
      () => nativeBinding.openPacketSocket('nothere-nat0', { filter: Buffer.alloc(7), vnetHeader: false }),
      { name: 'RangeError', message: 'nothere-nat0: a BPF filter is 1 to 4096 instructions of 8 bytes, not 7 bytes' },
    );
  });

  it('refuses a raw IP socket of a family other than 4 or 6, before opening anything', () => {
    for (const family of [0, 5, 7, 4.5]) {
      assert.throws(() => nativeBinding.openIpSocket('nothere-nat0', family as 4), RangeError, String(family));
    }
    assert.throws(() => nativeBinding.openIpSocket('a/b', 4), RangeError);
  });

  it('sizes TAP slots for a VLAN-tagged 64 KiB IP packet behind the vnet header', () => {
    assert.equal(TAP_MIN_SLOT_SIZE, VNET_HEADER_LENGTH + 14 + 4 + 65_535);
  });

  it('recognises a NativeError by its errno, code and syscall, as types.ts defines it', () => {
    assert.equal(isNativeError(new NativeSystemError('x0: bind: No such device', 19, 'ENODEV', 'bind')), true);
    assert.equal(isNativeError(Object.assign(new Error('from a fake'), { errno: 19, code: 'ENODEV', syscall: 'bind' })), true);
    assert.equal(isNativeError(Object.assign(new Error('half'), { errno: 19, code: 'ENODEV' })), false);
    assert.equal(isNativeError({ errno: 19, code: 'ENODEV', syscall: 'bind', message: 'not an Error' }), false);
    assert.equal(isNativeError(new RangeError('bad')), false);
  });
});
