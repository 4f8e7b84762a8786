/**
 * The frame of each advertisement the executor sent, kept with the action it was built for. The
 * core hands a MASTER's unchanged round out again as the same action objects (src/carp/
 * advertisement.ts), and the frame of such an action differs from the one sent last time only in
 * the IPv4 identification, drawn afresh for every packet: the executor sets that and sends the
 * frame again instead of building it. The rest of a frame comes from the action, from the kernel
 * (the source address, the carpdev's MAC) and from net.inet.carp.dscp: the executor forgets every
 * frame at each change the kernel reports, and a frame built with another traffic class is not
 * used.
 */
import type { AdvertiseAction } from '../carp/types';

interface KeptFrame {
  readonly trafficClass: number;
  readonly frame: Buffer;
}

export class AdvertisementFrames {
  /** Weak: an action the core no longer hands out takes its frame with it. */
  private frames = new WeakMap<AdvertiseAction, KeptFrame>();

  /** The frame sent for `action` last time, if built with `trafficClass` and not forgotten since. */
  sentBefore(action: AdvertiseAction, trafficClass: number): Buffer | null {
    const kept = this.frames.get(action);
    return kept !== undefined && kept.trafficClass === trafficClass ? kept.frame : null;
  }

  keep(action: AdvertiseAction, trafficClass: number, frame: Buffer): void {
    this.frames.set(action, { trafficClass, frame });
  }

  /** The kernel changed something a frame may carry (an address, a MAC). */
  forgetAll(): void {
    this.frames = new WeakMap();
  }
}
