/**
 * The data-plane case: TCP throughput, 64-byte UDP datagrams per second and ping RTT through
 * carp0, each against the kernel's direct path to the same host in the same run
 * (docs/benchmarks.md).
 */
import { CLIENT, DataplaneLab } from './lab';
import { describeMachine } from './machine';
import type { BenchOptions } from './options';
import { withLab } from './open-labs';
import { type BenchResults, runRecord } from './results';
import { runRounds } from './rounds';
import { summarize } from './summary';

export async function runDataplane(options: BenchOptions, progress: (line: string) => void): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  return withLab(
    () => DataplaneLab.create(options.fastpath),
    async (lab) => {
      const machine = await describeMachine(lab.carpLab, CLIENT);
      const runs = await runRounds(lab, options, progress);
      return {
        ...runRecord(startedAt, machine, options),
        topology: lab.describePaths(),
        runs,
        summary: summarize(runs, options.seconds),
      };
    },
  );
}
