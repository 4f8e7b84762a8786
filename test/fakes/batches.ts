/** One-call reads and writes of whole frames on a FrameIo, for tests that poke at fds directly. */
import type { FrameIo } from '../../src/native/types';

/** The largest slot the relay uses: a 64 KiB GSO frame with virtio-net and Ethernet headers. */
export const TEST_SLOT_SIZE = 65_600;

/** One readBatch of up to `slots` frames. */
export function readFrames(io: FrameIo, slots = 16, slotSize = TEST_SLOT_SIZE): Buffer[] {
  const arena = Buffer.alloc(slots * slotSize);
  const lengths = new Uint32Array(slots);
  const count = io.readBatch(arena, slotSize, lengths);
  const frame = (i: number): Buffer => Buffer.from(arena.subarray(i * slotSize, i * slotSize + (lengths[i] as number)));
  return Array.from({ length: count }, (_, i) => frame(i));
}

/** One writeBatch of `frames`, packed back to back; returns how many were written. */
export function writeFrames(io: FrameIo, frames: readonly Buffer[]): number {
  const arena = Buffer.concat(frames);
  const offsets = new Uint32Array(frames.length);
  const lengths = new Uint32Array(frames.map((f) => f.length));
  frames.reduce((offset, f, i) => {
    offsets[i] = offset;
    return offset + f.length;
  }, 0);
  return io.writeBatch(arena, offsets, lengths, frames.length);
}
