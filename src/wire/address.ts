/**
 * IP and MAC addresses as the rest of the code sees them: family plus network-order bytes, so the
 * HMAC, the hash filters and the codecs all work on the same representation. Parsing and printing
 * are delegated to ipaddr.js (RFC 5952 output for IPv6).
 */
import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

export interface IpAddress {
  readonly family: Family;
  /** 4 or 16 bytes in network order. Treat as immutable. */
  readonly bytes: Buffer;
}

export interface IpPrefix {
  readonly address: IpAddress;
  readonly prefixLength: number;
}

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

export function ipFromBytes(bytes: Uint8Array): IpAddress {
  if (bytes.length === 4) return { family: 4, bytes: Buffer.from(bytes) };
  if (bytes.length === 16) return { family: 6, bytes: Buffer.from(bytes) };
  throw new AddressError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
}

export function parseIp(text: string): IpAddress {
  // ipaddr.js accepts classful shorthands like "10.1" for IPv4; an administrator means dotted quads.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return ipFromBytes(Uint8Array.from(ipaddr.IPv4.parse(text).toByteArray()));
  }
  if (text.includes(':') && ipaddr.IPv6.isValid(text) && !text.includes('%')) {
    return ipFromBytes(Uint8Array.from(ipaddr.IPv6.parse(text).toByteArray()));
  }
  throw new AddressError(`"${text}" is not an IPv4 or IPv6 address`);
}

export function formatIp(address: IpAddress): string {
  const parsed = ipaddr.fromByteArray([...address.bytes]);
  return parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
}

/** "192.0.2.10/24" or "2001:db8::10/64"; the prefix length is required. */
export function parsePrefix(text: string): IpPrefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new AddressError(`"${text}" needs a prefix length, e.g. ${text}/24`);
  const address = parseIp(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  const max = address.family === 4 ? 32 : 128;
  const prefixLength = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : NaN;
  if (!(prefixLength >= 0 && prefixLength <= max)) {
    throw new AddressError(`prefix length "${lengthText}" must be 0-${max}`);
  }
  return { address, prefixLength };
}

export function formatPrefix(prefix: IpPrefix): string {
  return `${formatIp(prefix.address)}/${prefix.prefixLength}`;
}

export function compareIp(a: IpAddress, b: IpAddress): number {
  return a.family - b.family || Buffer.compare(a.bytes, b.bytes);
}

export function ipEquals(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.equals(b.bytes);
}

/** fe80::/10, the only IPv6 scope the CARP HMAC treats specially (docs/protocol.md §2.2). */
export function isIpv6LinkLocal(address: IpAddress): boolean {
  return address.family === 6 && address.bytes[0] === 0xfe && ((address.bytes[1] as number) & 0xc0) === 0x80;
}

/** 224.0.0.0/4 or ff00::/8. */
export function isMulticastIp(address: IpAddress): boolean {
  const first = address.bytes[0] as number;
  return address.family === 4 ? first >> 4 === 0xe : first === 0xff;
}

/** The network address of a prefix (host bits cleared), for connected routes. */
export function networkOf(prefix: IpPrefix): IpAddress {
  const bytes = Buffer.from(prefix.address.bytes);
  for (let bit = prefix.prefixLength; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3] = (bytes[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  }
  return { family: prefix.address.family, bytes };
}

export type MacAddress = Buffer;

export const BROADCAST_MAC: MacAddress = Buffer.from('ffffffffffff', 'hex');

export function parseMac(text: string): MacAddress {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) {
    throw new AddressError(`"${text}" is not a MAC address (xx:xx:xx:xx:xx:xx)`);
  }
  return Buffer.from(text.replace(/:/g, ''), 'hex');
}

export function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** 00:00:5e:00:01:<vhid>, the CARP (and VRRP IPv4) virtual MAC (docs/protocol.md §1.6). */
export function virtualMac(vhid: number): MacAddress {
  return Buffer.from([0x00, 0x00, 0x5e, 0x00, 0x01, vhid]);
}

/** 00:00:5e:00:02:<vrid>, the VRRP virtual MAC of an IPv6 virtual router (RFC 5798 7.3). */
export function vrrpIpv6VirtualMac(vrid: number): MacAddress {
  return Buffer.from([0x00, 0x00, 0x5e, 0x00, 0x02, vrid]);
}

/** The Ethernet group address an IPv4 or IPv6 multicast IP maps to (RFC 1112, RFC 2464). */
export function multicastMacFor(group: IpAddress): MacAddress {
  const b = group.bytes;
  if (group.family === 4) {
    return Buffer.from([0x01, 0x00, 0x5e, (b[1] as number) & 0x7f, b[2] as number, b[3] as number]);
  }
  return Buffer.from([0x33, 0x33, b[12] as number, b[13] as number, b[14] as number, b[15] as number]);
}

/** ff02::1:ffXX:XXXX, where neighbour solicitations for `address` are sent (RFC 4291 2.7.1). */
export function solicitedNodeGroup(address: IpAddress): IpAddress {
  const bytes = Buffer.from('ff0200000000000000000001ff000000', 'hex');
  address.bytes.copy(bytes, 13, 13, 16);
  return { family: 6, bytes };
}
