/** Benchmark runs as data: what bench/results/*.json hold and what the reports print. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type MachineInfo, oneMinuteLoad } from './machine';
import type { BenchCase, BenchOptions } from './options';
import type { Runs } from './rounds';
import type { Summary } from './summary';

/** The data-plane case. */
export interface BenchResults extends RunRecord<MachineInfo> {
  readonly topology: {
    readonly direct: string;
    readonly carp: string;
  };
  readonly runs: Runs;
  readonly summary: Summary;
}

/** What every case's results begin with: when it ran, on what, how loaded at its end, with which options. */
export interface RunRecord<M> {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: M;
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
}

/** The RunRecord of a case that started at `startedAt` and ends now. */
export function runRecord<M>(startedAt: string, machine: M, options: BenchOptions): RunRecord<M> {
  return { startedAt, finishedAt: new Date().toISOString(), machine, loadAverageAtEnd: oneMinuteLoad(), options };
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
