/**
 * `npm run bench`: TCP throughput, 64-byte UDP datagrams per second and ping RTT through carp0,
 * each against the kernel's direct path to the same host in the same run (docs/benchmarks.md).
 * Prints a table and writes the results as JSON to bench/results/.
 */
import { relative } from 'node:path';
import { DataplaneLab } from './lab';
import { describeMachine, oneMinuteLoad } from './machine';
import { type BenchOptions, USAGE, UsageError, parseBenchArgs } from './options';
import { missingRequirements } from './preflight';
import { formatReport } from './report';
import { type BenchResults, saveResults } from './results';
import { runRounds } from './rounds';
import { summarize } from './summary';

const EXIT_BY_SIGNAL: Readonly<Partial<Record<NodeJS.Signals, number>>> = { SIGINT: 130, SIGTERM: 143 };

let lab: DataplaneLab | undefined;

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
  const missing = missingRequirements();
  if (missing.length > 0) {
    console.error(`bench: cannot run: ${missing.join('; ')}`);
    return 1;
  }
  const startedAt = new Date().toISOString();
  lab = await DataplaneLab.create();
  try {
    const results = await measure(lab, parsed.options, startedAt);
    console.log(formatReport(results));
    console.log(`\nresults: ${relative(process.cwd(), await saveResults(results))}`);
  } finally {
    await lab.cleanup();
  }
  return 0;
}

async function measure(lab: DataplaneLab, options: BenchOptions, startedAt: string): Promise<BenchResults> {
  const machine = await describeMachine(lab);
  const runs = await runRounds(lab, options, (line) => console.error(line));
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverageAtEnd: oneMinuteLoad(),
    options,
    topology: lab.describePaths(),
    runs,
    summary: summarize(runs, options.seconds),
  };
}

/** Interrupted: remove the namespaces and the daemon before leaving. */
function onSignal(signal: NodeJS.Signals): void {
  console.error(`bench: ${signal}, cleaning up`);
  void (lab?.cleanup() ?? Promise.resolve()).finally(() => process.exit(EXIT_BY_SIGNAL[signal] ?? 1));
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
