/** Benchmark runs as data: what bench/results/*.json hold and what the reports print. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { MachineInfo } from './machine';
import type { BenchCase, BenchOptions } from './options';
import type { Runs } from './rounds';
import type { Summary } from './summary';

/** The data-plane case. */
export interface BenchResults {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
  readonly topology: {
    readonly direct: string;
    readonly carp: string;
  };
  readonly runs: Runs;
  readonly summary: Summary;
}

/** bench/results/ of the checkout (gitignored); this file runs from dist/bench/. */
const RESULTS_DIR = resolve(__dirname, '..', '..', 'bench', 'results');

/** Writes one case's results as JSON, named by the case and its start time; returns the path. */
export async function saveResults(benchCase: BenchCase, results: { readonly startedAt: string }): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${benchCase}-${results.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
