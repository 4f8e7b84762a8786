import assert from 'node:assert/strict';
import { UNFILTERED, filterFold } from '../../src/balance/filter-fold';
import { ipFold } from '../../src/balance/ip-fold';
import { parseIp } from '../../src/wire/address';
import { ETHERTYPE_ARP } from '../../src/wire/ethernet';
import { icmp, inRing, ipv4Frame, ipv6Frame } from './frames';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_ICMPV6 = 58;
const CONNECTION_FOLD = 0x0633660d; // 198.51.100.7 <-> 192.0.2.10

function decide(frame: Buffer): number {
  return filterFold(frame, 0, frame.length);
}

/** 20 bytes of an IPv4 header from `source` to `destination` plus 8 payload bytes, as ICMP quotes it. */
function quoted(source: string, destination: string): Buffer {
  const header = Buffer.alloc(28);
  header[0] = 0x45;
  header[9] = IPPROTO_TCP;
  parseIp(source).bytes.copy(header, 12);
  parseIp(destination).bytes.copy(header, 16);
  return header;
}

describe('filterFold (where OpenBSD calls carp_lsdrop)', () => {
  it('decides ordinary IPv4 and IPv6 packets by their own fold', () => {
    const tcp = ipv4Frame('198.51.100.7', '192.0.2.10');
    assert.equal(decide(tcp), CONNECTION_FOLD);
    const tcp6 = ipv6Frame('2001:db8::1', '2001:db8:1::10', IPPROTO_TCP);
    assert.equal(decide(tcp6), 0x00010011);
    const hopByHop = ipv6Frame('2001:db8::1', '2001:db8:1::10', 0, icmp(128));
    assert.equal(decide(hopByHop), 0x00010011, 'only the first next header is looked at');
  });

  it('does not filter what is not IP or cannot be read', () => {
    const arp = ipv4Frame('198.51.100.7', '192.0.2.10');
    arp.writeUInt16BE(ETHERTYPE_ARP, 12);
    assert.equal(decide(arp), UNFILTERED);
    assert.equal(filterFold(ipv4Frame('198.51.100.7', '192.0.2.10'), 0, 20), UNFILTERED);
  });

  describe('ICMP', () => {
    const from = (source: string, destination: string, message: Buffer): Buffer =>
      ipv4Frame(source, destination, message, { protocol: IPPROTO_ICMP });

    it('decides echo and timestamp requests by their own fold: the node that answers', () => {
      assert.equal(decide(from('198.51.100.7', '192.0.2.10', icmp(8, Buffer.alloc(56)))), CONNECTION_FOLD);
      assert.equal(decide(from('198.51.100.7', '192.0.2.10', icmp(13, Buffer.alloc(12)))), CONNECTION_FOLD);
    });

    it('decides errors by the quoted destination, so they reach the node of the connection', () => {
      // A router on the path tells 192.0.2.10 that its packet to 198.51.100.7 did not fit.
      const message = icmp(3, quoted('192.0.2.10', '198.51.100.7'));
      const frame = from('203.0.113.1', '192.0.2.10', message);
      assert.notEqual(ipFold(frame, 0, frame.length), CONNECTION_FOLD);
      assert.equal(decide(frame), CONNECTION_FOLD);
      for (const type of [4, 5, 11, 12]) {
        assert.equal(decide(from('203.0.113.1', '192.0.2.10', icmp(type, quoted('192.0.2.10', '198.51.100.7')))), CONNECTION_FOLD, `type ${type}`);
      }
    });

    it('finds the ICMP header behind IPv4 options', () => {
      const frame = from('203.0.113.1', '192.0.2.10', Buffer.concat([Buffer.from([1, 1, 1, 1]), icmp(3, quoted('192.0.2.10', '198.51.100.7'))]));
      frame[14] = 0x46;
      assert.equal(decide(frame), CONNECTION_FOLD);
    });

    it('does not filter other ICMP messages: every node sees echo replies, router advertisements, mask requests', () => {
      for (const type of [0, 9, 10, 14, 17, 18, 255]) {
        assert.equal(decide(from('198.51.100.7', '192.0.2.10', icmp(type, Buffer.alloc(28)))), UNFILTERED, `type ${type}`);
      }
    });

    it('decides every fragment of an ICMP packet by the packet fold, whatever its first bytes', () => {
      const first = from('198.51.100.7', '192.0.2.10', icmp(0, Buffer.alloc(64)));
      assert.equal(decide(first), UNFILTERED, 'unfragmented echo reply');
      const fragments = [
        ipv4Frame('198.51.100.7', '192.0.2.10', icmp(0, Buffer.alloc(64)), { protocol: IPPROTO_ICMP, moreFragments: true }),
        ipv4Frame('198.51.100.7', '192.0.2.10', Buffer.alloc(64), { protocol: IPPROTO_ICMP, fragmentOffset: 9 }),
      ];
      for (const fragment of fragments) assert.equal(decide(fragment), CONNECTION_FOLD);
    });

    it('leaves ICMP too short for its type or its quoted header to the kernel', () => {
      assert.equal(decide(from('198.51.100.7', '192.0.2.10', Buffer.alloc(0))), UNFILTERED);
      const short = from('203.0.113.1', '192.0.2.10', icmp(3, quoted('192.0.2.10', '198.51.100.7').subarray(0, 19)));
      assert.equal(decide(short), UNFILTERED);
      const badLength = from('198.51.100.7', '192.0.2.10', icmp(8));
      badLength[14] = 0x44;
      assert.equal(decide(badLength), UNFILTERED, 'a header length below 20 bytes');
    });

    it('reads the frame where it sits in a ring', () => {
      const frame = from('203.0.113.1', '192.0.2.10', icmp(11, quoted('192.0.2.10', '198.51.100.7')));
      assert.equal(filterFold(inRing(frame, 10), 10, frame.length), CONNECTION_FOLD);
      assert.equal(filterFold(inRing(frame, 10), 10, frame.length - 9), UNFILTERED, 'the quoted header cut by the length');
    });
  });

  describe('ICMPv6', () => {
    it('decides echo requests by their fold and lets neighbour discovery, replies and errors through', () => {
      const to = (type: number): Buffer => ipv6Frame('2001:db8::1', '2001:db8:1::10', IPPROTO_ICMPV6, icmp(type, Buffer.alloc(24)));
      assert.equal(decide(to(128)), 0x00010011);
      for (const type of [1, 2, 3, 4, 129, 133, 134, 135, 136, 137]) assert.equal(decide(to(type)), UNFILTERED, `type ${type}`);
    });

    it('leaves ICMPv6 without a type byte to the kernel', () => {
      assert.equal(decide(ipv6Frame('2001:db8::1', '2001:db8:1::10', IPPROTO_ICMPV6, Buffer.alloc(0))), UNFILTERED);
    });
  });
});
