/**
 * The kernel's side of a TAP device: carpN's network stack as the relay meets it through the fd.
 * A frame written into the TAP is received by the stack, even without carrier (docs/design.md:
 * the relay has to gate itself); the stack transmits into the TAP only while carpN is up with
 * carrier and an fd is attached, since otherwise Linux queues nothing for the device (noop qdisc,
 * no tfile).
 */
import type { KernelLink } from './kernel-link';
import type { Scheduler } from './scheduler';

export class TapStack {
  /** TUNSETPERSIST: the device outlives its last fd. */
  persist = false;
  /** Frames written into the TAP, as carpN's stack received them (no virtio-net header). */
  readonly kernelReceived: Buffer[] = [];
  /** @internal The attached fd's read queue (a single-queue TAP has at most one); false when full. */
  attached: ((frame: Buffer) => boolean) | null = null;
  private readonly handlers = new Set<(frame: Buffer) => void>();

  constructor(
    private readonly link: KernelLink,
    private readonly scheduler: Scheduler,
  ) {}

  /**
   * Calls `handler` with every frame carpN's stack receives, as a task of its own: the kernel
   * processes a written frame after write() returned (softirq), not inside it.
   */
  onReceive(handler: (frame: Buffer) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** carpN's kernel sends a frame; true if it reached the fd's queue. */
  kernelSend(frame: Uint8Array): boolean {
    const { present, adminUp, carrier } = this.link;
    if (!present || !adminUp || !carrier || this.attached === null) return false;
    return this.attached(Buffer.from(frame));
  }

  /** @internal The fd wrote a frame into the TAP. */
  receive(frame: Buffer): void {
    this.kernelReceived.push(frame);
    for (const handler of this.handlers) {
      this.scheduler.soon(() => handler(Buffer.from(frame)), `${this.link.name} stack`);
    }
  }
}
