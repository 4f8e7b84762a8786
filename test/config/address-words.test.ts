import assert from 'node:assert/strict';
import { parseNetmask } from '../../src/config/address-words';
import { parseInterfaceFile } from '../../src/config/config-files';
import { parseInterfaceCommand } from '../../src/config/parse-words';
import type { AddressSetting } from '../../src/config/settings';
import { formatPrefix } from '../../src/wire/address';
import { refusal } from './refusal';

/** The address setting of `carpctl carp0 WORDS`. */
function addressOf(line: string): AddressSetting | undefined {
  const command = parseInterfaceCommand(line.split(' '));
  assert.equal(command.kind, 'configure');
  return command.kind === 'configure' ? command.settings.address : undefined;
}

const set = (address: string, prefixLength: number): AddressSetting => ({ kind: 'set', address, prefixLength });

describe('address words (OpenBSD ifconfig`s forms)', () => {
  it('reads the seeds` forms: the address anywhere, with or without a length', () => {
    assert.deepEqual(addressOf('vhid 1 192.168.1.10'), set('192.168.1.10', 32), 'the announcement');
    assert.deepEqual(addressOf('192.168.1.1 vhid 1 advskew 100'), set('192.168.1.1', 32), 'OpenBSD carp(4)');
    assert.deepEqual(addressOf('vhid 1 advskew 100 pass mekmitasdigoat 192.168.1.1/24'), set('192.168.1.1', 24), 'FreeBSD carp(4)');
  });

  it('takes the length as /PREFIX, netmask dotted or hex, or prefixlen, and the family word anywhere', () => {
    assert.deepEqual(addressOf('inet 192.0.2.1 netmask 255.255.255.0'), set('192.0.2.1', 24));
    assert.deepEqual(addressOf('netmask 0xfffffff0 192.0.2.1'), set('192.0.2.1', 28));
    assert.deepEqual(addressOf('192.0.2.1 netmask 0xffffffff'), set('192.0.2.1', 32));
    assert.deepEqual(addressOf('192.0.2.1 prefixlen 16 inet'), set('192.0.2.1', 16));
    assert.deepEqual(addressOf('inet6 2001:db8::1/64'), set('2001:db8::1', 64));
    assert.deepEqual(addressOf('inet6 2001:DB8:0:0::1 prefixlen 48'), set('2001:db8::1', 48), 'printed as RFC 5952');
    assert.deepEqual(addressOf('2001:db8::1'), set('2001:db8::1', 128), 'a host address, as ip addr add makes it');
    assert.deepEqual(addressOf('0.0.0.0/0'), set('0.0.0.0', 0));
  });

  it('reads alias as another address and -alias as a removal, whatever the length unless one is given', () => {
    assert.deepEqual(addressOf('alias 192.0.2.2'), { kind: 'alias', address: '192.0.2.2', prefixLength: 32 });
    assert.deepEqual(addressOf('inet alias 192.0.2.2 netmask 255.255.255.0'), { kind: 'alias', address: '192.0.2.2', prefixLength: 24 });
    assert.deepEqual(addressOf('-alias 192.0.2.2'), { kind: 'remove', address: '192.0.2.2', prefixLength: null });
    assert.deepEqual(addressOf('192.0.2.2/24 -alias'), { kind: 'remove', address: '192.0.2.2', prefixLength: 24 });
    assert.equal(addressOf('vhid 1'), undefined);
  });

  it('refuses what ifconfig would not take, naming the valid forms', () => {
    const refusals: readonly (readonly [string, string, RegExp])[] = [
      ['192.0.2.300', 'bad-value', /^"192\.0\.2\.300" is not an address: e\.g\. 192\.0\.2\.10\/24, or 192\.0\.2\.10 netmask 255\.255\.255\.0$/],
      ['10.1', 'bad-value', /^"10\.1" is not an address/],
      ['inet6 bogus', 'bad-value', /^inet6: "bogus" is not an address: e\.g\. 2001:db8::10\/64, or 2001:db8::10 prefixlen 64$/],
      ['192.0.2.1/33', 'bad-value', /^prefix length "33" is not valid: valid values are 0-32 for an IPv4 address$/],
      ['2001:db8::1/1x', 'bad-value', /valid values are 0-128 for an IPv6 address$/],
      ['inet 2001:db8::1', 'bad-value', /^inet needs an IPv4 address: write inet6 2001:db8::1$/],
      ['192.0.2.1/24 inet6', 'bad-value', /^inet6 needs an IPv6 address: write inet 192\.0\.2\.1\/24$/],
      ['192.0.2.1 netmask 255.0.255.0', 'bad-value', /^netmask 255\.0\.255\.0 is not contiguous: its ones must come first, e\.g\. 255\.255\.255\.0$/],
      ['192.0.2.1 netmask 0x00ffffff', 'bad-value', /is not contiguous/],
      ['192.0.2.1 netmask 24', 'bad-value', /^netmask "24" is not a netmask: write it dotted \(255\.255\.255\.0\) or in hex \(0xffffff00\)$/],
      ['192.0.2.1 netmask', 'missing-value', /^netmask needs a netmask \(e\.g\. netmask 255\.255\.255\.0 or netmask 0xffffff00\)$/],
      ['2001:db8::1 netmask 255.255.255.0', 'bad-value', /^netmask is for IPv4 addresses: write the length of an IPv6 address as 2001:db8::10\/64 or prefixlen 64$/],
      ['netmask 255.255.255.0 2001:db8::1', 'bad-value', /^netmask is for IPv4 addresses/],
      ['192.0.2.1 prefixlen 64', 'out-of-range', /^prefixlen 64 is out of range: valid values are 0-32 for an IPv4 address$/],
      ['prefixlen 129 2001:db8::1', 'out-of-range', /^prefixlen 129 is out of range: valid values are 0-128$/],
      ['192.0.2.1/24 netmask 255.255.255.0', 'repeated-word', /^the prefix length is given twice \(\/PREFIX and netmask\): give one of \/PREFIX, netmask or prefixlen$/],
      ['192.0.2.1 prefixlen 24 prefixlen 24', 'repeated-word', /^the prefix length is given twice \(prefixlen\)/],
      ['192.0.2.1 192.0.2.2', 'repeated-word', /^an address is given twice: give one address per command, with alias to add another$/],
      ['inet inet6 2001:db8::1', 'repeated-word', /^inet and inet6 contradict each other: give one$/],
      ['alias -alias 192.0.2.1', 'repeated-word', /^alias and -alias contradict each other: give one$/],
      ['alias 192.0.2.1 alias', 'repeated-word', /^alias is given twice: give it once$/],
      ['vhid 1 netmask 255.255.255.0', 'missing-value', /^netmask needs an address in the same command: e\.g\. 192\.0\.2\.10 netmask 255\.255\.255\.0$/],
      ['inet', 'missing-value', /^inet needs an address in the same command: e\.g\. inet 192\.0\.2\.10\/24$/],
      ['-alias', 'missing-value', /^-alias needs an address in the same command: e\.g\. -alias 192\.0\.2\.11$/],
      ['alias prefixlen 24', 'missing-value', /^alias needs an address/],
      ['in 192.0.2.1', 'ambiguous-word', /^word "in" is ambiguous: it could be inet or inet6$/],
    ];
    for (const [line, code, pattern] of refusals) assert.throws(() => parseInterfaceCommand(line.split(' ')), refusal(code, pattern), line);
  });

  it('reads netmasks as ifconfig does', () => {
    assert.deepEqual(['255.255.255.0', '0xffffff00', '0XFFFF0000'.toLowerCase(), '0.0.0.0', '255.255.255.255', '0x0'].map(parseNetmask), [24, 24, 16, 0, 32, 0]);
  });

  it('hides a refused address word after pass, and still names one before it', () => {
    const hidden = /^the (\d+)(st|nd|rd|th) word after pass /;
    const position = (line: string): string => {
      try {
        parseInterfaceCommand(line.split(' '));
      } catch (e: unknown) {
        return (e as Error).message.match(hidden)?.[1] ?? (e as Error).message;
      }
      return 'accepted';
    };
    assert.equal(position('pass Leaky 2001:db8::1 netmask 255.255.255.0'), '4', 'the netmask`s value is the word refused');
    assert.equal(position('2001:db8::1 pass Leaky netmask 255.255.255.0'), '3', 'the address came before pass');
    assert.equal(position('pass Leaky 2001:db8::1/64 netmask 255.255.255.0'), '3', 'a repetition is blamed on the keyword');
    assert.equal(position('netmask 255.255.255.0 pass Leaky 2001:db8::1'), '2', 'the address is the word refused');
    assert.equal(position('pass Leaky alias'), '2', 'alias needs an address: blamed on alias');
    assert.match(position('alias pass Leaky'), /^alias needs an address in the same command/, 'alias came before pass');
    assert.equal(position('pass Leaky Zq7.0.2.1'), '2');
  });

  describe('in carpN.conf', () => {
    it('adds one address per line, with the same forms; several lines add several', () => {
      const parsed = parseInterfaceFile(
        'carp0.conf',
        ['vhid 1', 'inet 192.168.1.10 netmask 255.255.255.0', '192.168.1.11', 'inet alias 192.168.1.12/25', 'inet6 2001:db8::10 prefixlen 64'].join('\n'),
      );
      assert.deepEqual(parsed.addresses.map(formatPrefix), ['192.168.1.10/24', '192.168.1.11/32', '192.168.1.12/25', '2001:db8::10/64']);
      assert.deepEqual(parsed.settings, { vhid: 1 });
    });

    it('refuses a netmask on another line than its address, an address twice, and -alias', () => {
      assert.throws(() => parseInterfaceFile('f.conf', '192.0.2.1\nnetmask 255.255.255.0\n'), refusal('missing-value', /^f\.conf:2: netmask needs an address on the same line: e\.g\. /));
      assert.throws(() => parseInterfaceFile('f.conf', '192.0.2.1/24\ninet 192.0.2.1/25\n'), refusal('repeated-word', /^f\.conf:2: address 192\.0\.2\.1 is given twice \(first on line 1\): give it once$/));
      assert.throws(() => parseInterfaceFile('f.conf', '-alias 192.0.2.1\n'), refusal('not-allowed', /^f\.conf:1: -alias is not allowed in a configuration file/));
    });
  });
});
