/**
 * Buffers that frames cross the native boundary in (src/native/types.ts FrameIo): a receive ring
 * of fixed slots, and a selection of frames inside some ring to write in one call. A selection
 * only stores offsets, so relaying a frame never copies it.
 */
import { VNET_HEADER_LENGTH } from '../native/types';

/** 64 KiB GSO super-frame + virtio-net header + Ethernet + one VLAN tag, rounded up. */
export const SLOT_SIZE = 65_600;
/** Frames moved per native call; 7-55 per batch were seen under load (docs/protocol.md §7.2). */
export const BATCH_SLOTS = 64;

export class FrameRing {
  readonly arena: Buffer;
  readonly lengths: Uint32Array;

  constructor(
    readonly slots = BATCH_SLOTS,
    readonly slotSize = SLOT_SIZE,
  ) {
    this.arena = Buffer.alloc(slots * slotSize);
    this.lengths = new Uint32Array(slots);
  }

  offsetOf(slot: number): number {
    return slot * this.slotSize;
  }
}

export class FrameSelection {
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  count = 0;

  constructor(capacity = BATCH_SLOTS) {
    this.offsets = new Uint32Array(capacity);
    this.lengths = new Uint32Array(capacity);
  }

  add(offset: number, length: number): void {
    this.offsets[this.count] = offset;
    this.lengths[this.count] = length;
    this.count++;
  }

  clear(): void {
    this.count = 0;
  }
}

/**
 * Frames the daemon builds itself (advertisements, gratuitous ARP, unsolicited NA), packed into
 * one buffer behind an all-zero virtio-net header each (no offload requested).
 */
export function packOwnFrames(frames: readonly Buffer[], vnetHeader: boolean): { arena: Buffer; selection: FrameSelection } {
  const prefix = vnetHeader ? VNET_HEADER_LENGTH : 0;
  const arena = Buffer.alloc(frames.reduce((sum, f) => sum + prefix + f.length, 0));
  const selection = new FrameSelection(frames.length);
  let offset = 0;
  for (const frame of frames) {
    frame.copy(arena, offset + prefix);
    selection.add(offset, prefix + frame.length);
    offset += prefix + frame.length;
  }
  return { arena, selection };
}
