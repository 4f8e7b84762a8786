/**
 * The VRRPv3 advertisement (RFC 5798 5.1, 5.2), the protocol FreeBSD's carp(4) speaks per vhid
 * beside CARP: an 8-byte header and the virtual addresses, all of one family, with a checksum over
 * an IP pseudo-header (RFC 8200 8.1, next header 112) in both families. There is no
 * authentication field (RFC 5798 9).
 */
import { type Family, type IpAddress, ipFromBytes } from './address';
import { finishChecksum, sumWords } from './checksum';
import { WireError, requireLength } from './errors';

export const IPPROTO_VRRP = 112;
export const VRRP3_VERSION = 3;
export const VRRP3_TYPE_ADVERTISEMENT = 1;
export const VRRP3_HEADER_LENGTH = 8;
/** Priority 0: the MASTER is leaving; a backup takes over after its skew time (RFC 5798 6.4.2). */
export const VRRP3_PRIORITY_BOW_OUT = 0;
/** Priority 255: the router owns the addresses (RFC 5798 5.2.4). */
export const VRRP3_PRIORITY_OWNER = 255;
/** The interval is 12 bits of centiseconds (RFC 5798 5.2.7). */
export const VRRP3_MAX_INTERVAL_CENTISECONDS = 0xfff;

const OFF_VERSION_TYPE = 0;
const OFF_VRID = 1;
const OFF_PRIORITY = 2;
const OFF_COUNT = 3;
const OFF_INTERVAL = 4;
const OFF_CHECKSUM = 6;
const OFF_ADDRESSES = 8;
/** The 4 reserved bits above the interval, sent as 0 and ignored on receipt (RFC 5798 5.2.6). */
const INTERVAL_MASK = 0x0fff;

export interface Vrrp3Advertisement {
  /** The virtual router id, 1-255. */
  readonly vrid: number;
  readonly priority: number;
  /** Between advertisements, in centiseconds (1-4095). */
  readonly intervalCentiseconds: number;
  /** One or more, all of the family of the IP packet that carries them. */
  readonly addresses: readonly IpAddress[];
}

/** The IP source and destination the pseudo-header takes; both of the advertisement's family. */
export interface Vrrp3Endpoints {
  readonly source: IpAddress;
  readonly destination: IpAddress;
}

const addressLength = (family: Family): number => (family === 4 ? 4 : 16);

export function vrrp3Length(family: Family, addresses: number): number {
  return VRRP3_HEADER_LENGTH + addresses * addressLength(family);
}

/**
 * Decodes the advertisement at buf[offset, offset + length), the IP payload's bytes. Checks what
 * RFC 5798 7.1 has a receiver check of the packet itself: version, type, checksum, and that the
 * address count fits the length.
 */
export function decodeVrrp3(buf: Uint8Array, offset: number, length: number, endpoints: Vrrp3Endpoints): Vrrp3Advertisement {
  const family = endpointFamily(endpoints);
  requireLength(buf, offset, VRRP3_HEADER_LENGTH, 'VRRPv3 header');
  requireLength(buf, offset, length, 'VRRPv3 advertisement');
  const versionType = buf[offset + OFF_VERSION_TYPE] as number;
  if (versionType >> 4 !== VRRP3_VERSION) throw new WireError('bad-version', `VRRP version ${versionType >> 4}, expected ${VRRP3_VERSION}`);
  if ((versionType & 0x0f) !== VRRP3_TYPE_ADVERTISEMENT) throw new WireError('bad-header', `VRRP type ${versionType & 0x0f}, only 1 (advertisement) exists`);
  const count = buf[offset + OFF_COUNT] as number;
  if (length !== vrrp3Length(family, count)) {
    throw new WireError('bad-length', `VRRPv3 with ${count} IPv${family} addresses is ${vrrp3Length(family, count)} bytes, not ${length}`);
  }
  if (checksum(buf, offset, length, endpoints) !== 0) throw new WireError('bad-checksum', 'VRRPv3 checksum failed');
  const vrid = buf[offset + OFF_VRID] as number;
  if (vrid === 0) throw new WireError('bad-header', 'VRRP router id 0 (RFC 5798 5.2.3: 1-255)');
  if (count === 0) throw new WireError('bad-header', 'VRRPv3 advertisement without addresses');
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const intervalCentiseconds = view.readUInt16BE(offset + OFF_INTERVAL) & INTERVAL_MASK;
  if (intervalCentiseconds === 0) throw new WireError('bad-header', 'VRRPv3 interval 0 (RFC 5798 5.2.7: 1-4095 centiseconds)');
  const size = addressLength(family);
  const addresses = Array.from({ length: count }, (_, i) => {
    const at = offset + OFF_ADDRESSES + i * size;
    return ipFromBytes(buf.subarray(at, at + size));
  });
  return { vrid, priority: buf[offset + OFF_PRIORITY] as number, intervalCentiseconds, addresses };
}

/**
 * Whether buf[offset, offset + length) has the shape of a VRRPv3 advertisement — version 3, type 1,
 * the length its address count gives — and a correct checksum over the pseudo-header: what tells
 * a VRRPv3 neighbour's packet from a CARP header with version 3, without decoding or throwing.
 */
export function looksLikeVrrp3(buf: Uint8Array, offset: number, length: number, endpoints: Vrrp3Endpoints): boolean {
  const { source, destination } = endpoints;
  if (offset < 0 || length < VRRP3_HEADER_LENGTH || offset + length > buf.length || source.family !== destination.family) return false;
  if (buf[offset + OFF_VERSION_TYPE] !== ((VRRP3_VERSION << 4) | VRRP3_TYPE_ADVERTISEMENT)) return false;
  return length === vrrp3Length(source.family, buf[offset + OFF_COUNT] as number) && checksum(buf, offset, length, endpoints) === 0;
}

/** Writes the advertisement at target[offset...] with its checksum; returns the bytes written. */
export function encodeVrrp3(advertisement: Vrrp3Advertisement, endpoints: Vrrp3Endpoints, target: Uint8Array, offset = 0): number {
  const family = endpointFamily(endpoints);
  const { vrid, priority, intervalCentiseconds, addresses } = advertisement;
  checkField('router id', vrid, 1, 255);
  checkField('priority', priority, 0, 255);
  checkField('interval (centiseconds)', intervalCentiseconds, 1, VRRP3_MAX_INTERVAL_CENTISECONDS);
  checkField('address count', addresses.length, 1, 255);
  const wrongFamily = addresses.find((a) => a.family !== family);
  if (wrongFamily !== undefined) throw new WireError('bad-header', `a VRRPv3 advertisement over IPv${family} carries IPv${family} addresses only`);
  const length = vrrp3Length(family, addresses.length);
  requireLength(target, offset, length, 'VRRPv3 target');
  const view = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
  view[offset + OFF_VERSION_TYPE] = (VRRP3_VERSION << 4) | VRRP3_TYPE_ADVERTISEMENT;
  view[offset + OFF_VRID] = vrid;
  view[offset + OFF_PRIORITY] = priority;
  view[offset + OFF_COUNT] = addresses.length;
  view.writeUInt16BE(intervalCentiseconds, offset + OFF_INTERVAL);
  view.writeUInt16BE(0, offset + OFF_CHECKSUM);
  addresses.forEach((address, i) => view.set(address.bytes, offset + OFF_ADDRESSES + i * addressLength(family)));
  view.writeUInt16BE(checksum(view, offset, length, endpoints), offset + OFF_CHECKSUM);
  return length;
}

/**
 * Fills in the checksum of the advertisement encodeVrrp3 wrote into `payload` (its whole length),
 * for the IP source and destination it is sent with; returns a copy.
 */
export function sealVrrp3(payload: Uint8Array, endpoints: Vrrp3Endpoints): Buffer {
  endpointFamily(endpoints);
  const sealed = Buffer.from(payload);
  sealed.writeUInt16BE(0, OFF_CHECKSUM);
  sealed.writeUInt16BE(checksum(sealed, 0, sealed.length, endpoints), OFF_CHECKSUM);
  return sealed;
}

function endpointFamily({ source, destination }: Vrrp3Endpoints): Family {
  if (source.family !== destination.family) throw new WireError('bad-header', 'the VRRPv3 pseudo-header needs a source and a destination of one family');
  return source.family;
}

function checkField(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new WireError('bad-header', `VRRPv3 ${name} ${value} is outside ${min}-${max}`);
}

/** Over the pseudo-header and buf[offset, offset + length): 0 when a correct checksum is in place. */
function checksum(buf: Uint8Array, offset: number, length: number, { source, destination }: Vrrp3Endpoints): number {
  let sum = sumWords(source.bytes, 0, source.bytes.length);
  sum = sumWords(destination.bytes, 0, destination.bytes.length, sum);
  sum += Math.floor(length / 0x10000) + (length & 0xffff) + IPPROTO_VRRP;
  return finishChecksum(sumWords(buf, offset, offset + length, sum));
}
