import assert from 'node:assert/strict';
import { type IpAddress, parseIp, parseMac } from '../../src/wire/address';
import { finishChecksum, sumWords } from '../../src/wire/checksum';
import {
  NDP_FLAG_OVERRIDE,
  NDP_FLAG_ROUTER,
  NDP_FLAG_SOLICITED,
  NDP_HEADER_LENGTH,
  NDP_OFFSET_CHECKSUM,
  NDP_OFFSET_FLAGS,
  NDP_TYPE_NEIGHBOR_ADVERTISEMENT,
  NDP_TYPE_NEIGHBOR_SOLICITATION,
  type NdpMessage,
  type NeighborAdvertisement,
  type NeighborSolicitation,
  decodeNdp,
  encodeNdp,
  ndpLength,
} from '../../src/wire/ndp';
import { hex } from './vectors';
import { assertUntouched, withByte, wireReason } from './wire-assert';

// Checksums below were computed with an independent script (RFC 8200 8.1 pseudo-header).
const target = parseIp('2001:db8::10');
const nsEndpoints = { source: parseIp('fe80::2'), destination: parseIp('ff02::1:ff00:10') };
const NS = hex('87 00 4b 41 00000000 20010db8000000000000000000000010 01 01 020000000002');
const dadEndpoints = { source: parseIp('::'), destination: parseIp('ff02::1:ff00:10') };
const DAD_NS = hex('87 00 4c cf 00000000 20010db8000000000000000000000010');
const naEndpoints = { source: parseIp('fe80::1'), destination: parseIp('fe80::2') };
const NA = hex('88 00 8b d4 60000000 20010db8000000000000000000000010 02 01 00005e000101');

const nsFields: NeighborSolicitation = {
  type: NDP_TYPE_NEIGHBOR_SOLICITATION,
  target,
  sourceLinkLayer: parseMac('02:00:00:00:00:02'),
};
const naFields: NeighborAdvertisement = {
  type: NDP_TYPE_NEIGHBOR_ADVERTISEMENT,
  target,
  router: false,
  solicited: true,
  override: true,
  targetLinkLayer: parseMac('00:00:5e:00:01:01'),
};

/** Rewrites the ICMPv6 checksum of a hand-modified message so that only the tested defect remains. */
function withChecksum(message: Buffer, endpoints: { source: IpAddress; destination: IpAddress }): Buffer {
  message.writeUInt16BE(0, NDP_OFFSET_CHECKSUM);
  let sum = sumWords(endpoints.source.bytes, 0, 16);
  sum = sumWords(endpoints.destination.bytes, 0, 16, sum);
  sum += message.length + 58;
  message.writeUInt16BE(finishChecksum(sumWords(message, 0, message.length, sum)), NDP_OFFSET_CHECKSUM);
  return message;
}

describe('wire/ndp', () => {
  it('decodes a solicitation with its source link-layer option', () => {
    assert.deepEqual(decodeNdp(NS, nsEndpoints), nsFields);
  });

  it('decodes a DAD solicitation from :: (no option)', () => {
    assert.deepEqual(decodeNdp(DAD_NS, dadEndpoints), { ...nsFields, sourceLinkLayer: undefined });
  });

  it('decodes an advertisement: flags R/S/O and the target link-layer option', () => {
    assert.deepEqual(decodeNdp(NA, naEndpoints), naFields);
    const router = withChecksum(withByte(NA, NDP_OFFSET_FLAGS, NDP_FLAG_ROUTER), naEndpoints);
    const decoded = decodeNdp(router, naEndpoints) as NeighborAdvertisement;
    assert.deepEqual([decoded.router, decoded.solicited, decoded.override], [true, false, false]);
  });

  it('decodes at an offset with the length the IPv6 header gives, ignoring bytes after it', () => {
    const framed = Buffer.concat([Buffer.alloc(54, 0xee), NA, Buffer.alloc(8, 0x77)]);
    assert.deepEqual(decodeNdp(framed, naEndpoints, 54, NA.length), naFields);
  });

  it('returns copies', () => {
    const buf = Buffer.from(NA);
    const decoded = decodeNdp(buf, naEndpoints);
    buf.fill(0);
    assert.deepEqual(decoded, naFields);
  });

  it('keeps the first link-layer option, skips unknown ones and the one not defined for the type', () => {
    const mtu = hex('05 01 0000 000005dc');
    const otherTarget = hex('02 01 0a0b0c0d0e0f');
    const na = withChecksum(Buffer.concat([NA.subarray(0, 24), mtu, NA.subarray(24), otherTarget]), naEndpoints);
    assert.deepEqual(decodeNdp(na, naEndpoints), naFields);
    const ns = withChecksum(Buffer.concat([NS, otherTarget]), nsEndpoints);
    assert.deepEqual(decodeNdp(ns, nsEndpoints), nsFields);
  });

  it('rejects every truncation as truncated (options included)', () => {
    for (let n = 0; n < NS.length; n++) {
      if (n === NDP_HEADER_LENGTH) continue; // a whole message without the option: see the next test
      assert.equal(wireReason(() => decodeNdp(NS.subarray(0, n), nsEndpoints)), 'truncated', `length ${n}`);
    }
    assert.equal(wireReason(() => decodeNdp(NS, nsEndpoints, 0, NS.length + 1)), 'truncated');
    assert.equal(wireReason(() => decodeNdp(NS, nsEndpoints, 40)), 'truncated');
  });

  it('notices a message cut at an option boundary through its checksum', () => {
    assert.equal(wireReason(() => decodeNdp(NS.subarray(0, NDP_HEADER_LENGTH), nsEndpoints)), 'bad-checksum');
  });

  it('rejects bad checksums, also when the pseudo-header addresses differ', () => {
    for (let i = 0; i < NA.length; i++) {
      if (i === 0 || i === 25) continue; // type and option length are checked first, tested below
      const damaged = withByte(NA, i, (NA[i] as number) ^ 0x01);
      assert.equal(wireReason(() => decodeNdp(damaged, naEndpoints)), 'bad-checksum', `byte ${i}`);
    }
    assert.equal(wireReason(() => decodeNdp(NA, { ...naEndpoints, source: parseIp('fe80::3') })), 'bad-checksum');
    assert.equal(wireReason(() => decodeNdp(NA, { ...naEndpoints, destination: parseIp('ff02::1') })), 'bad-checksum');
  });

  it('rejects other ICMPv6 types as unsupported', () => {
    for (const type of [1, 128, 129, 133, 134, 137, 143]) {
      assert.equal(wireReason(() => decodeNdp(withByte(NA, 0, type), naEndpoints)), 'unsupported', `type ${type}`);
    }
  });

  it('rejects an option of length 0 as bad-length (RFC 4861 4.6), and an Ethernet option of 16 bytes', () => {
    const zero = withChecksum(Buffer.concat([NA, hex('05 00 000000000000')]), naEndpoints);
    assert.equal(wireReason(() => decodeNdp(zero, naEndpoints)), 'bad-length');
    const wideOption = hex('02 02 00005e000101 0000000000000000');
    const wide = withChecksum(Buffer.concat([NA.subarray(0, 24), wideOption]), naEndpoints);
    assert.equal(wireReason(() => decodeNdp(wide, naEndpoints)), 'bad-length');
  });

  it('rejects an option running past the end as truncated', () => {
    const overrun = withChecksum(withByte(NA, 25, 2), naEndpoints);
    assert.equal(wireReason(() => decodeNdp(overrun, naEndpoints)), 'truncated');
  });

  it('enforces RFC 4861 7.1: code 0, unicast target, no option from ::, no Solicited to multicast', () => {
    assert.equal(wireReason(() => decodeNdp(withChecksum(withByte(NA, 1, 1), naEndpoints), naEndpoints)), 'bad-header');
    const multicastTarget = withChecksum(withByte(NA, 8, 0xff), naEndpoints);
    assert.equal(wireReason(() => decodeNdp(multicastTarget, naEndpoints)), 'bad-header');
    assert.equal(wireReason(() => decodeNdp(withChecksum(Buffer.from(NS), dadEndpoints), dadEndpoints)), 'bad-header');
    const toAllNodes = { ...naEndpoints, destination: parseIp('ff02::1') };
    assert.equal(wireReason(() => decodeNdp(withChecksum(Buffer.from(NA), toAllNodes), toAllNodes)), 'bad-header');
    const unsolicited = withByte(NA, NDP_OFFSET_FLAGS, NDP_FLAG_OVERRIDE);
    const decoded = decodeNdp(withChecksum(unsolicited, toAllNodes), toAllNodes) as NeighborAdvertisement;
    assert.equal(decoded.override, true);
  });

  it('needs IPv6 addresses for the pseudo-header', () => {
    const v4 = { source: parseIp('192.0.2.1'), destination: parseIp('192.0.2.2') };
    assert.equal(wireReason(() => decodeNdp(NA, v4)), 'bad-header');
  });

  it('encodes the fixtures byte for byte, with and without the option', () => {
    assert.deepEqual(encodeNdp(nsFields, nsEndpoints), NS);
    assert.deepEqual(encodeNdp({ ...nsFields, sourceLinkLayer: undefined }, dadEndpoints), DAD_NS);
    assert.deepEqual(encodeNdp(naFields, naEndpoints), NA);
    assert.equal(ndpLength(naFields), 32);
    assert.equal(ndpLength({ ...naFields, targetLinkLayer: undefined }), 24);
  });

  it('writes each flag to its own bit', () => {
    const flags = (m: Partial<NeighborAdvertisement>): number =>
      encodeNdp({ ...naFields, router: false, solicited: false, override: false, ...m }, naEndpoints)[4] as number;
    assert.equal(flags({ router: true }), NDP_FLAG_ROUTER);
    assert.equal(flags({ solicited: true }), NDP_FLAG_SOLICITED);
    assert.equal(flags({ override: true }), NDP_FLAG_OVERRIDE);
    assert.equal(flags({}), 0);
  });

  it('writes at an offset, leaves the rest alone, and decodes back', () => {
    const buf = Buffer.alloc(100, 0xaa);
    encodeNdp(naFields, naEndpoints, buf, 54);
    assert.deepEqual(buf.subarray(54, 86), NA);
    assert.ok(buf.subarray(0, 54).every((b) => b === 0xaa));
    assert.ok(buf.subarray(86).every((b) => b === 0xaa));
    assert.deepEqual(decodeNdp(buf, naEndpoints, 54, 32), naFields);
  });

  it('refuses bad messages and short targets, writing nothing', () => {
    const buf = Buffer.alloc(32, 0xaa);
    const cases: [NdpMessage, typeof naEndpoints, string][] = [
      [{ ...naFields, targetLinkLayer: Buffer.alloc(5) }, naEndpoints, 'bad-length'],
      [{ ...naFields, target: parseIp('192.0.2.1') }, naEndpoints, 'bad-header'],
      [naFields, { ...naEndpoints, source: parseIp('192.0.2.1') }, 'bad-header'],
      [{ ...naFields, type: 137 } as unknown as NdpMessage, naEndpoints, 'bad-header'],
    ];
    for (const [message, endpoints, reason] of cases) {
      assert.equal(wireReason(() => encodeNdp(message, endpoints, buf)), reason);
      assertUntouched(buf, 0xaa);
    }
    assert.equal(wireReason(() => encodeNdp(naFields, naEndpoints, buf, 1)), 'truncated');
    assertUntouched(buf, 0xaa);
  });
});
