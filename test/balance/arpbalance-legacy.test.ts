import assert from 'node:assert/strict';
import { legacyArpBalanceAnswerer, legacyArpBalanceIndex, parentListIndex } from '../../src/balance/arpbalance-legacy';
import { parseIp } from '../../src/wire/address';

const ip = (text: string): Buffer => parseIp(text).bytes;

describe('OpenBSD 3.5 / MirBSD arpbalance', () => {
  it('loads the sender address without a byte swap: 192.0.2.55 is 0x370200c0', () => {
    assert.equal(legacyArpBalanceIndex(ip('192.0.2.55'), 0, 1_000_000_000), 0x370200c0 % 1_000_000_000);
    assert.equal(legacyArpBalanceIndex(ip('192.0.2.55'), 0, 2), 0, 'FreeBSD, which swaps, gets 1');
    assert.equal(legacyArpBalanceIndex(ip('192.0.2.55'), 0, 3), 0);
    assert.equal(legacyArpBalanceIndex(ip('192.0.2.2'), 0, 3), 1);
    assert.equal(legacyArpBalanceIndex(ip('255.255.255.255'), 0, 0x10000), 0xffff);
  });

  it('reads the sender address inside an ARP payload', () => {
    const arp = Buffer.alloc(28);
    ip('192.0.2.2').copy(arp, 14);
    assert.equal(legacyArpBalanceIndex(arp, 14, 3), 1);
    assert.throws(() => legacyArpBalanceIndex(arp, 25, 3), RangeError);
  });

  it('names the index-th eligible interface in the parent list as the one that may answer', () => {
    const eligible = ['carp0', 'carp1', 'carp2'];
    assert.equal(legacyArpBalanceAnswerer(ip('192.0.2.2'), 0, eligible), 'carp1');
    assert.equal(legacyArpBalanceAnswerer(ip('192.0.2.55'), 0, eligible), 'carp0');
    assert.equal(legacyArpBalanceAnswerer(ip('192.0.2.55'), 0, ['carp7']), 'carp7');
    assert.equal(legacyArpBalanceAnswerer(ip('192.0.2.55'), 0, []), undefined);
  });

  it('inserts a new interface after the last one with a smaller vhid, else at the tail', () => {
    assert.equal(parentListIndex([], 1), 0);
    assert.equal(parentListIndex([1, 2], 3), 2);
    assert.equal(parentListIndex([1, 3], 2), 1);
    assert.equal(parentListIndex([2, 3], 1), 2, 'no smaller vhid: the tail, not the head');
    assert.equal(parentListIndex([5, 1], 3), 2);
    assert.equal(parentListIndex([1, 5, 2], 3), 3);
    assert.equal(parentListIndex([1, 5, 7], 3), 1);
  });
});
