/**
 * The filter case: what `balancing ip` costs the relay per frame, timed in this process on the
 * relay's own classes (no root, no namespaces), against the same loops without balancing in the
 * same run (docs/benchmarks.md, "Load balancing").
 */
import { runFilterRounds, type FilterSample } from './filter-rounds';
import { type FilterSummary, summarizeFilter } from './filter-summary';
import { type HostInfo, describeHost } from './machine';
import { runRecord } from './results';
import type { BenchOptions } from './options';

export interface FilterResults {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: HostInfo;
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
  readonly samples: readonly FilterSample[];
  readonly summary: FilterSummary;
}

/** `daemonNsPerFrame`: carpd's CPU time per frame from the balancing case of the same run, if it ran. */
export function runFilter(options: BenchOptions, daemonNsPerFrame: number | null, progress: (line: string) => void): FilterResults {
  const startedAt = new Date().toISOString();
  const machine = describeHost();
  const samples = runFilterRounds(options.rounds, progress);
  return {
    ...runRecord(startedAt, machine, options),
    samples,
    summary: summarizeFilter(samples, daemonNsPerFrame),
  };
}
