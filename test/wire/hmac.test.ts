import assert from 'node:assert/strict';
import { parseIp } from '../../src/wire/address';
import { computeHmac, deriveKey, hmacMessage, verifyHmac } from '../../src/wire/hmac';
import { V1_COUNTER, V1_HMAC, hex } from './vectors';

const secret = deriveKey('secret');
const v1 = { vhid: 1, addresses: [parseIp('192.0.2.10')], counter: V1_COUNTER };

describe('wire/hmac', () => {
  it('derives the key as the passphrase bytes, at most 19 of them (V8)', () => {
    assert.deepEqual(secret, { bytes: Buffer.from('secret'), truncated: false });
    const long = deriveKey('abcdefghijklmnopqrst');
    assert.deepEqual(long.bytes, hex('61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73'));
    assert.equal(long.truncated, true);
    assert.equal(deriveKey('abcdefghijklmnopqrs').truncated, false);
    assert.deepEqual(computeHmac(long, v1), hex('9b 79 dd 55 04 5d f9 9e 18 fa b9 c2 27 13 f2 b5 22 35 cb 71'));
  });

  it('stops the key at an embedded NUL, as strlcpy does', () => {
    assert.deepEqual(deriveKey(Buffer.from('sec\0ret')).bytes, Buffer.from('sec'));
  });

  it('V1: message 02 01 01 c000020a counter, HMAC 3ad3...83c1', () => {
    assert.deepEqual(hmacMessage(v1), hex('02 01 01 c0 00 02 0a 01 02 03 04 05 06 07 08'));
    assert.deepEqual(computeHmac(secret, v1), V1_HMAC);
  });

  it('V2: no passphrase means an all-zero key, and the HMAC is still required', () => {
    assert.deepEqual(computeHmac(deriveKey(''), v1), hex('ed 06 3e 82 c3 e7 8c 7c 61 52 d6 71 9e 0f 02 20 7e 44 b3 50'));
  });

  it('V3: addresses are hashed sorted whatever the configuration order', () => {
    const input = { vhid: 1, addresses: [parseIp('192.0.2.20'), parseIp('192.0.2.10')], counter: V1_COUNTER };
    assert.deepEqual(hmacMessage(input), hex('02 01 01 c0 00 02 0a c0 00 02 14 01 02 03 04 05 06 07 08'));
    assert.deepEqual(computeHmac(secret, input), hex('9c 3f f5 95 4c 62 cd 44 0d 43 e6 3d ea dd 8f 9d 35 47 48 21'));
    const legacy = hex('ef 29 7b 40 15 6b 3e 40 cb 4e e1 14 5c 95 4f 80 26 bc 8e 32');
    assert.deepEqual(computeHmac(secret, input, 'configuration-order'), legacy);
    assert.equal(verifyHmac(secret, input, legacy), 'configuration-order');
  });

  it('V4: IPv4 then IPv6, one HMAC for both families; link-local excluded when sending', () => {
    const withLinkLocal = {
      vhid: 1,
      addresses: [parseIp('fe80::200:5eff:fe00:101'), parseIp('2001:db8::10'), parseIp('192.0.2.10')],
      counter: V1_COUNTER,
    };
    const standard = hex('cb 3a 9a f3 36 4a 26 74 34 68 7a 74 24 0e 9a 15 cf ce dd ae');
    const openbsdAlternative = hex('da 5a 83 69 08 5f 79 8b eb fd 8e a7 fc a3 e9 6f 62 d2 f6 5f');
    assert.deepEqual(computeHmac(secret, withLinkLocal), standard);
    assert.deepEqual(computeHmac(secret, withLinkLocal, 'sorted-with-link-local'), openbsdAlternative);
    assert.equal(verifyHmac(secret, withLinkLocal, standard), 'sorted');
    assert.equal(verifyHmac(secret, withLinkLocal, openbsdAlternative), 'sorted-with-link-local');
  });

  it('V5: an OpenBSD custom lladdr is hashed between type and vhid', () => {
    const input = { ...v1, lladdr: hex('02 00 00 00 00 01') };
    assert.deepEqual(hmacMessage(input), hex('02 01 02 00 00 00 00 01 01 c0 00 02 0a 01 02 03 04 05 06 07 08'));
    assert.deepEqual(computeHmac(secret, input), hex('7b 5b 7a da e8 5c e4 53 73 d0 ed 18 1e 9a 0a d0 d0 2e ec 92'));
  });

  it('hashes duplicates once and never the all-zero or all-ones address', () => {
    const noisy = {
      ...v1,
      addresses: [parseIp('192.0.2.10'), parseIp('0.0.0.0'), parseIp('192.0.2.10'), parseIp('255.255.255.255'), parseIp('::')],
    };
    assert.deepEqual(hmacMessage(noisy), hmacMessage(v1));
  });

  it('rejects a wrong passphrase, a different address set, another vhid and a changed counter', () => {
    assert.equal(verifyHmac(secret, v1, V1_HMAC), 'sorted');
    assert.equal(verifyHmac(deriveKey('Secret'), v1, V1_HMAC), null);
    assert.equal(verifyHmac(secret, { ...v1, addresses: [parseIp('192.0.2.11')] }, V1_HMAC), null);
    assert.equal(verifyHmac(secret, { ...v1, vhid: 2 }, V1_HMAC), null);
    assert.equal(verifyHmac(secret, { ...v1, counter: hex('0102030405060709') }, V1_HMAC), null);
    assert.equal(verifyHmac(secret, v1, V1_HMAC.subarray(0, 19)), null);
  });
});
