import assert from 'node:assert/strict';
import { parseIp } from '../../src/wire/address';
import { IPPROTO_CARP } from '../../src/wire/carp';
import {
  IPV6_HEADER_LENGTH,
  IPV6_OFFSET_HOP_LIMIT,
  IPV6_OFFSET_NEXT_HEADER,
  IPV6_OFFSET_PAYLOAD_LENGTH,
  type Ipv6Header,
  decodeIpv6,
  encodeIpv6,
} from '../../src/wire/ipv6';
import { V4_FRAME_IPV6, hex } from './vectors';
import { assertUntouched, withByte, wireReason } from './wire-assert';

/** V4's IPv6 packet: fe80::1 -> ff02::12, next header 112, hop limit 255, 36-byte CARP payload. */
const V4_PACKET = V4_FRAME_IPV6.subarray(14);

const v4Fields: Ipv6Header = {
  trafficClass: 0,
  flowLabel: 0,
  payloadLength: 36,
  nextHeader: IPPROTO_CARP,
  hopLimit: 255,
  source: parseIp('fe80::1'),
  destination: parseIp('ff02::12'),
};

describe('wire/ipv6', () => {
  it('exports the field offsets the classifier reads without decoding', () => {
    assert.equal(V4_PACKET[IPV6_OFFSET_NEXT_HEADER], IPPROTO_CARP);
    assert.equal(V4_PACKET[IPV6_OFFSET_HOP_LIMIT], 255);
    assert.equal(V4_PACKET.readUInt16BE(IPV6_OFFSET_PAYLOAD_LENGTH), 36);
  });

  it('decodes the V4 header to its fields', () => {
    assert.deepEqual(decodeIpv6(V4_PACKET), { ...v4Fields, payloadOffset: 40 });
  });

  it('splits the first word into version, traffic class and flow label', () => {
    const header = Buffer.from(V4_PACKET);
    header.writeUInt32BE(0x6e012345, 0);
    const decoded = decodeIpv6(header);
    assert.equal(decoded.trafficClass, 0xe0);
    assert.equal(decoded.flowLabel, 0x12345);
    assert.deepEqual(encodeIpv6({ ...v4Fields, trafficClass: 0xe0, flowLabel: 0x12345 }), header.subarray(0, 40));
  });

  it('decodes at an offset; payloadOffset indexes the buffer given', () => {
    const decoded = decodeIpv6(V4_FRAME_IPV6, 14);
    assert.equal(decoded.payloadOffset, 54);
    assert.equal(V4_FRAME_IPV6[decoded.payloadOffset], 0x21);
  });

  it('ignores bytes beyond the payload length, and accepts an empty payload', () => {
    assert.equal(decodeIpv6(Buffer.concat([V4_PACKET, Buffer.alloc(6)])).payloadLength, 36);
    const empty = Buffer.from(V4_PACKET.subarray(0, 40));
    empty.writeUInt16BE(0, 4);
    assert.equal(decodeIpv6(empty).payloadLength, 0);
  });

  it('returns copies of the addresses', () => {
    const buf = Buffer.from(V4_PACKET);
    const decoded = decodeIpv6(buf);
    buf.fill(0);
    assert.deepEqual(decoded.source, parseIp('fe80::1'));
    assert.deepEqual(decoded.destination, parseIp('ff02::12'));
  });

  it('rejects every truncation (header or payload) as truncated', () => {
    for (let n = 0; n < V4_PACKET.length; n++) {
      assert.equal(wireReason(() => decodeIpv6(V4_PACKET.subarray(0, n))), 'truncated', `length ${n}`);
    }
    assert.equal(wireReason(() => decodeIpv6(V4_FRAME_IPV6, 51)), 'truncated');
  });

  it('rejects a payload length beyond the bytes present as truncated', () => {
    const long = Buffer.from(V4_PACKET);
    long.writeUInt16BE(37, 4);
    assert.equal(wireReason(() => decodeIpv6(long)), 'truncated');
  });

  it('rejects versions other than 6, IPv4 included', () => {
    assert.equal(wireReason(() => decodeIpv6(withByte(V4_PACKET, 0, 0x40))), 'bad-version');
    assert.equal(wireReason(() => decodeIpv6(withByte(V4_PACKET, 0, 0xf0))), 'bad-version');
  });

  it('encodes the V4 header byte for byte', () => {
    assert.deepEqual(encodeIpv6(v4Fields), V4_PACKET.subarray(0, IPV6_HEADER_LENGTH));
  });

  it('writes at an offset, leaves the rest alone, and decodes back', () => {
    const target = Buffer.alloc(60, 0xaa);
    encodeIpv6(v4Fields, target, 14);
    assert.deepEqual(target.subarray(14, 54), V4_PACKET.subarray(0, 40));
    assert.ok(target.subarray(0, 14).every((b) => b === 0xaa));
    assert.ok(target.subarray(54).every((b) => b === 0xaa));
    const padded = Buffer.concat([target.subarray(0, 54), Buffer.alloc(36)]);
    assert.deepEqual(decodeIpv6(padded, 14), { ...v4Fields, payloadOffset: 54 });
  });

  it('round-trips the extreme field values', () => {
    const fields = {
      ...v4Fields,
      trafficClass: 0xff,
      flowLabel: 0xfffff,
      payloadLength: 3,
      nextHeader: 58,
      hopLimit: 0,
      source: parseIp('::'),
      destination: parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
    };
    const packet = Buffer.concat([encodeIpv6(fields), hex('010203')]);
    assert.deepEqual(decodeIpv6(packet), { ...fields, payloadOffset: 40 });
  });

  it('refuses out-of-range fields, IPv4 addresses and short targets, writing nothing', () => {
    const target = Buffer.alloc(40, 0xaa);
    const bad: Partial<Ipv6Header>[] = [
      { trafficClass: 256 },
      { flowLabel: 0x100000 },
      { payloadLength: 0x10000 },
      { nextHeader: -1 },
      { hopLimit: 2.5 },
      { source: parseIp('192.0.2.1') },
      { destination: parseIp('224.0.0.18') },
    ];
    for (const change of bad) {
      const encode = (): Buffer => encodeIpv6({ ...v4Fields, ...change }, target);
      assert.equal(wireReason(encode), 'bad-header', JSON.stringify(change));
      assertUntouched(target, 0xaa);
    }
    assert.equal(wireReason(() => encodeIpv6(v4Fields, target, 1)), 'truncated');
    assertUntouched(target, 0xaa);
  });
});
