/**
 * Ends for the relay's ports that do no kernel work (a TAP, a packet socket, a carpdev port to send
 * through): reads hand back the same batch again, writes and sends accept everything. With them only the relay's own JavaScript is timed. Each read
 * first puts back the frames' Ethernet addresses, which the relay rewrites in place, so that every
 * batch looks as a fresh one from the kernel would; the cost of that is in every variant alike.
 */
import type { MembershipKind, PacketSocket, TapDevice } from '../src/native/types';
import type { FrameRing, FrameSelection } from '../src/relay/frame-batch';
import type { OutboundPort } from '../src/relay/ports';
import { ETHERNET_MAC_LENGTH } from '../src/wire/ethernet';
import { VNET_HEADER_LENGTH } from '../src/native/types';

/** Destination and source MAC. */
const ADDRESS_BYTES = 2 * ETHERNET_MAC_LENGTH;

/** Puts back the Ethernet addresses of every frame of `batch` in `arena` (laid out like the batch). */
export function restoreAddresses(batch: FrameRing, arena: Buffer): void {
  const source = batch.arena;
  for (let slot = 0; slot < batch.slots; slot++) {
    const at = batch.offsetOf(slot) + VNET_HEADER_LENGTH;
    for (let i = 0; i < ADDRESS_BYTES; i++) arena[at + i] = source[at + i] as number;
  }
}

/**
 * A TAP, packet socket or carpdev port whose reads return `batch` (or nothing) and whose writes
 * and sends take everything.
 */
export class ReplayDevice implements TapDevice, PacketSocket, OutboundPort {
  readonly fd = -1;
  readonly closed = false;
  readonly name = 'bench0';
  readonly ifname = 'bench0';
  readonly ifindex = 1;
  /** Frames written or sent so far: what the relay let through. */
  framesWritten = 0;
  private onReadable: (() => void) | null = null;
  private readonly filled = new WeakSet<Buffer>();

  constructor(private readonly batch: FrameRing | null) {}

  /** What the event loop does when the fd is readable: the port reads and handles one batch. */
  readable(): void {
    this.onReadable?.();
  }

  readBatch(arena: Buffer, _slotSize: number, lengths: Uint32Array): number {
    const batch = this.batch;
    if (batch === null) return 0;
    // The whole frames once; afterwards only what the relay may have rewritten.
    if (!this.filled.has(arena)) {
      batch.arena.copy(arena);
      this.filled.add(arena);
    } else {
      restoreAddresses(batch, arena);
    }
    lengths.set(batch.lengths);
    return batch.slots;
  }

  writeBatch(_arena: Buffer, _offsets: Uint32Array, _lengths: Uint32Array, count: number): number {
    this.framesWritten += count;
    return count;
  }

  transmit(_arena: Buffer, selection: FrameSelection): number {
    this.framesWritten += selection.count;
    return selection.count;
  }

  startReading(onReadable: () => void): void {
    this.onReadable = onReadable;
  }

  stopReading(): void {
    this.onReadable = null;
  }

  close(): void {
    this.onReadable = null;
  }

  setPersist(_persist: boolean): void {}
  setCarrier(_up: boolean): void {}
  setMac(_mac: Buffer): void {}
  setFilter(_filter: Buffer): void {}
  addMembership(_kind: MembershipKind, _mac: Buffer): void {}
  dropMembership(_kind: MembershipKind, _mac: Buffer): void {}
}
