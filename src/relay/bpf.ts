/**
 * The classic BPF program attached to a carpdev's packet socket (docs/protocol.md §7.6). The
 * kernel runs it on every frame of the parent, so the daemon only wakes up for what may concern
 * CARP: advertisements (IP protocol 112, which VRRP shares), frames to a virtual MAC, broadcast
 * ARP, and neighbour solicitations to a solicited-node group. The program is the same however many
 * carp interfaces and addresses use the carpdev — it matches the virtual MAC blocks, not each MAC —
 * so it never grows past what the kernel accepts (a program that grew per interface failed with
 * ENOMEM at the 218th one: its size counts against net.core.optmem_max). Which carp interface a
 * frame is for is the inbound table's decision; what no interface claims is counted as unclaimed.
 */
import { endianness } from 'node:os';
import type { BpfInstruction } from '../native/types';
import { type IpAddress, type MacAddress, multicastMacFor, solicitedNodeGroup } from '../wire/address';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../wire/ethernet';
import { IPPROTO_CARP } from '../wire/carp';
import { FRAME_ETHERTYPE, FRAME_IPV4_PROTOCOL, FRAME_IPV6_NEXT_HEADER } from './frame-offsets';

// Opcodes from linux/filter.h (BPF_CLASS | BPF_SIZE | BPF_MODE ...).
const LD_W_ABS = 0x20;
const LD_H_ABS = 0x28;
const LD_B_ABS = 0x30;
const JMP_JA = 0x05;
const JMP_JEQ_K = 0x15;
const RET_K = 0x06;

/** Accept the whole frame: GSO super-frames reach 64 KiB (docs/protocol.md §7.2). */
const ACCEPT_ALL = 0xffffffff;
const REJECT = 0;

/**
 * The first five bytes of the MACs carpN is reached on: 00:00:5e:00:01:<vhid> (the VRRP/CARP
 * block, docs/protocol.md §1.6) and its group form 01:00:5e:00:01:<vhid> (balancing ip).
 */
const VIRTUAL_MAC_PREFIX = 0x00005e00;
const MULTICAST_VIRTUAL_MAC_PREFIX = 0x01005e00;
const VIRTUAL_MAC_FIFTH_BYTE = 0x01;
/** 33:33:ff:xx:xx:xx, the MACs of the solicited-node groups ff02::1:ffxx:xxxx (RFC 4291, RFC 2464). */
const IPV6_MULTICAST_MAC_PREFIX = 0x3333;
const SOLICITED_NODE_MAC_THIRD_BYTE = 0xff;

const ld = (code: number, k: number): BpfInstruction => ({ code, jt: 0, jf: 0, k });
const ret = (k: number): BpfInstruction => ({ code: RET_K, jt: 0, jf: 0, k });

/** Runs `then` when A == k; otherwise skips it. */
function ifEqual(k: number, then: readonly BpfInstruction[]): BpfInstruction[] {
  return [{ code: JMP_JEQ_K, jt: 1, jf: 0, k: k >>> 0 }, { code: JMP_JA, jt: 0, jf: 0, k: then.length }, ...then];
}

/** Accepts IPv4 or IPv6 packets carrying protocol 112. */
function acceptCarp(ethertype: number, protocolOffset: number): BpfInstruction[] {
  return [
    ld(LD_H_ABS, FRAME_ETHERTYPE),
    ...ifEqual(ethertype, [ld(LD_B_ABS, protocolOffset), ...ifEqual(IPPROTO_CARP, [ret(ACCEPT_ALL)])]),
  ];
}

/** Accepts frames whose destination starts with the 4 bytes `word` and then the byte `fifth`. */
function acceptDestinationPrefix(word: number, fifth: number): BpfInstruction[] {
  return [ld(LD_W_ABS, 0), ...ifEqual(word, [ld(LD_B_ABS, 4), ...ifEqual(fifth, [ret(ACCEPT_ALL)])])];
}

/** Accepts frames to any solicited-node group: neighbour solicitations for an IPv6 address. */
function acceptSolicitedNodeGroups(): BpfInstruction[] {
  return [
    ld(LD_H_ABS, 0),
    ...ifEqual(IPV6_MULTICAST_MAC_PREFIX, [ld(LD_B_ABS, 2), ...ifEqual(SOLICITED_NODE_MAC_THIRD_BYTE, [ret(ACCEPT_ALL)])]),
  ];
}

/** Accepts broadcast ARP. */
function acceptBroadcastArp(): BpfInstruction[] {
  return [
    ld(LD_W_ABS, 0),
    ...ifEqual(0xffffffff, [
      ld(LD_H_ABS, 4),
      ...ifEqual(0xffff, [ld(LD_H_ABS, FRAME_ETHERTYPE), ...ifEqual(ETHERTYPE_ARP, [ret(ACCEPT_ALL)])]),
    ]),
  ];
}

/**
 * The in-kernel data path carries IPv4 and IPv6 to these MACs (src/kernel/fast-path-commands.ts):
 * the socket would copy every such frame out only for the relay to drop it.
 */
function rejectKernelCarried(mac: MacAddress): BpfInstruction[] {
  return [
    ld(LD_W_ABS, 0),
    ...ifEqual(mac.readUInt32BE(0), [
      ld(LD_H_ABS, 4),
      ...ifEqual(mac.readUInt16BE(4), [
        ld(LD_H_ABS, FRAME_ETHERTYPE),
        ...ifEqual(ETHERTYPE_IPV4, [ret(REJECT)]),
        ...ifEqual(ETHERTYPE_IPV6, [ret(REJECT)]),
      ]),
    ]),
  ];
}

/**
 * At most this many MACs are left out by the program (15 instructions each), so it stays far
 * below net.core.optmem_max; frames to the others reach the relay, which drops them.
 */
export const MAX_KERNEL_CARRIED_IN_FILTER = 64;

/** Where neighbour solicitations for an IPv6 address arrive: its solicited-node group's MAC. */
export function solicitedNodeMac(address: IpAddress): MacAddress {
  return multicastMacFor(solicitedNodeGroup(address));
}

/**
 * The program of every carpdev socket; it grows only by the MACs whose unicast IP the kernel
 * carries (advertisements to them are still accepted: they are checked first).
 */
export function buildCarpdevFilter(kernelCarried: readonly MacAddress[] = []): BpfInstruction[] {
  return [
    ...acceptCarp(ETHERTYPE_IPV4, FRAME_IPV4_PROTOCOL),
    ...acceptCarp(ETHERTYPE_IPV6, FRAME_IPV6_NEXT_HEADER),
    ...kernelCarried.slice(0, MAX_KERNEL_CARRIED_IN_FILTER).flatMap(rejectKernelCarried),
    ...acceptDestinationPrefix(VIRTUAL_MAC_PREFIX, VIRTUAL_MAC_FIFTH_BYTE),
    ...acceptDestinationPrefix(MULTICAST_VIRTUAL_MAC_PREFIX, VIRTUAL_MAC_FIFTH_BYTE),
    ...acceptSolicitedNodeGroups(),
    ...acceptBroadcastArp(),
    ret(REJECT),
  ];
}

/** struct sock_filter[] as the kernel wants it: u16 code, u8 jt, u8 jf, u32 k, host byte order. */
export function packBpf(program: readonly BpfInstruction[]): Buffer {
  const littleEndian = endianness() === 'LE';
  const packed = Buffer.alloc(program.length * 8);
  program.forEach((insn, i) => {
    const at = i * 8;
    if (littleEndian) packed.writeUInt16LE(insn.code, at);
    else packed.writeUInt16BE(insn.code, at);
    packed.writeUInt8(insn.jt, at + 2);
    packed.writeUInt8(insn.jf, at + 3);
    if (littleEndian) packed.writeUInt32LE(insn.k >>> 0, at + 4);
    else packed.writeUInt32BE(insn.k >>> 0, at + 4);
  });
  return packed;
}
