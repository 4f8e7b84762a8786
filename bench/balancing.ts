/**
 * The balancing case: the same client traffic, many TCP flows from distinct addresses, through
 * `balancing ip` on one carp host that is MASTER of both carpnodes and on two hosts that are MASTER
 * of one each, in the same run (docs/benchmarks.md, "Load balancing").
 */
import { BalancingLab, CLIENT, type Layout } from './balancing-lab';
import { type BalancingRun, runBalancingRounds } from './balancing-rounds';
import { type BalancingSummary, summarizeBalancing } from './balancing-summary';
import { type MachineInfo, describeMachine } from './machine';
import { runRecord } from './results';
import type { BenchOptions } from './options';
import { withLab } from './open-labs';

export interface BalancingResults {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
  readonly layouts: Readonly<Record<Layout, string>>;
  readonly runs: readonly BalancingRun[];
  readonly summary: BalancingSummary;
}

export async function runBalancing(options: BenchOptions, progress: (line: string) => void): Promise<BalancingResults> {
  const startedAt = new Date().toISOString();
  return withLab(
    () => BalancingLab.create(options.flows),
    async (lab) => {
      const machine = await describeMachine(lab.carpLab, CLIENT);
      const runs = await runBalancingRounds(lab, options, progress);
      return {
        ...runRecord(startedAt, machine, options),
        layouts: lab.describeLayouts(),
        runs,
        summary: summarizeBalancing(runs),
      };
    },
  );
}
