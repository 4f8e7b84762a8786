/**
 * CARP timing (docs/protocol.md §3.2, §3.3): the advertisement interval, the master-down interval,
 * the "better" comparison and the "master will time out" rule. All values are milliseconds;
 * advskew/256 s = advskew * 3.90625 ms, which a double holds exactly.
 */
import type { Millis } from './types';

/** One advskew step: 1/256 s. */
export const SKEW_STEP_MS: Millis = 1000 / 256;

/**
 * How the master-down interval is computed (sysctl net.inet.carp.masterdown):
 * - `classic`: 3 * advbase + advskew/256 (FreeBSD, ucarp, OpenBSD <= 5.8); the default because
 *   it matches most peers.
 * - `openbsd`: 3 * (advbase + advskew/256), as OpenBSD-current computes it.
 */
export type MasterDownStyle = 'classic' | 'openbsd';

/** What an advertisement says about its sender's timing; also our own values. */
export interface Timing {
  readonly advbase: number;
  readonly advskew: number;
}

/** advbase + advskew/256 s; OpenBSD sends every 1/256 s when both are 0 rather than never. */
export function advertisementInterval(advbase: number, advskew: number): Millis {
  const interval = advbase * 1000 + advskew * SKEW_STEP_MS;
  return interval === 0 ? SKEW_STEP_MS : interval;
}

/**
 * The master-down interval, always from the LOCAL advbase and the RAW advskew (FreeBSD does not
 * demote it, and OpenBSD has no demoted advskew): the master's values only enter through
 * `masterWillTimeOut`.
 */
export function masterDownInterval(style: MasterDownStyle, advbase: number, advskew: number): Millis {
  if (style === 'openbsd') {
    return Math.max(3 * (advbase * 1000 + advskew * SKEW_STEP_MS), 3 * SKEW_STEP_MS);
  }
  if (advbase === 0) {
    // OpenBSD 5.8 special case: three skews, or three 1/256 s steps when there is no skew at all.
    return advskew === 0 ? 3 * SKEW_STEP_MS : 3 * advskew * SKEW_STEP_MS;
  }
  return 3 * advbase * 1000 + advskew * SKEW_STEP_MS;
}

/**
 * Compares two timings as the kernels compare their timevals (advbase s, advskew * 10^6/256 us).
 * The microsecond part is below one second and strictly increasing in advskew, so this is a
 * lexicographic comparison. Negative: `a` advertises more often ("is better").
 */
export function compareTiming(a: Timing, b: Timing): number {
  return a.advbase - b.advbase || a.advskew - b.advskew;
}

/**
 * advskew with FreeBSD's global demotion added: it goes on the wire and into comparisons.
 * FreeBSD clamps to 0-240; a configured advskew above 240 is kept as the ceiling so that demotion
 * never makes such a node look better than it is configured.
 */
export function effectiveAdvskew(advskew: number, demotion: number): number {
  if (demotion === 0) return advskew;
  return Math.min(Math.max(advskew + demotion, 0), Math.max(advskew, 240));
}

/** Our side of the "master will time out" rule. */
export interface LocalTiming {
  readonly advbase: number;
  readonly effectiveAdvskew: number;
  readonly masterDown: Millis;
}

/**
 * "The master advertises so rarely that it is bound to time out: treat it as down now"
 * (docs/protocol.md §3.4). With advbase != 0 it is exactly OpenBSD's comparison of
 * (3 * advbase s, our advskew/256 s) with the advertised (advbase, advskew).
 *
 * Extension: OpenBSD never applies the rule when advbase is 0. We then compare our actual
 * master-down interval with the sender's advertisement interval, so that a sub-second backup
 * reacts to a bow-out (255/255) at once instead of after its timer, and takes over at once from
 * a master that advertises more slowly than our timer allows.
 */
export function masterWillTimeOut(ours: LocalTiming, theirs: Timing): boolean {
  if (ours.advbase !== 0) {
    return compareTiming({ advbase: 3 * ours.advbase, advskew: ours.effectiveAdvskew }, theirs) < 0;
  }
  return ours.masterDown < advertisementInterval(theirs.advbase, theirs.advskew);
}
