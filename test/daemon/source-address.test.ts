import assert from 'node:assert/strict';
import { advertisementSource } from '../../src/daemon/source-address';
import { type IpAddress, formatIp, parseIp } from '../../src/wire/address';

const ips = (...texts: string[]): IpAddress[] => texts.map(parseIp);
const chosen = (address: IpAddress | null): string | null => (address === null ? null : formatIp(address));

describe('daemon/source-address: the IP source of an advertisement', () => {
  const carpdev = ips('2001:db8::2', '198.51.100.2', 'fe80::2', '198.51.100.3', '2001:db8::3');

  it('IPv4: the carpdev`s first IPv4 address, whatever comes before it', () => {
    assert.equal(chosen(advertisementSource(4, carpdev, ips('192.0.2.10'))), '198.51.100.2');
  });

  it('IPv6 to the group: the carpdev`s link-local address, though a global one comes first', () => {
    assert.equal(chosen(advertisementSource(6, carpdev, [])), 'fe80::2');
  });

  it('IPv6 to a global carppeer: the first global address; to a link-local peer: the link-local one', () => {
    assert.equal(chosen(advertisementSource(6, carpdev, [], parseIp('2001:db8::9'))), '2001:db8::2');
    assert.equal(chosen(advertisementSource(6, carpdev, [], parseIp('fe80::9'))), 'fe80::2');
  });

  it('IPv6 without the preferred kind: the carpdev`s first IPv6 address', () => {
    assert.equal(chosen(advertisementSource(6, ips('198.51.100.2', '2001:db8::2'), [])), '2001:db8::2');
    assert.equal(chosen(advertisementSource(6, ips('fe80::2', 'fe80::3'), [], parseIp('2001:db8::9'))), 'fe80::2');
  });

  it('a carpdev without the family: the carp interface`s first address of it; neither has one: none', () => {
    assert.equal(chosen(advertisementSource(4, ips('fe80::2'), ips('2001:db8::10', '192.0.2.10', '192.0.2.11'))), '192.0.2.10');
    assert.equal(chosen(advertisementSource(4, ips('fe80::2'), ips('2001:db8::10'))), null);
  });
});
