import assert from 'node:assert/strict';
import { acceptsFold, balanceIndex, bypassesFilter, indexAccepted } from '../../src/balance/ip-filter';
import { BROADCAST_MAC, parseMac } from '../../src/wire/address';
import { MULTICAST_VIRTUAL_MAC, UNICAST_VIRTUAL_MAC, inRing, ipv4Frame } from './frames';

describe('IP balancing filter (OpenBSD carp_lsdrop)', () => {
  it('picks carpnode fold % lscount', () => {
    assert.equal(balanceIndex(0x0633660d, 2), 1);
    assert.equal(balanceIndex(0x0633660d, 3), 1);
    assert.equal(balanceIndex(0x00010011, 3), 0);
    assert.equal(balanceIndex(0xffffffff, 32), 31);
    assert.equal(balanceIndex(0x12345678, 1), 0);
  });

  it('accepts a carpnode iff its bit is set in lsmask, up to bit 31', () => {
    assert.equal(indexAccepted(0b10, 1), true);
    assert.equal(indexAccepted(0b10, 0), false);
    assert.equal(indexAccepted(0x80000000, 31), true);
    assert.equal(indexAccepted(0x7fffffff, 31), false);
    assert.equal(indexAccepted(0xffffffff, 0), true);
  });

  it('lets exactly one of two hosts with complementary lsmasks keep each packet', () => {
    for (let i = 0; i < 500; i++) {
      const fold = (Math.imul(i, 0x9e3779b1) ^ (i << 7)) >>> 0;
      for (const lscount of [2, 3, 5, 32]) {
        const all = lscount === 32 ? 0xffffffff : (1 << lscount) - 1;
        const mine = 0x55555555 & all;
        const theirs = (~mine & all) >>> 0;
        assert.notEqual(acceptsFold(fold, lscount, mine), acceptsFold(fold, lscount, theirs), `fold ${fold} lscount ${lscount}`);
      }
    }
  });

  it('keeps the packet of 198.51.100.7 <-> 192.0.2.10 on the MASTER of the second carpnode only', () => {
    assert.equal(acceptsFold(0x0633660d, 2, 0b10), true);
    assert.equal(acceptsFold(0x0633660d, 2, 0b01), false);
    assert.equal(acceptsFold(0x0633660d, 2, 0b11), true, 'MASTER of both after the peer died');
    assert.equal(acceptsFold(0x0633660d, 2, 0), false, 'MASTER of none');
  });

  it('keeps nothing without carpnodes', () => {
    assert.equal(acceptsFold(0x0633660d, 0, 0xffffffff), false);
  });

  describe('bypassesFilter (link-layer broadcast and multicast)', () => {
    const to = (mac: Buffer): Buffer => ipv4Frame('198.51.100.7', '192.0.2.10', undefined, { destinationMac: mac });

    it('lets broadcast and multicast frames through on every node', () => {
      for (const mac of [BROADCAST_MAC, parseMac('01:00:5e:00:00:fb'), parseMac('33:33:00:00:00:01'), parseMac('01:00:5e:00:01:02')]) {
        assert.equal(bypassesFilter(to(mac), 0, MULTICAST_VIRTUAL_MAC), true, mac.toString('hex'));
      }
    });

    it('filters frames to the interface MAC, also when balancing ip makes it multicast', () => {
      assert.equal(bypassesFilter(to(MULTICAST_VIRTUAL_MAC), 0, MULTICAST_VIRTUAL_MAC), false);
      assert.equal(bypassesFilter(to(UNICAST_VIRTUAL_MAC), 0, UNICAST_VIRTUAL_MAC), false);
      assert.equal(bypassesFilter(to(parseMac('02:00:00:00:00:01')), 0, UNICAST_VIRTUAL_MAC), false, 'any unicast');
    });

    it('reads the destination at the frame offset', () => {
      assert.equal(bypassesFilter(inRing(to(BROADCAST_MAC), 10), 10, MULTICAST_VIRTUAL_MAC), true);
      assert.equal(bypassesFilter(inRing(to(MULTICAST_VIRTUAL_MAC), 10), 10, MULTICAST_VIRTUAL_MAC), false);
    });
  });
});
