/**
 * KernelMirror over a FakeKernel, the way NetlinkMirror works over rtnetlink: subscribe, dump,
 * then apply every notification when it "arrives" (a scheduler task, as a datagram is read from
 * the event loop) to the same MirrorState tables, so the view, its address order and its events
 * are what the real mirror would show, and lag the kernel exactly as much. One FakeMirror is one
 * netlink socket and cannot start again once closed: a restarted daemon gets a new one.
 */
import { KernelError } from '../../src/kernel/errors';
import { MirrorView } from '../../src/kernel/mirror-view';
import type { KernelEvent, KernelMirror, MirrorCounters } from '../../src/kernel/types';
import type { FakeKernel, KernelNotification, NotificationSink } from './fake-kernel';

export class FakeMirror extends MirrorView implements KernelMirror, NotificationSink {
  /** The fake kernel sends nothing malformed and never overruns a socket. */
  readonly counters: MirrorCounters = { malformed: 0, ignored: 0, overruns: 0, resyncs: 0 };
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly kernel: FakeKernel) {
    super();
  }

  start(): Promise<void> {
    this.starting ??= this.subscribe();
    return this.starting;
  }


  /** Notifications not yet delivered are lost with the socket. */
  close(): void {
    this.closed = true;
    this.kernel.unsubscribe(this);
  }

  /** @internal FakeKernel: a notification is on its way. */
  notify(message: KernelNotification): void {
    this.kernel.scheduler.soon(() => this.deliver(message), `netlink ${message.kind}`);
  }

  private subscribe(): Promise<void> {
    if (this.closed) return Promise.reject(new KernelError('ECANCELED', 'kernel mirror closed'));
    this.kernel.subscribe(this);
    const { links, addresses } = this.kernel.dump();
    this.state.beginSweep('links');
    for (const link of links) this.state.upsertLink(link);
    this.state.endSweep();
    this.state.beginSweep('addresses');
    for (const address of addresses) this.state.upsertAddress(address, true);
    this.state.endSweep();
    return Promise.resolve();
  }

  /** A listener that throws fails the scheduler run: in a test that is always a bug to see. */
  private deliver(message: KernelNotification): void {
    if (this.closed) return;
    for (const event of this.apply(message)) {
      for (const listener of this.listeners) listener(event);
    }
  }

  private apply(message: KernelNotification): KernelEvent[] {
    switch (message.kind) {
      case 'newlink':
        return this.state.upsertLink(message.link);
      case 'dellink':
        return this.state.removeLink(message.link.index);
      case 'newaddr':
        return this.state.upsertAddress(message.address, false);
      case 'deladdr':
        return this.state.removeAddress(message.address);
    }
  }
}
