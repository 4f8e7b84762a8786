/**
 * `npm run fuzz`: the long fuzzing campaigns, one million inputs per target unless told otherwise.
 *
 *   node dist/test/fuzz/main.js [--runs N] [--seed S] [decoders] [receive]
 *
 * Prints each target's rate and the outcomes it reached; on a failure, fast-check's report (the
 * seed and path that replay it, and the input shrunk to a small one), and exits 1. The npm script
 * runs it with --stack-trace-limit=1: capturing the stack of every WireError took two thirds of
 * the time, and the first frame still says where a failure was thrown.
 */
import { randomInt } from 'node:crypto';
import { type CampaignResult, TARGETS, type TargetName, runCampaign } from './campaign';

interface Options {
  runs: number;
  seed: number;
  targets: TargetName[];
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { runs: 1_000_000, seed: randomInt(2 ** 31), targets: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--runs' || arg === '--seed') {
      const value = Number(args[++i]);
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${arg} needs a whole number`);
      options[arg === '--runs' ? 'runs' : 'seed'] = value;
    } else if ((TARGETS as readonly string[]).includes(arg)) options.targets.push(arg as TargetName);
    else throw new Error(`unknown argument ${arg}; usage: main.js [--runs N] [--seed S] [${TARGETS.join('] [')}]`);
  }
  if (options.targets.length === 0) options.targets = [...TARGETS];
  return options;
}

function report(result: CampaignResult): string {
  const rate = Math.round(result.runs / result.seconds);
  const lines = [...result.tally].sort(([a], [b]) => a.localeCompare(b)).map(([outcome, n]) => `  ${String(n).padStart(10)}  ${outcome}`);
  return [`${result.target}: ${result.runs} inputs in ${result.seconds.toFixed(1)} s (${rate} inputs/s), seed ${result.seed}, no failure`, ...lines].join('\n');
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  for (const target of options.targets) {
    console.log(`${target}: ${options.runs} inputs, seed ${options.seed} ...`);
    console.log(report(runCampaign(target, options.runs, options.seed)));
  }
}

try {
  main();
} catch (e: unknown) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
