import assert from 'node:assert/strict';
import {
  AddressError,
  formatIp,
  formatMac,
  isIpv6LinkLocal,
  multicastMacFor,
  networkOf,
  parseIp,
  parseMac,
  parsePrefix,
  solicitedNodeGroup,
  virtualMac,
} from '../../src/wire/address';

describe('wire/address', () => {
  it('parses and prints IPv4 and IPv6 (RFC 5952)', () => {
    assert.deepEqual(parseIp('192.0.2.10').bytes, Buffer.from([192, 0, 2, 10]));
    assert.equal(formatIp(parseIp('2001:0db8:0:0:0:0:0:0010')), '2001:db8::10');
    assert.equal(parseIp('ff02::12').family, 6);
  });

  it('refuses shorthand, zones and garbage with an AddressError', () => {
    for (const bad of ['10.1', '192.0.2.256', 'fe80::1%eth0', 'carp0', '', '1.2.3.4.5']) {
      assert.throws(() => parseIp(bad), AddressError, bad);
    }
  });

  it('parses prefixes and names the valid range', () => {
    assert.equal(parsePrefix('192.0.2.10/24').prefixLength, 24);
    assert.throws(() => parsePrefix('192.0.2.10'), /needs a prefix length/);
    assert.throws(() => parsePrefix('192.0.2.10/33'), /0-32/);
    assert.throws(() => parsePrefix('2001:db8::1/129'), /0-128/);
    assert.equal(formatIp(networkOf(parsePrefix('192.0.2.77/26'))), '192.0.2.64');
    assert.equal(formatIp(networkOf(parsePrefix('2001:db8::ffff/112'))), '2001:db8::');
  });

  it('knows the CARP MACs and multicast mappings', () => {
    assert.equal(formatMac(virtualMac(7)), '00:00:5e:00:01:07');
    assert.equal(formatMac(multicastMacFor(parseIp('224.0.0.18'))), '01:00:5e:00:00:12');
    assert.equal(formatMac(multicastMacFor(parseIp('ff02::12'))), '33:33:00:00:00:12');
    assert.equal(formatIp(solicitedNodeGroup(parseIp('2001:db8::12:3456'))), 'ff02::1:ff12:3456');
    assert.deepEqual(parseMac('00:00:5E:00:01:07'), virtualMac(7));
    assert.throws(() => parseMac('00:00:5e:00:01'), AddressError);
  });

  it('recognises IPv6 link-local addresses only', () => {
    assert.equal(isIpv6LinkLocal(parseIp('fe80::1')), true);
    assert.equal(isIpv6LinkLocal(parseIp('febf::1')), true);
    assert.equal(isIpv6LinkLocal(parseIp('fec0::1')), false);
    assert.equal(isIpv6LinkLocal(parseIp('192.0.2.1')), false);
  });
});
