/**
 * Both ends of a carp port without a kernel: a TAP whose "kernel" sends the frames a test gives it,
 * behind a virtio-net header, and a carpdev that keeps what it was asked to send.
 */
import { type TapDevice, VNET_HEADER_LENGTH } from '../../src/native/types';
import type { FrameSelection } from '../../src/relay/frame-batch';
import type { OutboundPort } from '../../src/relay/ports';

export class StubTap implements TapDevice {
  readonly name = 'carp0';
  readonly ifindex = 5;
  readonly fd = 3;
  readonly closed = false;
  /** Frames written into carpN's stack, without their virtio-net header. */
  readonly written: Buffer[] = [];
  private readonly pending: Buffer[] = [];
  private onReadable: (() => void) | null = null;

  /** carpN's kernel sends `frames`; the port reads them in one batch. */
  send(...frames: Buffer[]): void {
    this.pending.push(...frames.map((frame) => Buffer.concat([Buffer.alloc(VNET_HEADER_LENGTH), frame])));
    this.onReadable?.();
  }

  readBatch(arena: Buffer, slotSize: number, lengths: Uint32Array): number {
    let count = 0;
    while (count < lengths.length) {
      const frame = this.pending.shift();
      if (frame === undefined) break;
      frame.copy(arena, count * slotSize);
      lengths[count++] = frame.length;
    }
    return count;
  }

  writeBatch(arena: Buffer, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    for (let i = 0; i < count; i++) {
      const offset = offsets[i] as number;
      this.written.push(Buffer.from(arena.subarray(offset + VNET_HEADER_LENGTH, offset + (lengths[i] as number))));
    }
    return count;
  }

  startReading(onReadable: () => void): void {
    this.onReadable = onReadable;
  }

  stopReading(): void {
    this.onReadable = null;
  }

  close(): void {
    this.stopReading();
  }

  setPersist(): void {}
  setCarrier(): void {}
  setMac(): void {}
}

/** A carpdev port that sends everything; `sent` holds the frames without their virtio-net header. */
export class StubCarpdev implements OutboundPort {
  readonly sent: Buffer[] = [];

  transmit(arena: Buffer, selection: FrameSelection): number {
    for (let i = 0; i < selection.count; i++) {
      const offset = selection.offsets[i] as number;
      this.sent.push(Buffer.from(arena.subarray(offset + VNET_HEADER_LENGTH, offset + (selection.lengths[i] as number))));
    }
    return selection.count;
  }
}
