/**
 * The daemon's only clock: monotonic, so a wall-clock jump never fires or delays CARP timers. It
 * counts from boot (CLOCK_MONOTONIC, which process.hrtime reads), not from the start of the
 * process, so that a restarted carpd can tell how long ago its predecessor last advertised
 * (state-journal.ts).
 */
import type { Millis } from '../carp/types';

export interface Clock {
  now(): Millis;
}

export const monotonicClock: Clock = { now: () => Number(process.hrtime.bigint()) / 1e6 };
