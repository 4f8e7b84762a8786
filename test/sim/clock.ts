/** A fake monotonic clock: time moves only when the simulation moves it, and never backwards. */
import type { Millis } from '../../src/carp/types';

export class FakeClock {
  private current: Millis = 0;

  get now(): Millis {
    return this.current;
  }

  advanceTo(at: Millis): void {
    if (at < this.current) throw new Error(`the clock cannot go back from ${this.current} to ${at}`);
    this.current = at;
  }
}
