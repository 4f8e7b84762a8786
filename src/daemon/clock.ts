/** The daemon's only clock: monotonic, so a wall-clock jump never fires or delays CARP timers. */
import { performance } from 'node:perf_hooks';
import type { Millis } from '../carp/types';

export interface Clock {
  now(): Millis;
}

export const monotonicClock: Clock = { now: () => performance.now() };
