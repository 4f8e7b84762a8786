/**
 * Timing the filter variants. Each sample runs one variant for a number of batches calibrated to
 * take about SAMPLE_MS of CPU; a round takes one sample of every variant, in an order that rotates from
 * round to round, so that no variant always runs first or right after the same neighbour.
 */
import type { Family } from '../src/wire/address';
import { type Variant, type VariantKind, type FilterMode, filterVariants } from './filter-variants';

export interface FilterSample {
  readonly round: number;
  readonly kind: VariantKind;
  readonly mode: FilterMode;
  readonly family: Family;
  readonly nsPerFrame: number;
}

/** Long enough that the CPU clock's microseconds and one interrupt do not matter. */
export const SAMPLE_MS = 100;
/** Before anything is kept: long enough for V8 to optimize every variant's loop. */
const WARM_UP_MS = 300;
const FAMILIES: readonly Family[] = [4, 6];
const CLOCK_EVERY = 64;

export function runFilterRounds(rounds: number, progress: (line: string) => void): FilterSample[] {
  const variants = FAMILIES.flatMap((family) => filterVariants(family));
  const batches = new Map(variants.map((variant) => [variant, calibrate(variant)]));
  const samples: FilterSample[] = [];
  for (let round = 1; round <= rounds; round++) {
    const shift = (round - 1) % variants.length;
    const order = [...variants.slice(shift), ...variants.slice(0, shift)];
    for (const variant of order) {
      const { kind, mode, family } = variant;
      samples.push({ round, kind, mode, family, nsPerFrame: time(variant, batches.get(variant) ?? 1) });
    }
    progress(`filter round ${round}: ${variants.length} loops timed`);
  }
  return samples;
}

/** Runs the variant for WARM_UP_MS of CPU and returns how many batches make a sample of SAMPLE_MS. */
function calibrate(variant: Variant): number {
  const start = process.cpuUsage();
  let batches = 0;
  let spentMs = 0;
  while (spentMs < WARM_UP_MS) {
    // Reading the clock costs about as much as a batch: read it every so many batches.
    for (let i = 0; i < CLOCK_EVERY; i++) variant.run();
    batches += CLOCK_EVERY;
    const { user, system } = process.cpuUsage(start);
    spentMs = (user + system) / 1000;
  }
  return Math.max(1, Math.round((batches * SAMPLE_MS) / spentMs));
}

/**
 * CPU time, not wall time: on a shared machine the process waits for a CPU now and then, and the
 * wall clock would count the wait (twice the CPU time at a load average of 4 on 2 cores). The
 * process's other threads (V8's, libuv's) stay idle in a loop that allocates nothing.
 */
function time(variant: Variant, batches: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < batches; i++) variant.run();
  const { user, system } = process.cpuUsage(start);
  return ((user + system) * 1000) / (batches * variant.frames);
}
