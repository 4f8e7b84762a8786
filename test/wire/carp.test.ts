import assert from 'node:assert/strict';
import { CARP_HEADER_LENGTH, decodeCarp, encodeCarp } from '../../src/wire/carp';
import { internetChecksum } from '../../src/wire/checksum';
import { V1_COUNTER, V1_HEADER, V1_HMAC, V6_HEADER, V7_HEADER, hex } from './vectors';
import { wireReason } from './wire-assert';

describe('wire/carp', () => {
  const v1 = { vhid: 1, advbase: 1, advskew: 0, demote: 0, counter: V1_COUNTER, hmac: V1_HMAC };

  it('encodes V1 byte for byte, checksum e8e4', () => {
    assert.deepEqual(encodeCarp(v1), V1_HEADER);
  });

  it('encodes V6 (advskew 100, demote 5: only the checksum changes) and V7 (bow-out 255/255)', () => {
    assert.deepEqual(encodeCarp({ ...v1, advskew: 100, demote: 5 }), V6_HEADER);
    assert.deepEqual(encodeCarp({ ...v1, advskew: 255, advbase: 255 }), V7_HEADER);
  });

  it('decodes V1, V6 and V7 to their fields', () => {
    assert.deepEqual(decodeCarp(V1_HEADER), { ...v1, type: 1, authlen: 7 });
    const v6 = decodeCarp(V6_HEADER);
    assert.equal(v6.advskew, 100);
    assert.equal(v6.demote, 5);
    assert.deepEqual(v6.hmac, V1_HMAC);
    const v7 = decodeCarp(V7_HEADER);
    assert.equal(v7.advbase, 255);
    assert.equal(v7.advskew, 255);
  });

  it('writes at an offset into a larger buffer and leaves the rest alone', () => {
    const target = Buffer.alloc(50, 0xaa);
    encodeCarp(v1, target, 7);
    assert.deepEqual(target.subarray(7, 7 + CARP_HEADER_LENGTH), V1_HEADER);
    assert.ok(target.subarray(0, 7).every((b) => b === 0xaa));
    assert.ok(target.subarray(43).every((b) => b === 0xaa));
    assert.deepEqual(decodeCarp(target, 7).hmac, V1_HMAC);
  });

  it('ignores trailing bytes beyond the 36 covered by the checksum, as the BSD kernels do', () => {
    assert.equal(decodeCarp(Buffer.concat([V1_HEADER, hex('deadbeef')])).vhid, 1);
  });

  it('returns copies, so reusing the receive buffer does not change a decoded advertisement', () => {
    const buf = Buffer.from(V1_HEADER);
    const decoded = decodeCarp(buf);
    buf.fill(0);
    assert.deepEqual(decoded.hmac, V1_HMAC);
    assert.deepEqual(decoded.counter, V1_COUNTER);
  });

  it('rejects every truncation of V1 as truncated', () => {
    for (let n = 0; n < CARP_HEADER_LENGTH; n++) {
      assert.equal(wireReason(() => decodeCarp(V1_HEADER.subarray(0, n))), 'truncated', `length ${n}`);
    }
  });

  it('rejects any single flipped bit as a bad checksum (or bad version when the checksum still holds)', () => {
    for (let bit = 0; bit < CARP_HEADER_LENGTH * 8; bit++) {
      const damaged = Buffer.from(V1_HEADER);
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (0x80 >> (bit & 7));
      assert.equal(wireReason(() => decodeCarp(damaged)), 'bad-checksum', `bit ${bit}`);
    }
  });

  it('rejects version 3 (VRRPv3) with a correct checksum as bad-version', () => {
    const vrrp3 = Buffer.from(V1_HEADER);
    vrrp3[0] = 0x31;
    vrrp3.writeUInt16BE(0, 6);
    vrrp3.writeUInt16BE(internetChecksum(vrrp3, 0, 36), 6);
    assert.equal(wireReason(() => decodeCarp(vrrp3)), 'bad-version');
  });

  it('refuses to encode out-of-range fields or wrong-sized counter/HMAC', () => {
    assert.equal(wireReason(() => encodeCarp({ ...v1, vhid: 256 })), 'bad-header');
    assert.equal(wireReason(() => encodeCarp({ ...v1, advskew: -1 })), 'bad-header');
    assert.equal(wireReason(() => encodeCarp({ ...v1, counter: Buffer.alloc(7) })), 'bad-length');
    assert.equal(wireReason(() => encodeCarp(v1, Buffer.alloc(40), 5)), 'truncated');
  });
});
