/**
 * The classic BPF program attached to a carpdev's packet socket (docs/protocol.md §7.6). The
 * kernel runs it on every frame of the parent, so the daemon only wakes up for what concerns CARP:
 * advertisements, frames to a virtual MAC, broadcast ARP for a virtual address, and neighbour
 * solicitations to the solicited-node group of a virtual IPv6 address.
 *
 * Every conditional jump is 0 or 1 instruction long and blocks are skipped with `ja` (32-bit
 * offset), so the program stays valid however many addresses there are (the 8-bit jt/jf offsets
 * of cBPF would otherwise limit it).
 */
import { endianness } from 'node:os';
import type { BpfInstruction } from '../native/types';
import { type IpAddress, type MacAddress, multicastMacFor, solicitedNodeGroup } from '../wire/address';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../wire/ethernet';
import { IPPROTO_CARP } from '../wire/carp';
import { FRAME_ARP_TARGET_IP, FRAME_ETHERTYPE, FRAME_IPV4_PROTOCOL, FRAME_IPV6_NEXT_HEADER } from './frame-offsets';

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


/** What concerns the carp interfaces attached to one carpdev. */
export interface CarpdevFilterSpec {
  /** The MAC of every carp interface on the carpdev (unicast, or multicast in balancing ip). */
  readonly virtualMacs: readonly MacAddress[];
  /** Every virtual address of those interfaces (IPv4 for ARP, IPv6 for neighbour discovery). */
  readonly addresses: readonly IpAddress[];
}

const ld = (code: number, k: number): BpfInstruction => ({ code, jt: 0, jf: 0, k });
const ret = (k: number): BpfInstruction => ({ code: RET_K, jt: 0, jf: 0, k });

/** Runs `then` when A == k; otherwise skips it. */
function ifEqual(k: number, then: readonly BpfInstruction[]): BpfInstruction[] {
  return [{ code: JMP_JEQ_K, jt: 1, jf: 0, k: k >>> 0 }, { code: JMP_JA, jt: 0, jf: 0, k: then.length }, ...then];
}

/** Accepts frames whose Ethernet destination is `mac`. */
function acceptDestination(mac: MacAddress): BpfInstruction[] {
  return [
    ld(LD_H_ABS, 0),
    ...ifEqual(mac.readUInt16BE(0), [ld(LD_W_ABS, 2), ...ifEqual(mac.readUInt32BE(2), [ret(ACCEPT_ALL)])]),
  ];
}

/** Accepts IPv4 or IPv6 packets carrying protocol 112. */
function acceptCarp(ethertype: number, protocolOffset: number): BpfInstruction[] {
  return [
    ld(LD_H_ABS, FRAME_ETHERTYPE),
    ...ifEqual(ethertype, [ld(LD_B_ABS, protocolOffset), ...ifEqual(IPPROTO_CARP, [ret(ACCEPT_ALL)])]),
  ];
}

/** Accepts broadcast ARP whose target protocol address is one of `targets`. */
function acceptBroadcastArp(targets: readonly IpAddress[]): BpfInstruction[] {
  if (targets.length === 0) return [];
  const targetChecks = targets.flatMap((t) => ifEqual(t.bytes.readUInt32BE(0), [ret(ACCEPT_ALL)]));
  return [
    ld(LD_H_ABS, FRAME_ETHERTYPE),
    ...ifEqual(ETHERTYPE_ARP, [
      ld(LD_W_ABS, 0),
      ...ifEqual(0xffffffff, [
        ld(LD_H_ABS, 4),
        ...ifEqual(0xffff, [ld(LD_W_ABS, FRAME_ARP_TARGET_IP), ...targetChecks]),
      ]),
    ]),
  ];
}

/** Where neighbour solicitations for an IPv6 address arrive: its solicited-node group's MAC. */
export function solicitedNodeMac(address: IpAddress): MacAddress {
  return multicastMacFor(solicitedNodeGroup(address));
}

function unique(macs: readonly MacAddress[]): MacAddress[] {
  return macs.filter((mac, i) => macs.findIndex((other) => other.equals(mac)) === i);
}

export function buildCarpdevFilter(spec: CarpdevFilterSpec): BpfInstruction[] {
  const ipv4 = spec.addresses.filter((a) => a.family === 4);
  const ndMacs = spec.addresses.filter((a) => a.family === 6).map(solicitedNodeMac);
  return [
    ...acceptCarp(ETHERTYPE_IPV4, FRAME_IPV4_PROTOCOL),
    ...acceptCarp(ETHERTYPE_IPV6, FRAME_IPV6_NEXT_HEADER),
    ...unique([...spec.virtualMacs, ...ndMacs]).flatMap(acceptDestination),
    ...acceptBroadcastArp(ipv4),
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
