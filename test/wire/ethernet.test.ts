import assert from 'node:assert/strict';
import { parseMac } from '../../src/wire/address';
import {
  ETHERNET_HEADER_LENGTH,
  ETHERNET_OFFSET_ETHERTYPE,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  decodeEthernet,
  encodeEthernet,
} from '../../src/wire/ethernet';
import { V1_FRAME_OPENBSD, V4_FRAME_IPV6, hex } from './vectors';
import { assertUntouched, wireReason } from './wire-assert';

describe('wire/ethernet', () => {
  const v1Header = {
    destination: parseMac('01:00:5e:00:00:12'),
    source: parseMac('00:00:5e:00:01:01'),
    etherType: ETHERTYPE_IPV4,
  };

  it('uses the IEEE EtherType numbers', () => {
    assert.deepEqual([ETHERTYPE_IPV4, ETHERTYPE_ARP, ETHERTYPE_IPV6], [0x0800, 0x0806, 0x86dd]);
    assert.equal(V1_FRAME_OPENBSD.readUInt16BE(ETHERNET_OFFSET_ETHERTYPE), ETHERTYPE_IPV4);
  });

  it('decodes the V1 and V4 frames: group MAC, virtual MAC, EtherType, payload at 14', () => {
    assert.deepEqual(decodeEthernet(V1_FRAME_OPENBSD), { ...v1Header, payloadOffset: ETHERNET_HEADER_LENGTH });
    const v4 = decodeEthernet(V4_FRAME_IPV6);
    assert.deepEqual(v4.destination, parseMac('33:33:00:00:00:12'));
    assert.equal(v4.etherType, ETHERTYPE_IPV6);
  });

  it('decodes at an offset (a 10-byte virtio-net header in front) and reports the payload index', () => {
    const buf = Buffer.concat([Buffer.alloc(10, 0xee), V1_FRAME_OPENBSD]);
    assert.deepEqual(decodeEthernet(buf, 10), { ...v1Header, payloadOffset: 24 });
  });

  it('returns copies of the addresses', () => {
    const buf = Buffer.from(V1_FRAME_OPENBSD);
    const decoded = decodeEthernet(buf);
    buf.fill(0);
    assert.deepEqual(decoded.source, parseMac('00:00:5e:00:01:01'));
  });

  it('accepts a bare 14-byte header (frames captured on the sender are not padded)', () => {
    assert.equal(decodeEthernet(V1_FRAME_OPENBSD.subarray(0, 14)).etherType, ETHERTYPE_IPV4);
  });

  it('rejects every truncation and offsets outside the buffer as truncated', () => {
    for (let n = 0; n < ETHERNET_HEADER_LENGTH; n++) {
      assert.equal(wireReason(() => decodeEthernet(V1_FRAME_OPENBSD.subarray(0, n))), 'truncated', `length ${n}`);
    }
    assert.equal(wireReason(() => decodeEthernet(V1_FRAME_OPENBSD, 57)), 'truncated');
    assert.equal(wireReason(() => decodeEthernet(V1_FRAME_OPENBSD, 500)), 'truncated');
    assert.equal(wireReason(() => decodeEthernet(V1_FRAME_OPENBSD, -1)), 'truncated');
  });

  it('rejects an 802.3 length field (below 0x0600) as unsupported', () => {
    const llc = hex('01 80 c2 00 00 00 00 11 22 33 44 55 00 26 42 42 03');
    assert.equal(wireReason(() => decodeEthernet(llc)), 'unsupported');
    assert.equal(decodeEthernet(hex('01 80 c2 00 00 00 00 11 22 33 44 55 06 00')).etherType, 0x0600);
  });

  it('encodes the V1 header byte for byte', () => {
    assert.deepEqual(encodeEthernet(v1Header), V1_FRAME_OPENBSD.subarray(0, 14));
  });

  it('writes at an offset and leaves the rest of the buffer alone', () => {
    const target = Buffer.alloc(30, 0xaa);
    encodeEthernet(v1Header, target, 10);
    assert.deepEqual(target.subarray(10, 24), V1_FRAME_OPENBSD.subarray(0, 14));
    assert.ok(target.subarray(0, 10).every((b) => b === 0xaa));
    assert.ok(target.subarray(24).every((b) => b === 0xaa));
    assert.deepEqual(decodeEthernet(target, 10), { ...v1Header, payloadOffset: 24 });
  });

  it('refuses bad fields and short targets, writing nothing', () => {
    const target = Buffer.alloc(14, 0xaa);
    const cases = [
      [{ ...v1Header, source: Buffer.alloc(5) }, 'bad-length'],
      [{ ...v1Header, destination: Buffer.alloc(7) }, 'bad-length'],
      [{ ...v1Header, etherType: 0x05dc }, 'bad-header'],
      [{ ...v1Header, etherType: 0x10000 }, 'bad-header'],
      [{ ...v1Header, etherType: 2048.5 }, 'bad-header'],
    ] as const;
    for (const [header, reason] of cases) {
      assert.equal(wireReason(() => encodeEthernet(header, target)), reason);
      assertUntouched(target, 0xaa);
    }
    assert.equal(wireReason(() => encodeEthernet(v1Header, target, 1)), 'truncated');
    assertUntouched(target, 0xaa);
  });
});
