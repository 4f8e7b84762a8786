/**
 * The Ethernet II header (IEEE 802.3 with an EtherType). No 802.1Q decoding: when a VLAN interface
 * is the carpdev, Linux has already stripped the tag. Frames are handled without the FCS.
 */
import { type MacAddress } from './address';
import { WireError, requireLength } from './errors';

export const ETHERNET_HEADER_LENGTH = 14;
/** 64 bytes on the wire minus the 4-byte FCS: shorter frames are padded by the sender. */
export const ETHERNET_MIN_FRAME_LENGTH = 60;
export const ETHERNET_MAC_LENGTH = 6;

export const ETHERNET_OFFSET_DESTINATION = 0;
export const ETHERNET_OFFSET_SOURCE = 6;
export const ETHERNET_OFFSET_ETHERTYPE = 12;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Values below this are 802.3 length fields, not EtherTypes (IEEE 802.3 clause 3.2.6). */
export const ETHERTYPE_MIN = 0x0600;

export interface EthernetHeader {
  readonly destination: MacAddress;
  readonly source: MacAddress;
  readonly etherType: number;
}

export interface DecodedEthernet extends EthernetHeader {
  /** Index in the decoded buffer where the payload starts. */
  readonly payloadOffset: number;
}

export function decodeEthernet(buf: Uint8Array, offset = 0): DecodedEthernet {
  requireLength(buf, offset, ETHERNET_HEADER_LENGTH, 'Ethernet header');
  const at = offset + ETHERNET_OFFSET_ETHERTYPE;
  const etherType = ((buf[at] as number) << 8) | (buf[at + 1] as number);
  if (etherType < ETHERTYPE_MIN) {
    throw new WireError('unsupported', `802.3 length field ${etherType} instead of an EtherType`);
  }
  // Copies, not views: receive buffers are reused for the next batch of frames.
  const mac = (start: number): Buffer =>
    Buffer.from(buf.subarray(offset + start, offset + start + ETHERNET_MAC_LENGTH));
  return {
    destination: mac(ETHERNET_OFFSET_DESTINATION),
    source: mac(ETHERNET_OFFSET_SOURCE),
    etherType,
    payloadOffset: offset + ETHERNET_HEADER_LENGTH,
  };
}

/** Writes the 14-byte header at `offset` of `target` (a new buffer by default). */
export function encodeEthernet(
  header: EthernetHeader,
  target = Buffer.alloc(ETHERNET_HEADER_LENGTH),
  offset = 0,
): Buffer {
  requireLength(target, offset, ETHERNET_HEADER_LENGTH, 'Ethernet header target');
  if (header.destination.length !== ETHERNET_MAC_LENGTH || header.source.length !== ETHERNET_MAC_LENGTH) {
    throw new WireError('bad-length', 'Ethernet addresses must be 6 bytes');
  }
  if (!Number.isInteger(header.etherType) || header.etherType < ETHERTYPE_MIN || header.etherType > 0xffff) {
    throw new WireError('bad-header', `EtherType ${header.etherType} is not 0x0600-0xffff`);
  }
  header.destination.copy(target, offset + ETHERNET_OFFSET_DESTINATION);
  header.source.copy(target, offset + ETHERNET_OFFSET_SOURCE);
  target.writeUInt16BE(header.etherType, offset + ETHERNET_OFFSET_ETHERTYPE);
  return target;
}
