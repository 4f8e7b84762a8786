import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type ArpHashKey, type ByteOrder, arpHashKey, carpHash } from '../../src/balance/arp-hash';
import { parseMac } from '../../src/wire/address';
import { deriveKey } from '../../src/wire/hmac';

const SECRET = deriveKey('secret').bytes;

/** lookup2 over BigInt with an explicit 32-bit mask: an independent check of the wraparound. */
function referenceHash(key: Uint8Array, mac: Uint8Array, order: ByteOrder): bigint {
  const M = 0xffffffffn;
  const k = Buffer.alloc(20);
  k.set(key.subarray(0, 20));
  const pad = Buffer.alloc(64, 0x36);
  k.forEach((byte, i) => (pad[i] = byte ^ 0x36));
  const d = createHash('sha1').update(Buffer.concat([pad, Buffer.from([2, 1])])).digest();
  const w = (i: number): bigint => BigInt(order === 'little-endian' ? d.readUInt32LE(4 * i) : d.readUInt32BE(4 * i));
  const byte = (b: Uint8Array, i: number): bigint => BigInt(b[i] ?? 0);
  let a = (0x9e3779b9n + byte(mac, 0) + (byte(mac, 1) << 8n) + (byte(mac, 2) << 16n) + (byte(mac, 3) << 24n)) & M;
  let b = ((w(0) ^ w(1)) + byte(mac, 4) + (byte(mac, 5) << 8n)) & M;
  let c = ((w(2) ^ w(3)) + byte(k, 0) + (byte(k, 1) << 8n) + (byte(k, 2) << 16n) + (byte(k, 3) << 24n)) & M;
  const steps: [number, bigint, boolean][] = [
    [0, 13n, false], [1, 8n, true], [2, 13n, false],
    [0, 12n, false], [1, 16n, true], [2, 5n, false],
    [0, 3n, false], [1, 10n, true], [2, 15n, false],
  ];
  for (const [which, shift, left] of steps) {
    if (which === 0) a = ((a - b - c) & M) ^ (left ? (c << shift) & M : c >> shift);
    if (which === 1) b = ((b - c - a) & M) ^ (left ? (a << shift) & M : a >> shift);
    if (which === 2) c = ((c - a - b) & M) ^ (left ? (b << shift) & M : b >> shift);
  }
  return c;
}

describe('carp_hash (OpenBSD ARP balancing)', () => {
  it('derives hk0 and hk1 from SHA-1(inner pad || 02 01) read as little-endian words', () => {
    const key = arpHashKey(SECRET);
    assert.equal(key.hk0, 0x082cb93c);
    assert.equal(key.hk1, 0x8f6f4c06);
    assert.equal(key.keyWord, 0x72636573, '"secr", little-endian');
  });

  const cases: readonly [string, number, number, number, number][] = [
    // MAC, hash on a little-endian host, mod 2, mod 3, hash on a big-endian host
    ['00:11:22:33:44:55', 0xca35733d, 1, 2, 0x6f54fd92],
    ['00:00:5e:00:01:fe', 0x819b7b3a, 0, 0, 0x39c9aee1],
    ['aa:bb:cc:dd:ee:ff', 0xda1db211, 1, 1, 0xf695f87a],
  ];

  it('hashes requester MACs as an amd64/i386 OpenBSD does (passphrase "secret")', () => {
    const key = arpHashKey(SECRET);
    for (const [mac, hash, mod2, mod3] of cases) {
      const value = carpHash(key, parseMac(mac));
      assert.equal(value, hash, mac);
      assert.equal(value % 2, mod2, `${mac} mod 2`);
      assert.equal(value % 3, mod3, `${mac} mod 3`);
    }
  });

  it('hashes as a big-endian OpenBSD host does when asked to', () => {
    const key = arpHashKey(SECRET, 'big-endian');
    for (const [mac, , , , hash] of cases) assert.equal(carpHash(key, parseMac(mac)), hash, mac);
  });

  it('reads the MAC at an offset, e.g. the sender hardware address of an ARP payload', () => {
    const arp = Buffer.alloc(28);
    parseMac('00:11:22:33:44:55').copy(arp, 8);
    assert.equal(carpHash(arpHashKey(SECRET), arp, 8), 0xca35733d);
  });

  it('agrees with a BigInt reference for other keys and MACs, the empty key included', () => {
    const keys = [Buffer.alloc(0), Buffer.from('ab'), deriveKey('mekmitasdigoat').bytes, Buffer.alloc(20, 0xff)];
    for (const keyBytes of keys) {
      for (const order of ['little-endian', 'big-endian'] as const) {
        const key: ArpHashKey = arpHashKey(keyBytes, order);
        for (let i = 0; i < 50; i++) {
          const mac = Buffer.from([i * 37, 255 - i, i * 5, 0x80 | i, i * 91, 0xff - i * 3].map((x) => x & 0xff));
          assert.equal(BigInt(carpHash(key, mac)), referenceHash(keyBytes, mac, order), `${keyBytes.toString('hex')} ${order} ${mac.toString('hex')}`);
        }
      }
    }
  });

  it('refuses fewer than 6 MAC bytes instead of hashing missing ones as zeros', () => {
    assert.throws(() => carpHash(arpHashKey(SECRET), Buffer.alloc(5)), RangeError);
    assert.throws(() => carpHash(arpHashKey(SECRET), Buffer.alloc(28), 23), RangeError);
  });
});
