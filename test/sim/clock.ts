/**
 * A fake monotonic clock: time moves only when the simulation moves it, and never backwards. It is
 * the daemon's Clock, so the simulated LAN and the in-process daemon tests share one notion of time.
 */
import type { Millis } from '../../src/carp/types';
import type { Clock } from '../../src/daemon/clock';

export class FakeClock implements Clock {
  private current: Millis = 0;

  now(): Millis {
    return this.current;
  }

  advanceTo(at: Millis): void {
    if (at < this.current) throw new Error(`the clock cannot go back from ${this.current} to ${at}`);
    this.current = at;
  }
}
