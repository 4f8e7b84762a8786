/**
 * ICMPv6 neighbour solicitation and advertisement (RFC 4861 sections 4.3, 4.4 and 7.1) with their
 * link-layer address options for Ethernet (RFC 2464 section 6). The checksum includes the IPv6
 * pseudo-header (RFC 8200 section 8.1), so both codecs take the IPv6 source and destination. The
 * hop-limit-255 rule of RFC 4861 7.1 belongs to the IPv6 layer and is the caller's to check.
 */
import { type IpAddress, type MacAddress } from './address';
import { finishChecksum, sumWords } from './checksum';
import { WireError, requireLength } from './errors';

export const IPPROTO_ICMPV6 = 58;
export const NDP_TYPE_NEIGHBOR_SOLICITATION = 135;
export const NDP_TYPE_NEIGHBOR_ADVERTISEMENT = 136;
/** Neighbour discovery is sent and accepted only with hop limit 255 (RFC 4861 7.1). */
export const NDP_HOP_LIMIT = 255;
/** Type, code, checksum, 4 bytes of flags/reserved and the 16-byte target address. */
export const NDP_HEADER_LENGTH = 24;

export const NDP_OFFSET_TYPE = 0;
export const NDP_OFFSET_CODE = 1;
export const NDP_OFFSET_CHECKSUM = 2;
export const NDP_OFFSET_FLAGS = 4;
export const NDP_OFFSET_TARGET = 8;
export const NDP_OFFSET_OPTIONS = 24;

/** Flag bits in the byte at NDP_OFFSET_FLAGS of an advertisement. */
export const NDP_FLAG_ROUTER = 0x80;
export const NDP_FLAG_SOLICITED = 0x40;
export const NDP_FLAG_OVERRIDE = 0x20;

export const NDP_OPTION_SOURCE_LINK_LAYER = 1;
export const NDP_OPTION_TARGET_LINK_LAYER = 2;
/** Option lengths count units of 8 bytes; an Ethernet link-layer option is one unit. */
export const NDP_OPTION_UNIT = 8;
export const NDP_LINK_LAYER_OPTION_LENGTH = 8;

const MAC_LENGTH = 6;
const ADDRESS_LENGTH = 16;

export interface NeighborSolicitation {
  readonly type: typeof NDP_TYPE_NEIGHBOR_SOLICITATION;
  readonly target: IpAddress;
  readonly sourceLinkLayer?: MacAddress | undefined;
}

export interface NeighborAdvertisement {
  readonly type: typeof NDP_TYPE_NEIGHBOR_ADVERTISEMENT;
  readonly target: IpAddress;
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly targetLinkLayer?: MacAddress | undefined;
}

export type NdpMessage = NeighborSolicitation | NeighborAdvertisement;

/** The IPv6 addresses the pseudo-header takes. */
export interface Ipv6Endpoints {
  readonly source: IpAddress;
  readonly destination: IpAddress;
}

const isIpv6 = (a: IpAddress): boolean => a.family === 6 && a.bytes.length === ADDRESS_LENGTH;
const isMulticast = (bytes: Uint8Array): boolean => bytes[0] === 0xff;
const isUnspecified = (a: IpAddress): boolean => a.bytes.every((b) => b === 0);

function checkEndpoints(endpoints: Ipv6Endpoints): void {
  if (!isIpv6(endpoints.source) || !isIpv6(endpoints.destination)) {
    throw new WireError('bad-header', 'the ICMPv6 pseudo-header needs IPv6 source and destination addresses');
  }
}

/** The ICMPv6 checksum of buf[offset, offset + length): 0 when a correct one is in place. */
function icmpv6Checksum(buf: Uint8Array, offset: number, length: number, endpoints: Ipv6Endpoints): number {
  let sum = sumWords(endpoints.source.bytes, 0, ADDRESS_LENGTH);
  sum = sumWords(endpoints.destination.bytes, 0, ADDRESS_LENGTH, sum);
  sum += Math.floor(length / 0x10000) + (length & 0xffff) + IPPROTO_ICMPV6;
  return finishChecksum(sumWords(buf, offset, offset + length, sum));
}

interface LinkLayerOptions {
  source?: Buffer;
  target?: Buffer;
}

const LINK_LAYER_OPTION_KEYS = new Map<number, keyof LinkLayerOptions>([
  [NDP_OPTION_SOURCE_LINK_LAYER, 'source'],
  [NDP_OPTION_TARGET_LINK_LAYER, 'target'],
]);

/**
 * Walks every option, length-checking each; keeps the first source and target link-layer address
 * and skips the rest, as RFC 4861 4.6 asks for options a receiver does not use.
 */
function readLinkLayerOptions(buf: Uint8Array, start: number, end: number): LinkLayerOptions {
  const found: LinkLayerOptions = {};
  for (let at = start; at < end; ) {
    if (end - at < 2) throw new WireError('truncated', `NDP option at ${at - start}: need 2 bytes, have ${end - at}`);
    const type = buf[at] as number;
    const length = (buf[at + 1] as number) * NDP_OPTION_UNIT;
    if (length === 0) throw new WireError('bad-length', `NDP option ${type} has length 0 (RFC 4861 4.6)`);
    if (at + length > end) {
      throw new WireError('truncated', `NDP option ${type}: need ${length} bytes, have ${end - at}`);
    }
    const key = LINK_LAYER_OPTION_KEYS.get(type);
    if (key !== undefined) {
      if (length !== NDP_LINK_LAYER_OPTION_LENGTH) {
        throw new WireError('bad-length', `Ethernet link-layer option of ${length} bytes, expected 8 (RFC 2464)`);
      }
      found[key] ??= Buffer.from(buf.subarray(at + 2, at + 2 + MAC_LENGTH));
    }
    at += length;
  }
  return found;
}

/** Length and type: what can be told without the checksum. */
function checkStructure(buf: Uint8Array, offset: number, length: number): NdpMessage['type'] {
  requireLength(buf, offset, length, 'ICMPv6 message');
  if (length < 1) throw new WireError('truncated', 'ICMPv6 message: need at least its type byte, have 0 bytes');
  const type = buf[offset + NDP_OFFSET_TYPE] as number;
  if (type !== NDP_TYPE_NEIGHBOR_SOLICITATION && type !== NDP_TYPE_NEIGHBOR_ADVERTISEMENT) {
    throw new WireError('unsupported', `ICMPv6 type ${type} is not neighbour solicitation or advertisement`);
  }
  if (length < NDP_HEADER_LENGTH) {
    throw new WireError('truncated', `neighbour discovery message: need ${NDP_HEADER_LENGTH} bytes, have ${length}`);
  }
  return type;
}

/** Checksum, code and target, RFC 4861 7.1.1 / 7.1.2. */
function checkIntegrity(buf: Uint8Array, offset: number, length: number, endpoints: Ipv6Endpoints): void {
  checkEndpoints(endpoints);
  if (icmpv6Checksum(buf, offset, length, endpoints) !== 0) {
    throw new WireError('bad-checksum', 'ICMPv6 checksum failed');
  }
  const code = buf[offset + NDP_OFFSET_CODE] as number;
  if (code !== 0) throw new WireError('bad-header', `neighbour discovery code ${code}, expected 0`);
  if (isMulticast(buf.subarray(offset + NDP_OFFSET_TARGET))) {
    throw new WireError('bad-header', 'neighbour discovery target is a multicast address');
  }
}

/**
 * Decodes the ICMPv6 message in buf[offset, offset + length), `length` being what the IPv6 payload
 * length gives (the default: the rest of `buf`). Checks what RFC 4861 7.1.1 and 7.1.2 ask of a
 * receiver, except the hop limit. A solicitation's target link-layer option and an
 * advertisement's source link-layer option are not part of those messages and are ignored.
 */
export function decodeNdp(
  buf: Uint8Array,
  endpoints: Ipv6Endpoints,
  offset = 0,
  length = buf.length - offset,
): NdpMessage {
  const type = checkStructure(buf, offset, length);
  const options = readLinkLayerOptions(buf, offset + NDP_OFFSET_OPTIONS, offset + length);
  checkIntegrity(buf, offset, length, endpoints);
  const target: IpAddress = {
    family: 6,
    bytes: Buffer.from(buf.subarray(offset + NDP_OFFSET_TARGET, offset + NDP_OFFSET_TARGET + ADDRESS_LENGTH)),
  };
  if (type === NDP_TYPE_NEIGHBOR_SOLICITATION) {
    if (options.source !== undefined && isUnspecified(endpoints.source)) {
      throw new WireError('bad-header', 'a solicitation from :: carries a source link-layer option');
    }
    return { type, target, sourceLinkLayer: options.source };
  }
  const flags = buf[offset + NDP_OFFSET_FLAGS] as number;
  const solicited = (flags & NDP_FLAG_SOLICITED) !== 0;
  if (solicited && isMulticast(endpoints.destination.bytes)) {
    throw new WireError('bad-header', 'a solicited advertisement sent to a multicast address');
  }
  return {
    type,
    target,
    router: (flags & NDP_FLAG_ROUTER) !== 0,
    solicited,
    override: (flags & NDP_FLAG_OVERRIDE) !== 0,
    targetLinkLayer: options.target,
  };
}

function linkLayerOf(message: NdpMessage): MacAddress | undefined {
  return message.type === NDP_TYPE_NEIGHBOR_SOLICITATION ? message.sourceLinkLayer : message.targetLinkLayer;
}

/** Bytes `encodeNdp` writes for this message. */
export function ndpLength(message: NdpMessage): number {
  return NDP_HEADER_LENGTH + (linkLayerOf(message) === undefined ? 0 : NDP_LINK_LAYER_OPTION_LENGTH);
}

function checkMessage(message: NdpMessage, endpoints: Ipv6Endpoints): void {
  if (message.type !== NDP_TYPE_NEIGHBOR_SOLICITATION && message.type !== NDP_TYPE_NEIGHBOR_ADVERTISEMENT) {
    throw new WireError('bad-header', `ICMPv6 type ${String((message as { type: unknown }).type)} is not 135 or 136`);
  }
  if (!isIpv6(message.target)) throw new WireError('bad-header', 'neighbour discovery target must be IPv6');
  const linkLayer = linkLayerOf(message);
  if (linkLayer !== undefined && linkLayer.length !== MAC_LENGTH) {
    throw new WireError('bad-length', 'link-layer address option needs a 6-byte MAC');
  }
  checkEndpoints(endpoints);
}

function writeFlags(message: NdpMessage, target: Buffer, offset: number): void {
  let flags = 0;
  if (message.type === NDP_TYPE_NEIGHBOR_ADVERTISEMENT) {
    if (message.router) flags |= NDP_FLAG_ROUTER;
    if (message.solicited) flags |= NDP_FLAG_SOLICITED;
    if (message.override) flags |= NDP_FLAG_OVERRIDE;
  }
  target.writeUInt32BE(flags * 0x1000000, offset + NDP_OFFSET_FLAGS);
}

/** Writes the message, its link-layer option and checksum at `offset` of `target`. */
export function encodeNdp(
  message: NdpMessage,
  endpoints: Ipv6Endpoints,
  target = Buffer.alloc(ndpLength(message)),
  offset = 0,
): Buffer {
  const length = ndpLength(message);
  requireLength(target, offset, length, 'neighbour discovery target buffer');
  checkMessage(message, endpoints);
  target[offset + NDP_OFFSET_TYPE] = message.type;
  target[offset + NDP_OFFSET_CODE] = 0;
  target.writeUInt16BE(0, offset + NDP_OFFSET_CHECKSUM);
  writeFlags(message, target, offset);
  message.target.bytes.copy(target, offset + NDP_OFFSET_TARGET);
  const linkLayer = linkLayerOf(message);
  if (linkLayer !== undefined) {
    const at = offset + NDP_OFFSET_OPTIONS;
    const isSolicitation = message.type === NDP_TYPE_NEIGHBOR_SOLICITATION;
    target[at] = isSolicitation ? NDP_OPTION_SOURCE_LINK_LAYER : NDP_OPTION_TARGET_LINK_LAYER;
    target[at + 1] = NDP_LINK_LAYER_OPTION_LENGTH / NDP_OPTION_UNIT;
    linkLayer.copy(target, at + 2);
  }
  target.writeUInt16BE(icmpv6Checksum(target, offset, length, endpoints), offset + NDP_OFFSET_CHECKSUM);
  return target;
}
