/**
 * Executes the subset of classic BPF that src/relay/bpf.ts emits, with the kernel's semantics for
 * a load past the end of the packet (the filter returns 0: the frame is dropped). Any other opcode
 * fails the test, so the interpreter cannot silently accept what the kernel would reject.
 */
import type { BpfInstruction } from '../../src/native/types';

export function runBpf(program: readonly BpfInstruction[], packet: Uint8Array): number {
  const view = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  let a = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const insn = program[pc] as BpfInstruction;
    const size = { 0x20: 4, 0x28: 2, 0x30: 1 }[insn.code];
    if (size !== undefined) {
      if (insn.k + size > view.length) return 0;
      a = size === 4 ? view.readUInt32BE(insn.k) : size === 2 ? view.readUInt16BE(insn.k) : (view[insn.k] as number);
    } else if (insn.code === 0x15) {
      pc += a >>> 0 === insn.k >>> 0 ? insn.jt : insn.jf;
    } else if (insn.code === 0x05) {
      pc += insn.k;
    } else if (insn.code === 0x06) {
      return insn.k >>> 0;
    } else {
      throw new Error(`opcode 0x${insn.code.toString(16)} at ${pc} is not supported`);
    }
    if (insn.jt > 255 || insn.jf > 255) throw new Error(`jump offset out of range at ${pc}`);
  }
  throw new Error('program ran off its end without a return');
}
