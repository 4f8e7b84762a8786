/**
 * A packet socket's filter as SO_ATTACH_FILTER takes it: struct sock_filter[] in host byte order.
 * The fake unpacks it, applies the checks of the kernel's bpf_check_classic() that a program of
 * src/relay/bpf.ts could fail (jumps inside the program, a return at the end), and runs it with
 * the test interpreter, so the frames a socket sees are exactly those the real program lets in.
 */
import { endianness } from 'node:os';
import type { BpfInstruction } from '../../src/native/types';
import { runBpf } from '../helpers/bpf-interpreter';
import { systemError } from './errno';

const INSTRUCTION_LENGTH = 8;
/** BPF_MAXINSNS in linux/bpf_common.h. */
const MAX_INSTRUCTIONS = 4096;
const JMP_JA = 0x05;
const RET_K = 0x06;
/** BPF_JMP class: the jt/jf (or k, for ja) offsets must land inside the program. */
const isJump = (code: number): boolean => (code & 0x07) === 0x05;
/** BPF_RET class: the kernel wants the last instruction to be one. */
const isReturn = (code: number): boolean => (code & 0x07) === 0x06;
/** The opcodes test/helpers/bpf-interpreter.ts executes. */
const INTERPRETED = new Set([0x20, 0x28, 0x30, 0x15, JMP_JA, RET_K]);

/** What the addon refuses before any system call: not 1 to 4096 whole instructions. */
export function checkFilterSize(subject: string, filter: Buffer): void {
  if (filter.length === 0 || filter.length % INSTRUCTION_LENGTH !== 0 || filter.length / INSTRUCTION_LENGTH > MAX_INSTRUCTIONS) {
    throw new RangeError(
      `${subject}: a BPF filter is 1 to ${MAX_INSTRUCTIONS} instructions of ${INSTRUCTION_LENGTH} bytes, not ${filter.length} bytes`,
    );
  }
}

/** The program in `filter`, or the EINVAL of SO_ATTACH_FILTER for one the kernel would refuse. */
export function loadFilter(subject: string, filter: Buffer): BpfInstruction[] {
  checkFilterSize(subject, filter);
  const littleEndian = endianness() === 'LE';
  const program: BpfInstruction[] = [];
  for (let at = 0; at < filter.length; at += INSTRUCTION_LENGTH) {
    program.push({
      code: littleEndian ? filter.readUInt16LE(at) : filter.readUInt16BE(at),
      jt: filter.readUInt8(at + 2),
      jf: filter.readUInt8(at + 3),
      k: littleEndian ? filter.readUInt32LE(at + 4) : filter.readUInt32BE(at + 4),
    });
  }
  const last = program[program.length - 1] as BpfInstruction;
  const jumpsOut = program.some((insn, pc) => {
    const remaining = program.length - pc - 1;
    return insn.code === JMP_JA ? insn.k >= remaining : isJump(insn.code) && (insn.jt >= remaining || insn.jf >= remaining);
  });
  if (jumpsOut || !isReturn(last.code)) {
    throw systemError(subject, 'setsockopt(SO_ATTACH_FILTER)', 'EINVAL', "the kernel's BPF checker refused the program");
  }
  const beyond = program.findIndex((insn) => !INTERPRETED.has(insn.code));
  if (beyond >= 0) {
    const code = (program[beyond] as BpfInstruction).code;
    throw new Error(`${subject}: opcode 0x${code.toString(16)} at ${beyond} is beyond the fake's BPF interpreter`);
  }
  return program;
}

/** How many bytes of `frame` the program keeps: 0 drops it, less than its length trims it. */
export function filterVerdict(program: readonly BpfInstruction[], frame: Uint8Array): number {
  return Math.min(runBpf(program, frame), frame.length);
}
