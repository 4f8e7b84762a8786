import assert from 'node:assert/strict';
import { NOT_IP, ipFold } from '../../src/balance/ip-fold';
import { balanceIndex } from '../../src/balance/ip-filter';
import { ETHERTYPE_ARP } from '../../src/wire/ethernet';
import { inRing, ipv4Frame, ipv6Frame } from './frames';

function fold(frame: Buffer): number {
  return ipFold(frame, 0, frame.length);
}

describe('ipFold (OpenBSD carp_lsdrop fold)', () => {
  it('folds 198.51.100.7 and 192.0.2.10 to 0633660d in both directions, carpnode 1 of 2 and of 3', () => {
    const forth = fold(ipv4Frame('198.51.100.7', '192.0.2.10'));
    const back = fold(ipv4Frame('192.0.2.10', '198.51.100.7'));
    assert.equal(forth, 0x0633660d);
    assert.equal(back, 0x0633660d);
    assert.equal(balanceIndex(forth, 2), 1);
    assert.equal(balanceIndex(forth, 3), 1);
  });

  it('folds all eight words of an IPv6 pair: 2001:db8::1 and 2001:db8:1::10 give 00010011', () => {
    const forth = fold(ipv6Frame('2001:db8::1', '2001:db8:1::10'));
    assert.equal(forth, 0x00010011);
    assert.equal(fold(ipv6Frame('2001:db8:1::10', '2001:db8::1')), 0x00010011);
    assert.equal(balanceIndex(forth, 2), 1);
    assert.equal(balanceIndex(forth, 3), 0);
  });

  it('returns the fold unsigned, also with the top bit set', () => {
    assert.equal(fold(ipv4Frame('255.0.0.1', '0.0.0.1')), 0xff000000);
    assert.equal(fold(ipv6Frame('ffff::', '::')), 0xffff0000);
  });

  it('reads a frame where it sits in a larger buffer, ignoring the bytes around it', () => {
    const frame = ipv4Frame('198.51.100.7', '192.0.2.10');
    for (const offset of [0, 10, 65_610]) {
      assert.equal(ipFold(inRing(frame, offset), offset, frame.length), 0x0633660d, `offset ${offset}`);
    }
    const frame6 = ipv6Frame('2001:db8::1', '2001:db8:1::10');
    assert.equal(ipFold(inRing(frame6, 10), 10, frame6.length), 0x00010011);
  });

  it('treats a frame too short for its IP header as not IP, without throwing', () => {
    const v4 = ipv4Frame('198.51.100.7', '192.0.2.10', Buffer.alloc(0));
    assert.equal(ipFold(v4, 0, 34), 0x0633660d);
    assert.equal(ipFold(v4, 0, 33), NOT_IP);
    assert.equal(ipFold(v4.subarray(0, 33), 0, 34), NOT_IP, 'a length beyond the buffer is not trusted');
    const v6 = ipv6Frame('2001:db8::1', '2001:db8:1::10', 6, Buffer.alloc(0));
    assert.equal(ipFold(v6, 0, 54), 0x00010011);
    assert.equal(ipFold(v6, 0, 53), NOT_IP);
    for (const length of [0, 1, 13, 14]) assert.equal(ipFold(v4, 0, length), NOT_IP, `length ${length}`);
    assert.equal(ipFold(v4, v4.length, 34), NOT_IP, 'offset at the end of the buffer');
    assert.equal(ipFold(v4, v4.length + 100, 34), NOT_IP, 'offset beyond the buffer');
  });

  it('treats other EtherTypes, 802.1Q tags and a wrong version nibble as not IP', () => {
    const arp = ipv4Frame('198.51.100.7', '192.0.2.10');
    arp.writeUInt16BE(ETHERTYPE_ARP, 12);
    assert.equal(fold(arp), NOT_IP);
    const tagged = Buffer.concat([ipv4Frame('198.51.100.7', '192.0.2.10').subarray(0, 12), Buffer.from([0x81, 0x00, 0x00, 0x05])]);
    const untaggedRest = ipv4Frame('198.51.100.7', '192.0.2.10').subarray(12);
    assert.equal(fold(Buffer.concat([tagged, untaggedRest])), NOT_IP);
    const v6InV4 = ipv4Frame('198.51.100.7', '192.0.2.10');
    v6InV4[14] = 0x65;
    assert.equal(fold(v6InV4), NOT_IP);
    const v4InV6 = ipv6Frame('2001:db8::1', '2001:db8:1::10');
    v4InV6[14] = 0x45;
    assert.equal(fold(v4InV6), NOT_IP);
  });
});
