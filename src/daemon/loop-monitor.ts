/**
 * Watches the daemon's own event loop. A timer that should fire every interval and fires much later
 * means the process did not run in between: stopped (SIGSTOP, a debugger), starved of CPU, or
 * blocked. The monitor reports how long, so the daemon can deal with what piled up meanwhile.
 */
import type { Millis } from '../carp/types';
import type { Clock } from './clock';
import type { TimerApi } from './driver';

export class LoopMonitor {
  private timer: NodeJS.Timeout | null = null;
  private expected: Millis = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerApi,
    private readonly intervalMs: Millis,
    /** Called with how much later than due the loop came back, when that exceeds `thresholdMs()`. */
    private readonly onStall: (lagMs: Millis) => void,
    private readonly thresholdMs: () => Millis,
  ) {}

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

  private check(): void {
    const lag = this.clock.now() - this.expected;
    // The threshold is asked for only when the loop was late at all: it may cost something.
    if (lag > this.intervalMs && lag > this.thresholdMs()) this.onStall(lag);
    this.schedule();
  }
}
