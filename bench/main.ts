/**
 * `npm run bench`: the benchmark cases (bench/options.ts), each against a reference measured in
 * the same run (docs/benchmarks.md). Prints a table per case and writes each case's results as
 * JSON to bench/results/.
 */
import { relative } from 'node:path';
import { type BalancingResults, runBalancing } from './balancing';
import { formatBalancingReport } from './balancing-report';
import { runDataplane } from './dataplane';
import { runFailover } from './failover';
import { formatFailoverReport } from './failover-report';
import { runFilter } from './filter';
import { formatFilterReport } from './filter-report';
import { type BenchCase, type BenchOptions, USAGE, UsageError, parseBenchArgs } from './options';
import { cleanupOpenLabs } from './open-labs';
import { missingRequirements } from './preflight';
import { formatReport } from './report';
import { saveResults } from './results';
import { runScale } from './scale';
import { formatScaleReport } from './scale-report';
import { runSoakCase } from './soak';
import { formatSoakReport } from './soak-report';
import { median } from './stats';

const EXIT_BY_SIGNAL: Readonly<Partial<Record<NodeJS.Signals, number>>> = { SIGINT: 130, SIGTERM: 143 };
/** The cases that build namespaces and run carpd; the filter case runs in this process alone. */
const PRIVILEGED_CASES: readonly BenchCase[] = ['dataplane', 'balancing', 'failover', 'scale', 'soak'];

const progress = (line: string): void => console.error(line);

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(argv);
  } catch (e: unknown) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bench: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { options } = parsed;
  const privileged = options.cases.filter((c) => PRIVILEGED_CASES.includes(c));
  const missing = privileged.length > 0 ? missingRequirements(options) : [];
  if (missing.length > 0) {
    console.error(`bench: cannot run ${privileged.join(', ')}: ${missing.join('; ')} (--case filter runs without them)`);
    return 1;
  }
  await runCases(options);
  return 0;
}

async function runCases(options: BenchOptions): Promise<void> {
  let balancing: BalancingResults | null = null;
  for (const benchCase of options.cases) {
    switch (benchCase) {
      case 'dataplane': {
        const results = await runDataplane(options, progress);
        await publish('dataplane', results, formatReport(results));
        break;
      }
      case 'balancing': {
        balancing = await runBalancing(options, progress);
        await publish('balancing', balancing, formatBalancingReport(balancing));
        break;
      }
      case 'filter': {
        const results = runFilter(options, balancing === null ? null : daemonNsPerFrame(balancing), progress);
        await publish('filter', results, formatFilterReport(results));
        break;
      }
      case 'failover': {
        const results = await runFailover(options, progress);
        await publish('failover', results, formatFailoverReport(results));
        break;
      }
      case 'scale': {
        const results = await runScale(options, progress);
        await publish('scale', results, formatScaleReport(results));
        break;
      }
      case 'soak': {
        const results = await runSoakCase(options, progress);
        await publish('soak', results, formatSoakReport(results));
        break;
      }
    }
  }
}

/** carpd's CPU time per frame with two hosts, the balanced case the filter serves: the median over congestion controls. */
function daemonNsPerFrame(results: BalancingResults): number {
  return median(results.summary.byCongestion.map((s) => s.daemonNsPerFrame.two));
}

/** The report first, so that it is seen even when the results cannot be written. */
async function publish(benchCase: BenchCase, results: { readonly startedAt: string }, report: string): Promise<void> {
  console.log(`${report}\n`);
  console.log(`results: ${relative(process.cwd(), await saveResults(benchCase, results))}\n`);
}

/** Interrupted: remove the namespaces and the daemons before leaving. */
function onSignal(signal: NodeJS.Signals): void {
  console.error(`bench: ${signal}, cleaning up`);
  void cleanupOpenLabs().finally(() => process.exit(EXIT_BY_SIGNAL[signal] ?? 1));
}

process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
