import assert from 'node:assert/strict';
import { parsePrefix } from '../../src/wire/address';
import {
  NetlinkDecodeError,
  decodeAddress,
  decodeErrno,
  decodeLink,
  encodeAddressRequest,
  encodeLinkByName,
} from '../../src/kernel/rtnetlink-codec';
import * as c from '../../src/kernel/rtnetlink-constants';
import { NEWADDR_V4, NEWADDR_V6, NEWLINK_VETH_D1 } from './fixtures/captured-messages';
import { addressPayload, linkPayload } from './fixtures/rtnl-builders';

// The byte tests assume a little-endian host (x86-64, arm64), as the captures were taken on one.
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('kernel/rtnetlink-codec', () => {
  it('decodes a captured veth NEWLINK, skipping the attributes it does not need', () => {
    const link = decodeLink(NEWLINK_VETH_D1);
    assert.equal(link.family, c.AF_UNSPEC);
    assert.equal(link.index, 5);
    assert.equal(link.type, c.ARPHRD_ETHER);
    assert.equal(link.name, 'd1');
    assert.equal(link.mtu, 1400);
    assert.deepEqual(link.hardwareAddress, hex('ce7ec753e9f3'));
    assert.equal(link.flags & (c.IFF_UP | c.IFF_LOWER_UP), c.IFF_UP | c.IFF_LOWER_UP);
  });

  it('decodes captured IPv4 and IPv6 NEWADDR messages, with the full IFA_FLAGS', () => {
    const v4 = decodeAddress(NEWADDR_V4);
    assert.deepEqual(
      { family: v4.family, index: v4.index, scope: v4.scope, flags: v4.flags, prefix: v4.prefix },
      { family: c.AF_INET, index: 5, scope: 0, flags: 0x80, prefix: parsePrefix('10.9.9.1/24') },
    );
    const v6 = decodeAddress(NEWADDR_V6);
    assert.deepEqual(v6.prefix, parsePrefix('2001:db8:9::1/64'));
    assert.equal(v6.flags, 0x82);
  });

  it('prefers IFA_LOCAL over IFA_ADDRESS (the peer of a point-to-point address)', () => {
    const payload = addressPayload({ index: 3, prefix: '10.0.0.1/32' });
    // Overwrite the IFA_ADDRESS value (the first attribute, after its 4-byte header) with a peer.
    Buffer.from([10, 0, 0, 2]).copy(payload, c.IFADDRMSG_LENGTH + 4);
    assert.deepEqual(decodeAddress(payload).prefix, parsePrefix('10.0.0.1/32'));
  });

  it('rejects truncated and inconsistent messages with NetlinkDecodeError', () => {
    assert.throws(() => decodeLink(NEWLINK_VETH_D1.subarray(0, 10)), NetlinkDecodeError);
    assert.throws(() => decodeLink(NEWLINK_VETH_D1.subarray(0, 100)), NetlinkDecodeError); // cut inside an attribute
    assert.throws(() => decodeAddress(NEWADDR_V4.subarray(0, 7)), NetlinkDecodeError);
    const noName = Buffer.from(linkPayload({ index: 2, name: 'x' }).subarray(0, c.IFINFOMSG_LENGTH));
    assert.throws(() => decodeLink(noName), /no IFLA_IFNAME/);
    const wrongFamily = Buffer.from(NEWADDR_V4);
    wrongFamily[0] = c.AF_INET6;
    assert.throws(() => decodeAddress(wrongFamily), /without a matching address/);
    const longPrefix = Buffer.from(NEWADDR_V4);
    longPrefix[1] = 33;
    assert.throws(() => decodeAddress(longPrefix), /prefix length 33/);
    assert.throws(() => decodeErrno(Buffer.alloc(2)), NetlinkDecodeError);
  });

  it('reads the errno of an error message', () => {
    assert.equal(decodeErrno(hex('efffffff')), -17);
    assert.equal(decodeErrno(hex('00000000')), 0);
  });

  it('encodes a link request by name, as `ip link set carp0 up` does', () => {
    const bytes = Buffer.concat(encodeLinkByName('carp0', c.IFF_UP, c.IFF_UP));
    // ifinfomsg: family 0, type 0, index 0, flags IFF_UP, change IFF_UP; IFLA_IFNAME "carp0\0" padded.
    assert.deepEqual(bytes, hex('00000000 00000000 01000000 01000000 0a000300 63617270 3000'));
    assert.equal(decodeLink(Buffer.concat([bytes, hex('0000 08000400 dc050000')])).name, 'carp0');
  });

  it('encodes RTM_NEWADDR as `ip addr add ADDR/LEN dev X` does, flags in the header and IFA_FLAGS', () => {
    const bytes = Buffer.concat(encodeAddressRequest(7, parsePrefix('2001:db8::10/64'), c.IFA_F_NODAD));
    assert.deepEqual(
      bytes,
      hex(
        '0a 40 02 00 07000000' + // family AF_INET6, /64, IFA_F_NODAD, scope universe, index 7
          '1400 0200 20010db8000000000000000000000010' + // IFA_LOCAL
          '1400 0100 20010db8000000000000000000000010' + // IFA_ADDRESS
          '0800 0800 02000000', // IFA_FLAGS
      ),
    );
    const decoded = decodeAddress(bytes);
    assert.deepEqual([decoded.index, decoded.flags, decoded.prefix], [7, c.IFA_F_NODAD, parsePrefix('2001:db8::10/64')]);
  });
});
