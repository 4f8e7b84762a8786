import assert from 'node:assert/strict';
import { parseIp } from '../../src/wire/address';
import { IPPROTO_CARP } from '../../src/wire/carp';
import {
  IPV4_MIN_HEADER_LENGTH,
  IPV4_OFFSET_CHECKSUM,
  IPV4_OFFSET_DESTINATION,
  IPV4_OFFSET_PROTOCOL,
  IPV4_OFFSET_TTL,
  type Ipv4Header,
  decodeIpv4,
  encodeIpv4,
  setIpv4Identification,
} from '../../src/wire/ipv4';
import { V1_FRAME_FREEBSD, V1_FRAME_OPENBSD, V1_HEADER, hex } from './vectors';
import { assertUntouched, fixChecksum, withByte, wireReason } from './wire-assert';

/** The 56-byte IPv4 packet of the OpenBSD-style V1 frame: header c6fd, then the CARP header. */
const V1_PACKET = V1_FRAME_OPENBSD.subarray(14);
/** An IGMP-style header with the Router Alert option (IHL 6), checksum computed independently. */
const WITH_OPTIONS = hex('46 c0 00 20 00 00 40 00 01 02 42 57 c0 a8 01 02 e0 00 00 16 94 04 00 00');
const WITH_OPTIONS_PACKET = Buffer.concat([WITH_OPTIONS, hex('16 00 fa 04 e0 00 00 16')]);

const v1Fields: Ipv4Header = {
  tos: 0x10,
  id: 0x1234,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 255,
  protocol: IPPROTO_CARP,
  source: parseIp('192.0.2.1'),
  destination: parseIp('224.0.0.18'),
  payloadLength: 36,
};

describe('wire/ipv4', () => {
  it('exports the field offsets the classifier reads without decoding', () => {
    assert.equal(V1_PACKET[IPV4_OFFSET_PROTOCOL], IPPROTO_CARP);
    assert.equal(V1_PACKET[IPV4_OFFSET_TTL], 255);
    assert.deepEqual(V1_PACKET.subarray(IPV4_OFFSET_DESTINATION, IPV4_OFFSET_DESTINATION + 4), hex('e0000012'));
    assert.equal(V1_PACKET.readUInt16BE(IPV4_OFFSET_CHECKSUM), 0xc6fd);
  });

  it('decodes the V1 header to its fields', () => {
    assert.deepEqual(decodeIpv4(V1_PACKET), { ...v1Fields, headerLength: 20, payloadOffset: 20 });
    assert.equal(decodeIpv4(V1_FRAME_FREEBSD, 14).tos, 0xe0);
  });

  it('decodes at an offset: payloadOffset indexes the buffer given', () => {
    const decoded = decodeIpv4(V1_FRAME_OPENBSD, 14);
    assert.equal(decoded.payloadOffset, 34);
    assert.deepEqual(V1_FRAME_OPENBSD.subarray(decoded.payloadOffset), V1_HEADER);
  });

  it('skips options: IHL 6 puts the payload at 24', () => {
    const decoded = decodeIpv4(WITH_OPTIONS_PACKET);
    assert.equal(decoded.headerLength, 24);
    assert.equal(decoded.payloadOffset, 24);
    assert.equal(decoded.payloadLength, 8);
    assert.equal(decoded.tos, 0xc0);
    assert.equal(decoded.ttl, 1);
    assert.equal(decoded.protocol, 2);
    assert.deepEqual(decoded.destination, parseIp('224.0.0.22'));
  });

  it('ignores Ethernet padding after the total length', () => {
    const padded = Buffer.concat([WITH_OPTIONS_PACKET, Buffer.alloc(14, 0x55)]);
    assert.equal(decodeIpv4(padded).payloadLength, 8);
  });

  it('decodes fragment fields: MF and the offset in 8-byte units', () => {
    const fragment = encodeIpv4({ ...v1Fields, dontFragment: false, moreFragments: true, fragmentOffset: 0x1abc });
    assert.equal(fragment.readUInt16BE(6), 0x3abc);
    const decoded = decodeIpv4(Buffer.concat([fragment, Buffer.alloc(36)]));
    assert.equal(decoded.moreFragments, true);
    assert.equal(decoded.dontFragment, false);
    assert.equal(decoded.fragmentOffset, 0x1abc);
  });

  it('returns copies of the addresses', () => {
    const buf = Buffer.from(V1_PACKET);
    const decoded = decodeIpv4(buf);
    buf.fill(0);
    assert.deepEqual(decoded.source, parseIp('192.0.2.1'));
  });

  it('rejects every truncation of the V1 packet and of an options header as truncated', () => {
    for (let n = 0; n < V1_PACKET.length; n++) {
      assert.equal(wireReason(() => decodeIpv4(V1_PACKET.subarray(0, n))), 'truncated', `length ${n}`);
    }
    for (let n = 20; n < WITH_OPTIONS_PACKET.length; n++) {
      assert.equal(wireReason(() => decodeIpv4(WITH_OPTIONS_PACKET.subarray(0, n))), 'truncated', `length ${n}`);
    }
    assert.equal(wireReason(() => decodeIpv4(V1_FRAME_OPENBSD, 51)), 'truncated');
  });

  it('rejects a version other than 4', () => {
    assert.equal(wireReason(() => decodeIpv4(fixChecksum(withByte(V1_PACKET, 0, 0x65), 0, 20, 10))), 'bad-version');
  });

  it('rejects IHL below 5 as bad-header', () => {
    assert.equal(wireReason(() => decodeIpv4(withByte(V1_PACKET, 0, 0x44))), 'bad-header');
    assert.equal(wireReason(() => decodeIpv4(withByte(V1_PACKET, 0, 0x40))), 'bad-header');
  });

  it('rejects a total length below the header length as bad-length', () => {
    const short = Buffer.from(V1_PACKET);
    short.writeUInt16BE(19, 2);
    assert.equal(wireReason(() => decodeIpv4(fixChecksum(short, 0, 20, 10))), 'bad-length');
    const belowOptions = Buffer.from(WITH_OPTIONS_PACKET);
    belowOptions.writeUInt16BE(22, 2);
    assert.equal(wireReason(() => decodeIpv4(fixChecksum(belowOptions, 0, 24, 10))), 'bad-length');
  });

  it('accepts a total length equal to the header (empty payload)', () => {
    const empty = Buffer.from(V1_PACKET);
    empty.writeUInt16BE(20, 2);
    assert.equal(decodeIpv4(fixChecksum(empty, 0, 20, 10)).payloadLength, 0);
  });

  it('rejects a total length beyond the bytes present as truncated', () => {
    const long = Buffer.from(V1_PACKET);
    long.writeUInt16BE(57, 2);
    assert.equal(wireReason(() => decodeIpv4(fixChecksum(long, 0, 20, 10))), 'truncated');
  });

  it('rejects any flipped bit outside version, IHL and total length as a bad checksum', () => {
    for (let bit = 8; bit < IPV4_MIN_HEADER_LENGTH * 8; bit++) {
      if (bit >= 16 && bit < 32) continue; // total length: caught by the length checks first
      const damaged = Buffer.from(V1_PACKET);
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (0x80 >> (bit & 7));
      assert.equal(wireReason(() => decodeIpv4(damaged)), 'bad-checksum', `bit ${bit}`);
    }
    assert.equal(wireReason(() => decodeIpv4(withByte(WITH_OPTIONS_PACKET, 22, 1))), 'bad-checksum');
  });

  it('encodes the V1 header byte for byte (checksum c6fd)', () => {
    assert.deepEqual(encodeIpv4(v1Fields), V1_PACKET.subarray(0, 20));
    assert.deepEqual(encodeIpv4({ ...v1Fields, tos: 0xe0 }), V1_FRAME_FREEBSD.subarray(14, 34));
  });

  it('writes at an offset, leaves the rest alone, and decodes back', () => {
    const target = Buffer.alloc(70, 0xaa);
    encodeIpv4(v1Fields, target, 14);
    assert.deepEqual(target.subarray(14, 34), V1_PACKET.subarray(0, 20));
    assert.ok(target.subarray(0, 14).every((b) => b === 0xaa));
    assert.ok(target.subarray(34).every((b) => b === 0xaa));
    assert.deepEqual(decodeIpv4(target, 14), { ...v1Fields, headerLength: 20, payloadOffset: 34 });
  });

  it('round-trips other field values', () => {
    const fields = { ...v1Fields, tos: 0, id: 0xffff, dontFragment: false, ttl: 1, protocol: 17, payloadLength: 0 };
    assert.deepEqual(decodeIpv4(encodeIpv4(fields)), { ...fields, headerLength: 20, payloadOffset: 20 });
  });

  it('refuses out-of-range fields, IPv6 addresses and short targets, writing nothing', () => {
    const target = Buffer.alloc(20, 0xaa);
    const bad: Partial<Ipv4Header>[] = [
      { tos: 256 },
      { id: -1 },
      { ttl: 1.5 },
      { protocol: 300 },
      { fragmentOffset: 0x2000 },
      { payloadLength: 65516 },
      { source: parseIp('2001:db8::1') },
      { destination: parseIp('ff02::12') },
    ];
    for (const change of bad) {
      const encode = (): Buffer => encodeIpv4({ ...v1Fields, ...change }, target);
      assert.equal(wireReason(encode), 'bad-header', JSON.stringify(change));
      assertUntouched(target, 0xaa);
    }
    assert.equal(wireReason(() => encodeIpv4(v1Fields, target, 1)), 'truncated');
    assertUntouched(target, 0xaa);
  });

  it('gives an encoded header another identification with the checksum encodeIpv4 would give it, and refuses one out of range', () => {
    const frame = Buffer.concat([Buffer.alloc(14, 0xee), encodeIpv4(v1Fields)]);
    setIpv4Identification(frame, 14, 0xbeef);
    assert.deepEqual(frame.subarray(14), encodeIpv4({ ...v1Fields, id: 0xbeef }));
    assert.deepEqual(frame.subarray(0, 14), Buffer.alloc(14, 0xee));
    const before = Buffer.from(frame);
    assert.equal(wireReason(() => setIpv4Identification(frame, 14, 0x10000)), 'bad-header');
    assert.equal(wireReason(() => setIpv4Identification(frame, 15, 1)), 'truncated');
    assert.deepEqual(frame, before);
  });
});
