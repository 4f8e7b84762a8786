/**
 * Encoding and decoding of the rtnetlink payloads the kernel mirror and KernelControl use: links
 * (struct ifinfomsg) and addresses (struct ifaddrmsg) with the few attributes we need. Framing
 * (nlmsghdr, attribute TLVs) is the `netlink` package's. Its own rtnetlink parsers are not used:
 * they decode every attribute and throw on any one of unexpected size, so a newer kernel could make
 * whole messages unreadable; here unknown attributes are skipped and only what we read is checked.
 * Structures are in host byte order; addresses in network order.
 */
import { endianness } from 'node:os';
import { AttrStream, parseAttributes, type NetlinkAttribute } from 'netlink';
import { type IpAddress, type IpPrefix, ipFromBytes } from '../wire/address';
import * as c from './rtnetlink-constants';

export class NetlinkDecodeError extends Error {
  override readonly name = 'NetlinkDecodeError';
}

export interface DecodedLink {
  readonly family: number;
  readonly index: number;
  /** ARPHRD_* */
  readonly type: number;
  /** IFF_* */
  readonly flags: number;
  readonly name: string;
  /** IFLA_ADDRESS as sent (any length), or null when absent. */
  readonly hardwareAddress: Buffer | null;
  readonly mtu: number;
}

export interface DecodedAddress {
  readonly family: number;
  readonly index: number;
  /** IFA_F_*, from IFA_FLAGS when present (it has the bits above 8). */
  readonly flags: number;
  /** RT_SCOPE_* */
  readonly scope: number;
  readonly prefix: IpPrefix;
}

const LITTLE_ENDIAN = endianness() === 'LE';

function readU16(b: Buffer, at: number): number {
  return LITTLE_ENDIAN ? b.readUInt16LE(at) : b.readUInt16BE(at);
}

function readU32(b: Buffer, at: number): number {
  return LITTLE_ENDIAN ? b.readUInt32LE(at) : b.readUInt32BE(at);
}

function readS32(b: Buffer, at: number): number {
  return LITTLE_ENDIAN ? b.readInt32LE(at) : b.readInt32BE(at);
}

/** Writes a u32 (or a non-negative s32) in host byte order, as the kernel's structs hold them. */
export function writeHostU32(b: Buffer, value: number, at: number): void {
  if (LITTLE_ENDIAN) b.writeUInt32LE(value >>> 0, at);
  else b.writeUInt32BE(value >>> 0, at);
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  writeHostU32(b, value, 0);
  return b;
}

/** The attributes after a fixed header, last one of each type wins (kernel order). */
function attributesAfter(payload: Buffer, headerLength: number, what: string): Map<number, Buffer> {
  if (payload.length < headerLength) {
    throw new NetlinkDecodeError(`${what}: ${payload.length} bytes, the header alone needs ${headerLength}`);
  }
  const attributes = new Map<number, Buffer>();
  try {
    parseAttributes(payload.subarray(headerLength), (a: NetlinkAttribute) => attributes.set(a.type, a.data));
  } catch (e: unknown) {
    throw new NetlinkDecodeError(`${what}: malformed attributes (${(e as Error).message})`);
  }
  return attributes;
}

function requireU32(attributes: Map<number, Buffer>, type: number, what: string): number {
  const data = attributes.get(type);
  if (data?.length !== 4) throw new NetlinkDecodeError(`${what}: attribute ${type} missing or not 4 bytes`);
  return readU32(data, 0);
}

function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.subarray(0, nul < 0 ? data.length : nul).toString('utf8');
}

export function decodeLink(payload: Buffer): DecodedLink {
  const attributes = attributesAfter(payload, c.IFINFOMSG_LENGTH, 'link message');
  const name = attributes.get(c.IFLA_IFNAME);
  if (!name || cString(name) === '') throw new NetlinkDecodeError('link message: no IFLA_IFNAME');
  return {
    family: payload[0] as number,
    type: readU16(payload, 2),
    index: readS32(payload, 4),
    flags: readU32(payload, 8),
    name: cString(name),
    hardwareAddress: attributes.get(c.IFLA_ADDRESS) ?? null,
    mtu: requireU32(attributes, c.IFLA_MTU, 'link message'),
  };
}

export function decodeAddress(payload: Buffer): DecodedAddress {
  const attributes = attributesAfter(payload, c.IFADDRMSG_LENGTH, 'address message');
  const family = payload[0] as number;
  const prefixLength = payload[1] as number;
  // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links (`ip addr`).
  const bytes = attributes.get(c.IFA_LOCAL) ?? attributes.get(c.IFA_ADDRESS);
  const expected = family === c.AF_INET ? 4 : family === c.AF_INET6 ? 16 : -1;
  if (bytes?.length !== expected) {
    throw new NetlinkDecodeError(`address message: family ${family} without a matching address`);
  }
  if (prefixLength > expected * 8) {
    throw new NetlinkDecodeError(`address message: prefix length ${prefixLength} too long`);
  }
  const fullFlags = attributes.get(c.IFA_FLAGS);
  return {
    family,
    prefix: { address: ipFromBytes(bytes), prefixLength },
    flags: fullFlags?.length === 4 ? readU32(fullFlags, 0) : (payload[2] as number),
    scope: payload[3] as number,
    index: readU32(payload, 4),
  };
}

/** The errno of NLMSG_ERROR (and of NLMSG_DONE after a failed dump): 0 or a negative errno. */
export function decodeErrno(payload: Buffer): number {
  if (payload.length < 4) throw new NetlinkDecodeError(`error message: ${payload.length} bytes, needs 4`);
  return readS32(payload, 0);
}

function ifinfomsg(index: number, flags: number, change: number): Buffer {
  const b = Buffer.alloc(c.IFINFOMSG_LENGTH);
  u32(index).copy(b, 4);
  u32(flags).copy(b, 8);
  u32(change).copy(b, 12);
  return b;
}

function familyOf(address: IpAddress): number {
  return address.family === 4 ? c.AF_INET : c.AF_INET6;
}

/** RTM_GETLINK / RTM_SETLINK by name (the kernel looks the link up when the index is 0). */
export function encodeLinkByName(name: string, flags = 0, change = 0): Uint8Array[] {
  const out = new AttrStream();
  out.emit(ifinfomsg(0, flags, change));
  out.push(c.IFLA_IFNAME, Buffer.from(`${name}\0`));
  return out.bufs;
}

/** An empty header: the request of a dump of every link (ifinfomsg) or address (ifaddrmsg). */
export function encodeDumpRequest(type: typeof c.RTM_GETLINK | typeof c.RTM_GETADDR): Uint8Array[] {
  return [Buffer.alloc(type === c.RTM_GETLINK ? c.IFINFOMSG_LENGTH : c.IFADDRMSG_LENGTH)];
}

/** RTM_NEWADDR / RTM_DELADDR the way `ip addr add|del ADDR/LEN dev X` sends them. */
export function encodeAddressRequest(index: number, prefix: IpPrefix, flags: number): Uint8Array[] {
  const header = Buffer.alloc(c.IFADDRMSG_LENGTH);
  header[0] = familyOf(prefix.address);
  header[1] = prefix.prefixLength;
  header[2] = flags & 0xff;
  header[3] = c.RT_SCOPE_UNIVERSE;
  u32(index).copy(header, 4);
  const out = new AttrStream();
  out.emit(header);
  out.push(c.IFA_LOCAL, prefix.address.bytes);
  out.push(c.IFA_ADDRESS, prefix.address.bytes);
  out.push(c.IFA_FLAGS, u32(flags));
  return out.bufs;
}
