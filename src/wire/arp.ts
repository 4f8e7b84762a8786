/**
 * ARP for IPv4 over Ethernet (RFC 826): the only kind carp answers and announces. Any other
 * hardware or protocol type, or other address sizes, is `bad-header` on an ARP EtherType.
 */
import { type IpAddress, type MacAddress } from './address';
import { WireError, requireLength } from './errors';

export const ARP_LENGTH = 28;
export const ARP_HARDWARE_ETHERNET = 1;
export const ARP_PROTOCOL_IPV4 = 0x0800;
export const ARP_HARDWARE_LENGTH = 6;
export const ARP_PROTOCOL_LENGTH = 4;

export const ARP_OPERATION_REQUEST = 1;
export const ARP_OPERATION_REPLY = 2;
export type ArpOperation = typeof ARP_OPERATION_REQUEST | typeof ARP_OPERATION_REPLY;

export const ARP_OFFSET_HARDWARE_TYPE = 0;
export const ARP_OFFSET_PROTOCOL_TYPE = 2;
export const ARP_OFFSET_HARDWARE_LENGTH = 4;
export const ARP_OFFSET_PROTOCOL_LENGTH = 5;
export const ARP_OFFSET_OPERATION = 6;
export const ARP_OFFSET_SENDER_MAC = 8;
export const ARP_OFFSET_SENDER_IP = 14;
export const ARP_OFFSET_TARGET_MAC = 18;
export const ARP_OFFSET_TARGET_IP = 24;

export interface ArpPacket {
  readonly operation: ArpOperation;
  readonly senderMac: MacAddress;
  readonly senderIp: IpAddress;
  readonly targetMac: MacAddress;
  readonly targetIp: IpAddress;
}

function readUint16(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) << 8) | (buf[at + 1] as number);
}

function checkFormat(buf: Uint8Array, offset: number): void {
  const hardwareType = readUint16(buf, offset + ARP_OFFSET_HARDWARE_TYPE);
  const protocolType = readUint16(buf, offset + ARP_OFFSET_PROTOCOL_TYPE);
  const hardwareLength = buf[offset + ARP_OFFSET_HARDWARE_LENGTH] as number;
  const protocolLength = buf[offset + ARP_OFFSET_PROTOCOL_LENGTH] as number;
  if (
    hardwareType !== ARP_HARDWARE_ETHERNET ||
    protocolType !== ARP_PROTOCOL_IPV4 ||
    hardwareLength !== ARP_HARDWARE_LENGTH ||
    protocolLength !== ARP_PROTOCOL_LENGTH
  ) {
    throw new WireError(
      'bad-header',
      `ARP for hardware ${hardwareType}/${hardwareLength} and protocol ` +
        `0x${protocolType.toString(16)}/${protocolLength}, expected Ethernet/6 and IPv4/4`,
    );
  }
}

/** Trailing bytes (Ethernet padding) are ignored. */
export function decodeArp(buf: Uint8Array, offset = 0): ArpPacket {
  requireLength(buf, offset, ARP_LENGTH, 'ARP packet');
  checkFormat(buf, offset);
  const operation = readUint16(buf, offset + ARP_OFFSET_OPERATION);
  if (operation !== ARP_OPERATION_REQUEST && operation !== ARP_OPERATION_REPLY) {
    throw new WireError('unsupported', `ARP operation ${operation} is neither request nor reply`);
  }
  const copy = (start: number, length: number): Buffer =>
    Buffer.from(buf.subarray(offset + start, offset + start + length));
  return {
    operation,
    senderMac: copy(ARP_OFFSET_SENDER_MAC, ARP_HARDWARE_LENGTH),
    senderIp: { family: 4, bytes: copy(ARP_OFFSET_SENDER_IP, ARP_PROTOCOL_LENGTH) },
    targetMac: copy(ARP_OFFSET_TARGET_MAC, ARP_HARDWARE_LENGTH),
    targetIp: { family: 4, bytes: copy(ARP_OFFSET_TARGET_IP, ARP_PROTOCOL_LENGTH) },
  };
}

function checkPacketFields(packet: ArpPacket): void {
  if (packet.operation !== ARP_OPERATION_REQUEST && packet.operation !== ARP_OPERATION_REPLY) {
    throw new WireError('bad-header', `ARP operation ${String(packet.operation)} is neither request nor reply`);
  }
  if (packet.senderMac.length !== ARP_HARDWARE_LENGTH || packet.targetMac.length !== ARP_HARDWARE_LENGTH) {
    throw new WireError('bad-length', 'ARP hardware addresses must be 6 bytes');
  }
  const isIpv4 = (a: IpAddress): boolean => a.family === 4 && a.bytes.length === ARP_PROTOCOL_LENGTH;
  if (!isIpv4(packet.senderIp) || !isIpv4(packet.targetIp)) {
    throw new WireError('bad-header', 'ARP protocol addresses must be IPv4');
  }
}

/** Writes the 28-byte packet at `offset` of `target` (a new buffer by default). */
export function encodeArp(packet: ArpPacket, target = Buffer.alloc(ARP_LENGTH), offset = 0): Buffer {
  requireLength(target, offset, ARP_LENGTH, 'ARP packet target');
  checkPacketFields(packet);
  target.writeUInt16BE(ARP_HARDWARE_ETHERNET, offset + ARP_OFFSET_HARDWARE_TYPE);
  target.writeUInt16BE(ARP_PROTOCOL_IPV4, offset + ARP_OFFSET_PROTOCOL_TYPE);
  target[offset + ARP_OFFSET_HARDWARE_LENGTH] = ARP_HARDWARE_LENGTH;
  target[offset + ARP_OFFSET_PROTOCOL_LENGTH] = ARP_PROTOCOL_LENGTH;
  target.writeUInt16BE(packet.operation, offset + ARP_OFFSET_OPERATION);
  packet.senderMac.copy(target, offset + ARP_OFFSET_SENDER_MAC);
  packet.senderIp.bytes.copy(target, offset + ARP_OFFSET_SENDER_IP);
  packet.targetMac.copy(target, offset + ARP_OFFSET_TARGET_MAC);
  packet.targetIp.bytes.copy(target, offset + ARP_OFFSET_TARGET_IP);
  return target;
}
