/**
 * What a fake TAP fd and a fake packet socket share (src/native/types.ts FrameIo): the addon's
 * argument checks and error messages, a bounded receive queue, virtio-net headers, and polling
 * as uv_poll does it, level-triggered: while reading is started and a frame waits, onReadable
 * runs again and again (a callback that never reads is a busy loop the scheduler reports).
 */
import { type FrameIo, VNET_HEADER_LENGTH } from '../../src/native/types';
import { ETHERNET_HEADER_LENGTH } from '../../src/wire/ethernet';
import { type Errno, systemError } from './errno';
import type { Scheduler } from './scheduler';

/** Beyond this a slot is a mistake, not a frame buffer (native/frame_io.cc). */
const MAX_SLOT_SIZE = 16 * 1024 * 1024;

export interface FrameIoSpec {
  /** The interface name: the first word of every error message. */
  readonly subject: string;
  readonly readSyscall: string;
  readonly writeSyscall: string;
  readonly minSlotSize: number;
  readonly vnetHeader: boolean;
  /** Frames the receive queue holds; more are dropped and counted. */
  readonly queueLimit: number;
}

/** After a POLLERR wake-up: go on polling (a packet socket) or stop, as libuv does without recovery (a TAP). */
export type ErrorWake = 'resume' | 'stop';

export abstract class FakeFrameIo implements FrameIo {
  /** Frames dropped because the receive queue was full. */
  overflows = 0;
  /** Frames readBatch dropped because they were longer than a slot (MSG_TRUNC). */
  truncated = 0;
  private readonly queue: Buffer[] = [];
  private onReadable: (() => void) | null = null;
  private pollQueued = false;
  /** The owning process does not run (SIGSTOP): the fd fills up, nobody is told. */
  private frozen = false;
  private errorWake: ErrorWake | null = null;
  private writeFailure: Errno | null = null;
  private descriptor: number;

  constructor(
    private readonly scheduler: Scheduler,
    fd: number,
    protected readonly spec: FrameIoSpec,
  ) {
    this.descriptor = fd;
  }

  get fd(): number {
    return this.descriptor;
  }

  get closed(): boolean {
    return this.descriptor < 0;
  }

  /** Frames waiting to be read. */
  get waiting(): number {
    return this.queue.length;
  }

  readBatch(arena: Buffer, slotSize: number, lengths: Uint32Array): number {
    this.ensureOpen(this.spec.readSyscall);
    const { subject, minSlotSize } = this.spec;
    if (!Number.isInteger(slotSize) || slotSize < minSlotSize || slotSize > MAX_SLOT_SIZE) {
      throw new RangeError(
        `${subject}: readBatch slotSize must be an integer from ${minSlotSize} to ${MAX_SLOT_SIZE}, not ${slotSize}`,
      );
    }
    if (lengths.length > Math.floor(arena.length / slotSize)) {
      throw new RangeError(
        `${subject}: readBatch arena of ${arena.length} bytes has no room for ${lengths.length} slots of ${slotSize} bytes`,
      );
    }
    this.checkReadable();
    const prefix = this.prefixLength();
    let count = 0;
    while (count < lengths.length) {
      const frame = this.queue.shift();
      if (frame === undefined) break;
      if (prefix + frame.length > slotSize) {
        this.truncated++;
        continue;
      }
      const at = count * slotSize;
      arena.fill(0, at, at + prefix);
      frame.copy(arena, at + prefix);
      lengths[count++] = prefix + frame.length;
    }
    return count;
  }

  writeBatch(arena: Buffer, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    this.ensureOpen(this.spec.writeSyscall);
    const { subject } = this.spec;
    const most = Math.min(offsets.length, lengths.length);
    if (!Number.isInteger(count) || count < 0 || count > most) {
      throw new RangeError(`${subject}: writeBatch count must be an integer from 0 to ${most}, not ${count}`);
    }
    for (let i = 0; i < count; i++) {
      const offset = offsets[i] as number;
      const length = lengths[i] as number;
      if (offset + length > arena.length) {
        throw new RangeError(
          `${subject}: writeBatch frame ${i} [${offset}, +${length}) lies outside the arena of ${arena.length} bytes`,
        );
      }
    }
    let written = 0;
    while (written < count) {
      const offset = offsets[written] as number;
      const errno = this.writeOne(arena.subarray(offset, offset + (lengths[written] as number)));
      if (errno === 'EAGAIN' || errno === 'ENOBUFS') break;
      if (errno !== null) {
        if (written === 0) throw systemError(subject, this.spec.writeSyscall, errno);
        break;
      }
      written++;
    }
    return written;
  }

  startReading(onReadable: () => void): void {
    this.ensureOpen('uv_poll_start');
    this.onReadable = onReadable;
    this.schedulePoll();
  }

  stopReading(): void {
    this.onReadable = null;
  }

  close(): void {
    if (this.closed) return;
    this.onReadable = null;
    this.descriptor = -1;
    this.queue.length = 0;
    this.released();
  }

  /** The process holding the fd stops running: frames keep queueing, onReadable waits. */
  freeze(): void {
    this.frozen = true;
  }

  /** It runs again: whatever queued up meanwhile is readable at once. */
  thaw(): void {
    this.frozen = false;
    this.schedulePoll();
  }

  /** The next frame written fails with `errno`; EAGAIN and ENOBUFS end the batch quietly. */
  failNextWrite(errno: Errno): void {
    this.writeFailure = errno;
  }

  /** A closed handle fails every call with EBADF rather than touch a reused fd number. */
  protected ensureOpen(syscall: string): void {
    if (this.closed) throw systemError(this.spec.subject, syscall, 'EBADF', 'the handle is closed');
  }

  /** Queues a frame (without virtio-net header) for readBatch. */
  protected deliver(frame: Buffer): boolean {
    if (this.closed) return false;
    if (this.queue.length >= this.spec.queueLimit) {
      this.overflows++;
      return false;
    }
    this.queue.push(frame);
    this.schedulePoll();
    return true;
  }

  protected purge(): void {
    this.queue.length = 0;
  }

  /** POLLERR: onReadable runs once even with nothing to read. */
  protected pollError(after: ErrorWake): void {
    this.errorWake = after;
    this.schedulePoll();
  }

  /** Throws the error a read gets before any frame (the device is gone). */
  protected abstract checkReadable(): void;
  /** The errno of a write refused for the device's state, checked before the frame itself. */
  protected abstract writeRefusal(): Errno | null;
  /** Hands a written frame (without virtio-net header) on; the errno that stops the batch, or null. */
  protected abstract transmit(frame: Buffer): Errno | null;
  /** The fd is closed: let go of the device. */
  protected abstract released(): void;

  private prefixLength(): number {
    return this.spec.vnetHeader ? VNET_HEADER_LENGTH : 0;
  }

  private writeOne(data: Buffer): Errno | null {
    const injected = this.writeFailure;
    this.writeFailure = null;
    if (injected !== null) return injected;
    const refusal = this.writeRefusal();
    if (refusal !== null) return refusal;
    const prefix = this.prefixLength();
    if (data.length < prefix + ETHERNET_HEADER_LENGTH) return 'EINVAL';
    if (data.subarray(0, prefix).some((byte) => byte !== 0)) {
      // Checksum or segmentation offload would make the kernel rewrite or split the frame.
      throw new Error(`${this.spec.subject}: a virtio-net header asking for offloads is beyond the fake binding`);
    }
    return this.transmit(Buffer.from(data.subarray(prefix)));
  }

  private schedulePoll(): void {
    if (this.pollQueued || this.frozen || this.onReadable === null || (this.queue.length === 0 && this.errorWake === null)) return;
    this.pollQueued = true;
    this.scheduler.soon(() => this.poll(), `${this.spec.subject} fd ${this.descriptor} readable`);
  }

  private poll(): void {
    this.pollQueued = false;
    const callback = this.onReadable;
    if (this.frozen || callback === null || (this.queue.length === 0 && this.errorWake === null)) return;
    if (this.errorWake === 'stop') this.onReadable = null;
    this.errorWake = null;
    callback();
    this.schedulePoll();
  }
}
