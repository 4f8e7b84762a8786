/**
 * Network-order integers read from a frame in place: the balancing filter runs on every frame of
 * a batch, so it reads bytes instead of decoding headers or making Buffers. The caller has checked
 * that the bytes are there.
 */

/** The big-endian 16-bit value at frame[at, at + 2). */
export function uint16At(frame: Uint8Array, at: number): number {
  return ((frame[at] as number) << 8) | (frame[at + 1] as number);
}

/** The big-endian 32-bit word at frame[at, at + 4), as a signed 32-bit integer: XOR it, then `>>> 0`. */
export function int32At(frame: Uint8Array, at: number): number {
  return ((frame[at] as number) << 24) | ((frame[at + 1] as number) << 16) | ((frame[at + 2] as number) << 8) | (frame[at + 3] as number);
}
