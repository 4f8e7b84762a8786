/**
 * Watches the daemon's own event loop. A timer that should fire every interval and fires much later
 * means the process did not run in between: stopped (SIGSTOP, a debugger), starved of CPU, or
 * blocked. The monitor reports how long, so the daemon can deal with what piled up meanwhile, and
 * hands every check on (the watchdog pings from there: a check that runs is a loop that runs).
 *
 * After a stop, libuv runs whatever is due in its own order: the CARP timer or a batch of frames
 * may come before the monitor's timer. Every entry point therefore calls `catchUp` first, so the
 * stall is dealt with before anything that waited during it is acted on.
 */
import type { Millis } from '../carp/types';
import type { Clock } from './clock';
import type { TimerApi } from './driver';

/** What the monitor saw, for the metrics endpoint. */
export interface LoopLag {
  /** How late the latest check came. */
  readonly lastMs: Millis;
  /** The latest check that came latest since the start. */
  readonly maxMs: Millis;
  /** Checks that came later than the stall threshold. */
  readonly stalls: number;
}

export class LoopMonitor {
  private timer: NodeJS.Timeout | null = null;
  private expected: Millis = 0;
  private lag: LoopLag = { lastMs: 0, maxMs: 0, stalls: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerApi,
    private readonly intervalMs: Millis,
    /** Called with how much later than due the loop came back, when that exceeds `thresholdMs()`. */
    private readonly onStall: (lagMs: Millis) => void,
    private readonly thresholdMs: () => Millis,
    /** Called at every check, with the time of the check. */
    private readonly onCheck: (now: Millis) => void = () => undefined,
  ) {}

  get loopLag(): LoopLag {
    return this.lag;
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.expected = this.clock.now() + this.intervalMs;
    this.timer = this.timers.setTimeout(() => this.check(), this.intervalMs);
  }

  /**
   * Runs the check now if it is overdue by more than an interval (the loop did not run meanwhile),
   * instead of waiting for its timer; a check that is not that late waits for its turn.
   */
  catchUp(): void {
    if (this.timer === null || this.clock.now() - this.expected <= this.intervalMs) return;
    this.timers.clearTimeout(this.timer);
    this.check();
  }

  private check(): void {
    const now = this.clock.now();
    const lag = Math.max(0, now - this.expected);
    // Rescheduled first: what onStall does may call catchUp, which must find the check done.
    this.schedule();
    // The threshold is asked for only when the loop was late at all: it may cost something.
    const stalled = lag > this.intervalMs && lag > this.thresholdMs();
    this.lag = { lastMs: lag, maxMs: Math.max(this.lag.maxMs, lag), stalls: this.lag.stalls + (stalled ? 1 : 0) };
    if (stalled) this.onStall(lag);
    this.onCheck(now);
  }
}
