/** Minimal hand-built frames for data-plane tests (only the fields the filter and table read). */
import { BROADCAST_MAC, type IpAddress, type MacAddress, parseMac } from '../../src/wire/address';

export const CLIENT_MAC = parseMac('02:00:00:00:00:99');

export function ethernet(destination: MacAddress, etherType: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(14);
  destination.copy(header, 0);
  CLIENT_MAC.copy(header, 6);
  header.writeUInt16BE(etherType, 12);
  return Buffer.concat([header, payload]);
}

/** A broadcast ARP request for `target` (28-byte Ethernet/IPv4 ARP). */
export function arpRequest(target: IpAddress): Buffer {
  const arp = Buffer.alloc(28);
  arp.writeUInt16BE(1, 0);
  arp.writeUInt16BE(0x0800, 2);
  arp[4] = 6;
  arp[5] = 4;
  arp.writeUInt16BE(1, 6);
  CLIENT_MAC.copy(arp, 8);
  Buffer.from([192, 0, 2, 99]).copy(arp, 14);
  target.bytes.copy(arp, 24);
  return ethernet(BROADCAST_MAC, 0x0806, arp);
}

/** An IPv4 packet of `protocol` (header fields beyond the protocol byte left zero). */
export function ipv4(destination: MacAddress, protocol: number): Buffer {
  const ip = Buffer.alloc(40);
  ip[0] = 0x45;
  ip[9] = protocol;
  return ethernet(destination, 0x0800, ip);
}

export function ipv6(destination: MacAddress, nextHeader: number): Buffer {
  const ip = Buffer.alloc(60);
  ip[0] = 0x60;
  ip[6] = nextHeader;
  return ethernet(destination, 0x86dd, ip);
}
