import assert from 'node:assert/strict';
import { parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { decodeArp } from '../../src/wire/arp';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP, decodeCarp } from '../../src/wire/carp';
import { decodeEthernet } from '../../src/wire/ethernet';
import {
  type AdvertisementFrameOptions,
  buildAdvertisementFrame,
  buildGratuitousArp,
  buildUnsolicitedNeighborAdvert,
  parseCarpFrame,
} from '../../src/wire/frames';
import { deriveKey, verifyHmac } from '../../src/wire/hmac';
import { decodeIpv4, encodeIpv4 } from '../../src/wire/ipv4';
import { decodeIpv6 } from '../../src/wire/ipv6';
import { type NeighborAdvertisement, decodeNdp } from '../../src/wire/ndp';
import {
  V1_COUNTER,
  V1_FRAME_FREEBSD,
  V1_FRAME_OPENBSD,
  V1_FRAME_UCARP,
  V1_HEADER,
  V1_HMAC,
  V4_FRAME_IPV6,
  hex,
} from './vectors';
import { fixChecksum, withByte, wireReason } from './wire-assert';

const V4_HEADER = V4_FRAME_IPV6.subarray(54);
const VIP4 = parseIp('192.0.2.10');
const VIP6 = parseIp('2001:db8::10');
const secret = deriveKey('secret');

const openbsd: AdvertisementFrameOptions = {
  sourceMac: virtualMac(1),
  source: parseIp('192.0.2.1'),
  destination: CARP_IPV4_GROUP,
  trafficClass: 0x10,
  ipId: 0x1234,
  payload: V1_HEADER,
};
const ipv6: AdvertisementFrameOptions = {
  ...openbsd,
  source: parseIp('fe80::1'),
  destination: CARP_IPV6_GROUP,
  trafficClass: 0,
  payload: V4_HEADER,
};

/** Independently written expectations (docs/protocol.md §3.8, RFC 826, RFC 4861 7.2.6). */
const GARP_V1 = hex(`ff ff ff ff ff ff 00 00 5e 00 01 01 08 06
  0001 0800 06 04 0001 00005e000101 c000020a 000000000000 c000020a`);
const NA_V4_ROUTER = hex(`33 33 00 00 00 01 00 00 5e 00 01 01 86 dd
  60 00 00 00 00 20 3a ff 20010db8000000000000000000000010 ff020000000000000000000000000001
  88 00 1c 0c a0 00 00 00 20010db8000000000000000000000010 02 01 00005e000101`);

describe('wire/frames', () => {
  describe('buildAdvertisementFrame', () => {
    it('builds V1 in OpenBSD, FreeBSD and ucarp style byte for byte', () => {
      assert.deepEqual(buildAdvertisementFrame(openbsd), V1_FRAME_OPENBSD);
      assert.deepEqual(buildAdvertisementFrame({ ...openbsd, trafficClass: 0xe0 }), V1_FRAME_FREEBSD);
      const ucarp = { ...openbsd, sourceMac: parseMac('00:00:5e:00:00:01') };
      assert.deepEqual(buildAdvertisementFrame(ucarp), V1_FRAME_UCARP);
    });

    it('builds the V4 IPv6 frame byte for byte (90 bytes)', () => {
      assert.deepEqual(buildAdvertisementFrame(ipv6), V4_FRAME_IPV6);
    });

    it('puts the FreeBSD DSCP into the IPv6 traffic class', () => {
      const frame = buildAdvertisementFrame({ ...ipv6, trafficClass: 0xe0 });
      assert.equal(decodeIpv6(frame, 14).trafficClass, 0xe0);
    });

    it('sends to a unicast peer with the given MAC (carppeer)', () => {
      const peerMac = parseMac('02:00:00:00:00:02');
      const frame = buildAdvertisementFrame({ ...openbsd, destination: parseIp('192.0.2.2'), destinationMac: peerMac });
      assert.deepEqual(decodeEthernet(frame).destination, peerMac);
      const ip = decodeIpv4(frame, 14);
      assert.deepEqual(ip.destination, parseIp('192.0.2.2'));
      assert.equal(ip.ttl, 255);
    });

    it('carries a VRRPv3 advertisement of any length from 8 bytes in the same IP packet', () => {
      const frame = buildAdvertisementFrame({ ...openbsd, payload: Buffer.alloc(12, 0x31) });
      assert.equal(frame.length, 14 + 20 + 12);
      assert.deepEqual(parseCarpFrame(frame).payload, Buffer.alloc(12, 0x31));
    });

    it('refuses mixed families, a payload neither CARP (36 bytes) nor VRRPv3 (8 bytes and more), and a unicast peer without a MAC', () => {
      const cases: [Partial<AdvertisementFrameOptions>, string][] = [
        [{ destination: CARP_IPV6_GROUP }, 'bad-header'],
        [{ payload: V1_HEADER.subarray(0, 7) }, 'bad-length'],
        [{ payload: Buffer.alloc(1461) }, 'bad-length'],
        [{ destination: parseIp('192.0.2.2') }, 'bad-header'],
        [{ source: parseIp('fe80::1'), destination: parseIp('fe80::2') }, 'bad-header'],
        [{ sourceMac: Buffer.alloc(3) }, 'bad-length'],
        [{ ipId: 0x10000 }, 'bad-header'],
      ];
      for (const [change, reason] of cases) {
        const build = (): Buffer => buildAdvertisementFrame({ ...openbsd, ...change });
        assert.equal(wireReason(build), reason, JSON.stringify(change));
      }
    });
  });

  describe('parseCarpFrame', () => {
    it('parses the three V1 styles; the CARP header decodes and the HMAC verifies', () => {
      for (const frame of [V1_FRAME_OPENBSD, V1_FRAME_FREEBSD, V1_FRAME_UCARP]) {
        const parsed = parseCarpFrame(frame);
        assert.equal(parsed.family, 4);
        assert.deepEqual(parsed.source, parseIp('192.0.2.1'));
        assert.deepEqual(parsed.destination, CARP_IPV4_GROUP);
        assert.equal(parsed.ttl, 255);
        const carp = decodeCarp(parsed.payload);
        assert.deepEqual([carp.vhid, carp.advbase, carp.advskew, carp.demote], [1, 1, 0, 0]);
        assert.deepEqual(carp.counter, V1_COUNTER);
        const input = { vhid: 1, addresses: [VIP4], counter: carp.counter };
        assert.equal(verifyHmac(secret, input, carp.hmac), 'sorted');
        assert.equal(verifyHmac(deriveKey('secreT'), input, carp.hmac), null);
      }
      assert.deepEqual(decodeCarp(parseCarpFrame(V1_FRAME_OPENBSD).payload).hmac, V1_HMAC);
    });

    it('parses V4 over IPv6; the HMAC covers both families', () => {
      const parsed = parseCarpFrame(V4_FRAME_IPV6);
      assert.equal(parsed.family, 6);
      assert.deepEqual(parsed.source, parseIp('fe80::1'));
      assert.deepEqual(parsed.destination, CARP_IPV6_GROUP);
      assert.equal(parsed.ttl, 255);
      const carp = decodeCarp(parsed.payload);
      const input = { vhid: 1, addresses: [VIP4, VIP6], counter: carp.counter };
      assert.equal(verifyHmac(secret, input, carp.hmac), 'sorted');
      assert.equal(verifyHmac(secret, { ...input, addresses: [VIP4] }, carp.hmac), null);
    });

    it('skips a virtio-net header before the frame', () => {
      const buf = Buffer.concat([Buffer.alloc(10, 0x01), V1_FRAME_OPENBSD]);
      assert.deepEqual(parseCarpFrame(buf, 10).payload, V1_HEADER);
    });

    it('returns a view of the payload, bounded by the IP length and not the padding', () => {
      const buf = Buffer.concat([V1_FRAME_OPENBSD, Buffer.alloc(8, 0x55)]);
      const parsed = parseCarpFrame(buf);
      assert.equal(parsed.payload.length, 36);
      buf[34] = 0x31;
      assert.equal(parsed.payload[0], 0x31, 'payload should be a view of the receive buffer');
      const v6 = parseCarpFrame(Buffer.concat([V4_FRAME_IPV6, Buffer.alloc(4)]));
      assert.equal(v6.payload.length, 36);
    });

    it('passes a short CARP payload on for the core to count', () => {
      const short = Buffer.from(V1_FRAME_OPENBSD.subarray(0, 60));
      short.writeUInt16BE(46, 16);
      fixChecksum(short, 14, 34, 24);
      assert.equal(parseCarpFrame(short).payload.length, 26);
    });

    it('starts the payload after IPv4 options, as the BSD kernels do', () => {
      const routerAlert = hex('94 04 00 00');
      const withoutOptions = encodeIpv4({ ...decodeIpv4(V1_FRAME_OPENBSD, 14), payloadLength: 40 });
      const header = Buffer.concat([withoutOptions, routerAlert]);
      header[0] = 0x46; // IHL 6: 24 bytes of header, total length 60 as encoded
      const options = fixChecksum(header, 0, 24, 10);
      const frame = Buffer.concat([V1_FRAME_OPENBSD.subarray(0, 14), options, V1_HEADER]);
      assert.deepEqual(parseCarpFrame(frame).payload, V1_HEADER);
    });

    it('rejects what is not a CARP packet', () => {
      const garp = buildGratuitousArp(virtualMac(1), VIP4);
      assert.equal(wireReason(() => parseCarpFrame(garp)), 'unsupported', 'ARP');
      const udp = fixChecksum(withByte(V1_FRAME_OPENBSD, 23, 17), 14, 34, 24);
      assert.equal(wireReason(() => parseCarpFrame(udp)), 'unsupported', 'UDP');
      const icmpv6 = withByte(V4_FRAME_IPV6, 20, 58);
      assert.equal(wireReason(() => parseCarpFrame(icmpv6)), 'unsupported', 'ICMPv6');
      const vlan = withByte(V1_FRAME_OPENBSD, 12, 0x81);
      assert.equal(wireReason(() => parseCarpFrame(vlan)), 'unsupported', 'VLAN tag');
    });

    it('rejects fragments', () => {
      const moreFragments = fixChecksum(withByte(V1_FRAME_OPENBSD, 20, 0x60), 14, 34, 24);
      assert.equal(wireReason(() => parseCarpFrame(moreFragments)), 'unsupported');
      const laterFragment = fixChecksum(withByte(V1_FRAME_OPENBSD, 21, 0x01), 14, 34, 24);
      assert.equal(wireReason(() => parseCarpFrame(laterFragment)), 'unsupported');
    });

    it('passes the IP layer errors through: checksum, version, truncation', () => {
      assert.equal(wireReason(() => parseCarpFrame(withByte(V1_FRAME_OPENBSD, 22, 254))), 'bad-checksum');
      assert.equal(wireReason(() => parseCarpFrame(withByte(V4_FRAME_IPV6, 14, 0x40))), 'bad-version');
      for (const frame of [V1_FRAME_OPENBSD, V4_FRAME_IPV6]) {
        for (let n = 0; n < frame.length; n++) {
          assert.equal(wireReason(() => parseCarpFrame(frame.subarray(0, n))), 'truncated', `length ${n}`);
        }
      }
    });
  });

  describe('buildGratuitousArp', () => {
    it('builds docs/protocol.md §3.8: a broadcast request, sender = target = the VIP, padded to 60', () => {
      const frame = buildGratuitousArp(virtualMac(1), VIP4);
      assert.equal(frame.length, 60);
      assert.deepEqual(frame.subarray(0, 42), GARP_V1);
      assert.ok(frame.subarray(42).every((b) => b === 0));
      const arp = decodeArp(frame, 14);
      assert.deepEqual(arp.senderIp, VIP4);
      assert.deepEqual(arp.targetIp, VIP4);
    });

    it('refuses an IPv6 address or a bad MAC', () => {
      assert.equal(wireReason(() => buildGratuitousArp(virtualMac(1), VIP6)), 'bad-header');
      assert.equal(wireReason(() => buildGratuitousArp(Buffer.alloc(4), VIP4)), 'bad-length');
    });
  });

  describe('buildUnsolicitedNeighborAdvert', () => {
    it('builds an advertisement from the VIP to ff02::1 with Override and Router', () => {
      assert.deepEqual(buildUnsolicitedNeighborAdvert(virtualMac(1), VIP6, { router: true }), NA_V4_ROUTER);
    });

    it('leaves Router out when asked, and decodes back with the VIP and the MAC', () => {
      const frame = buildUnsolicitedNeighborAdvert(virtualMac(1), VIP6, { router: false });
      const ip = decodeIpv6(frame, 14);
      assert.deepEqual(ip.source, VIP6);
      assert.deepEqual(ip.destination, parseIp('ff02::1'));
      assert.equal(ip.hopLimit, 255);
      assert.equal(ip.nextHeader, 58);
      const na = decodeNdp(frame, ip, ip.payloadOffset, ip.payloadLength) as NeighborAdvertisement;
      assert.deepEqual(na, {
        type: 136,
        target: VIP6,
        router: false,
        solicited: false,
        override: true,
        targetLinkLayer: virtualMac(1),
      });
    });

    it('refuses an IPv4 address or a bad MAC', () => {
      const options = { router: false };
      assert.equal(wireReason(() => buildUnsolicitedNeighborAdvert(virtualMac(1), VIP4, options)), 'bad-header');
      assert.equal(wireReason(() => buildUnsolicitedNeighborAdvert(Buffer.alloc(8), VIP6, options)), 'bad-length');
    });
  });
});
