/**
 * Drives the pure core (docs/design.md, "The protocol core"): runs an operation with the current time,
 * carries out the actions it returns, and arms one timer for the core's next deadline. Actions
 * carried out may feed results back (a failed send) with `run` again; those are queued behind the
 * current ones, so actions always execute in the order the core produced them. What an execution
 * defers (the frames of the advertisements due together, sent in one call) is completed by
 * `afterActions` once the queue is empty, and its results are run like any other.
 */
import type { Action, CarpHostApi, Millis } from '../carp/types';
import type { Clock } from './clock';

export interface TimerApi {
  setTimeout(callback: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
  /**
   * Runs `callback` once the I/O already waiting has been read (setImmediate: Node's check phase
   * follows the poll phase). Without it the callback runs at once, as the test worlds want.
   */
  afterPendingInput?(callback: () => void): void;
}

export class Driver {
  private timer: NodeJS.Timeout | null = null;
  private readonly queue: Action[] = [];
  private draining = false;
  private stopped = false;
  /** Inside `batch`: the timer is re-armed once at its end instead of after every run. */
  private batching = false;
  private rearmDue = false;

  constructor(
    private readonly host: CarpHostApi,
    private readonly clock: Clock,
    private readonly execute: (action: Action) => void,
    private readonly timers: TimerApi = { setTimeout, clearTimeout, afterPendingInput: setImmediate },
    /** Called before every operation, before the time is read (the loop monitor's catchUp). */
    private readonly beforeRun: () => void = () => undefined,
    /** Called each time the queue runs empty: carries out what `execute` deferred (it may `run` again). */
    private readonly afterActions: () => void = () => undefined,
  ) {}

  /**
   * Runs a core operation now. A CarpError it throws (our caller's mistake) propagates to the
   * caller with nothing changed; the actions of a successful operation are carried out.
   */
  run(operation: (now: Millis) => Action[]): void {
    this.beforeRun();
    const actions = operation(this.clock.now());
    this.queue.push(...actions);
    if (this.draining) return;
    this.draining = true;
    try {
      do {
        for (let action = this.queue.shift(); action !== undefined; action = this.queue.shift()) {
          this.execute(action);
        }
        this.afterActions();
      } while (this.queue.length > 0);
    } finally {
      this.draining = false;
    }
    if (this.batching) this.rearmDue = true;
    else this.rearm();
  }

  /**
   * Runs `handle` (the operations of one batch of received frames) and re-arms the timer once at
   * its end. Finding the next deadline is a pass over every node, and a BACKUP of hundreds of
   * vhids receives hundreds of advertisements a second, read in batches: one pass per batch
   * instead of one per advertisement (docs/benchmarks.md, "Scale").
   */
  batch(handle: () => void): void {
    if (this.batching) return handle();
    this.batching = true;
    try {
      handle();
    } finally {
      this.batching = false;
      if (this.rearmDue) {
        this.rearmDue = false;
        this.rearm();
      }
    }
  }

  /** Cancels the timer; later `run` calls still execute but arm nothing (orderly shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private rearm(): void {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const deadline = this.host.nextDeadline();
    if (deadline === null || this.stopped) return;
    // Rounded up: a timer that fires a fraction of a millisecond early would find nothing due.
    const delay = Math.max(0, Math.ceil(deadline - this.clock.now()));
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      // A loop that woke late runs its expired timers before it reads the sockets, so the
      // master's advertisement that came meanwhile would be read only after a BACKUP's
      // master-down timer made it MASTER: the tick waits until that input has been read.
      const tick = (): void => {
        if (!this.stopped) this.run((now) => this.host.tick(now));
      };
      if (this.timers.afterPendingInput) this.timers.afterPendingInput(tick);
      else tick();
    }, delay);
  }
}
