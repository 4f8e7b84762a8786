/**
 * Frames and classic BPF programs for the native tests, written out by hand so that these tests
 * depend on nothing but the addon.
 */
import { endianness } from 'node:os';

/** IEEE 802 local experimental ethertypes: nothing else on a test link uses them. */
export const ETHERTYPE_TEST = 0x88b5;
export const ETHERTYPE_OTHER = 0x88b6;
export const ETHERTYPE_ARP = 0x0806;

export const BROADCAST = 'ff:ff:ff:ff:ff:ff';

export function mac(text: string): Buffer {
  return Buffer.from(text.replaceAll(':', ''), 'hex');
}

/** An Ethernet frame whose payload is `payloadLength` bytes of `fill` (at least 46: no padding). */
export function frame(dst: string, src: string, ethertype: number, payloadLength = 46, fill = 0xa5): Buffer {
  const header = Buffer.concat([mac(dst), mac(src), Buffer.from([ethertype >> 8, ethertype & 0xff])]);
  return Buffer.concat([header, Buffer.alloc(payloadLength, fill)]);
}

/** An ARP request (RFC 826) for `targetIp` from `senderMac`/`senderIp`, broadcast. */
export function arpRequest(senderMac: string, senderIp: string, targetIp: string): Buffer {
  const ip = (text: string): Buffer => Buffer.from(text.split('.').map(Number));
  const arp = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]),
    mac(senderMac),
    ip(senderIp),
    Buffer.alloc(6),
    ip(targetIp),
  ]);
  const header = Buffer.concat([mac(BROADCAST), mac(senderMac), Buffer.from([0x08, 0x06])]);
  return Buffer.concat([header, arp, Buffer.alloc(18)]);
}

interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** struct sock_filter in host byte order, as the kernel reads it. */
export function packBpf(program: readonly Instruction[]): Buffer {
  const buffer = Buffer.alloc(program.length * 8);
  const littleEndian = endianness() === 'LE';
  program.forEach(({ code, jt, jf, k }, i) => {
    if (littleEndian) buffer.writeUInt16LE(code, i * 8);
    else buffer.writeUInt16BE(code, i * 8);
    buffer.writeUInt8(jt, i * 8 + 2);
    buffer.writeUInt8(jf, i * 8 + 3);
    if (littleEndian) buffer.writeUInt32LE(k >>> 0, i * 8 + 4);
    else buffer.writeUInt32BE(k >>> 0, i * 8 + 4);
  });
  return buffer;
}

const LD_H_ABS = 0x28;
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const RET_K = 0x06;
const ACCEPT = 0xffffffff;

/** Accepts frames of one ethertype. */
export function ethertypeFilter(ethertype: number): Buffer {
  return packBpf([
    { code: LD_H_ABS, jt: 0, jf: 0, k: 12 },
    { code: JEQ_K, jt: 0, jf: 1, k: ethertype },
    { code: RET_K, jt: 0, jf: 0, k: ACCEPT },
    { code: RET_K, jt: 0, jf: 0, k: 0 },
  ]);
}

/** Accepts ARP, and frames whose destination is `destination` (what a carp relay needs for IPv4). */
export function arpOrDestinationFilter(destination: string): Buffer {
  const address = mac(destination);
  return packBpf([
    { code: LD_H_ABS, jt: 0, jf: 0, k: 12 },
    { code: JEQ_K, jt: 4, jf: 0, k: ETHERTYPE_ARP },
    { code: LD_H_ABS, jt: 0, jf: 0, k: 0 },
    { code: JEQ_K, jt: 0, jf: 3, k: address.readUInt16BE(0) },
    { code: LD_W_ABS, jt: 0, jf: 0, k: 2 },
    { code: JEQ_K, jt: 0, jf: 1, k: address.readUInt32BE(2) },
    { code: RET_K, jt: 0, jf: 0, k: ACCEPT },
    { code: RET_K, jt: 0, jf: 0, k: 0 },
  ]);
}

/** Accepts nothing. */
export const REJECT_ALL = packBpf([{ code: RET_K, jt: 0, jf: 0, k: 0 }]);
