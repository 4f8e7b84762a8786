/**
 * The relay's side of one carpN TAP. Frames the kernel sends on carpN leave on the carpdev only
 * while this host is MASTER; frames for carpN are written into the TAP in batches. In BACKUP and
 * INIT nothing passes either way (the carrier is off too, but the kernel still accepts frames
 * written into a TAP without carrier: linux-dataplane.md "Carrier").
 */
import type { TapDevice } from '../native/types';
import type { CarpdevPort } from './carpdev-port';
import { type RelayCounters, zeroRelayCounters } from './counters';
import { FrameRing, FrameSelection } from './frame-batch';

export class CarpPort {
  /** True while the interface is MASTER: the only time frames may pass. */
  forwarding = false;
  carpdev: CarpdevPort | null = null;
  readonly counters: RelayCounters = zeroRelayCounters();
  /** Frames selected for this TAP out of the carpdev batch being processed. */
  readonly inbound = new FrameSelection();
  private readonly ring = new FrameRing();
  private readonly outbound = new FrameSelection();

  constructor(
    readonly ifname: string,
    private readonly tap: TapDevice,
    private readonly onError: (ifname: string, operation: 'read' | 'write', error: unknown) => void,
  ) {
    tap.startReading(() => this.onTapReadable());
  }

  /** Writes the frames selected from `arena` into the TAP and clears the selection. */
  flushInbound(arena: Buffer): void {
    const selected = this.inbound.count;
    if (selected === 0) return;
    this.inbound.clear();
    let written = 0;
    try {
      written = this.tap.writeBatch(arena, this.inbound.offsets, this.inbound.lengths, selected);
    } catch (e: unknown) {
      this.onError(this.ifname, 'write', e);
    }
    this.counters.framesIn += written;
    this.counters.droppedWriteFailed += selected - written;
  }

  stop(): void {
    this.tap.stopReading();
  }

  private onTapReadable(): void {
    let count: number;
    try {
      count = this.tap.readBatch(this.ring.arena, this.ring.slotSize, this.ring.lengths);
    } catch (e: unknown) {
      // The device went away under us (EBADFD after `ip link del`): stop, the daemon cleans up.
      this.tap.stopReading();
      this.onError(this.ifname, 'read', e);
      return;
    }
    if (count === 0) return;
    if (!this.forwarding || this.carpdev === null) {
      this.counters.droppedNotMaster += count;
      return;
    }
    this.outbound.clear();
    for (let slot = 0; slot < count; slot++) {
      this.outbound.add(this.ring.offsetOf(slot), this.ring.lengths[slot] as number);
    }
    const sent = this.carpdev.transmit(this.ring.arena, this.outbound);
    this.counters.framesOut += sent;
    this.counters.droppedWriteFailed += count - sent;
  }
}
