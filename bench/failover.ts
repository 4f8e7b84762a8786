/**
 * The failover case: carpd (CARP and VRRPv3), ucarp and keepalived through the same scenarios in the same run
 * (docs/benchmarks.md, "Failover"). Trials go round by round, every contender and scenario once
 * per round, so that a noisy minute of a shared machine falls on all of them alike.
 */
import { CONTENDERS, type Contender, type ContenderName } from './failover-contenders';
import { type FailoverSummary, type FailoverTrial, summarizeFailover } from './failover-summary';
import { SCENARIO_NAMES, runTrial, scenarioApplies } from './failover-trial';
import { type HostInfo, describeHost } from './machine';
import { runRecord } from './results';
import type { BenchOptions } from './options';

export interface FailoverResults {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: HostInfo;
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
  readonly settings: Readonly<Partial<Record<ContenderName, string>>>;
  readonly trials: readonly FailoverTrial[];
  readonly summary: FailoverSummary;
}

export async function runFailover(options: BenchOptions, progress: (line: string) => void): Promise<FailoverResults> {
  const startedAt = new Date().toISOString();
  const machine = describeHost();
  const trials: FailoverTrial[] = [];
  for (let round = 1; round <= options.trials; round++) {
    for (const scenario of SCENARIO_NAMES) {
      for (const name of options.contenders) {
        const contender = CONTENDERS[name];
        if (!scenarioApplies(contender, scenario)) continue;
        const trial = await attempt(round, scenario, contender);
        trials.push(trial);
        progress(`failover round ${round}/${options.trials}: ${scenario} ${name}: ${describeTrial(trial)}`);
      }
    }
  }
  return {
    ...runRecord(startedAt, machine, options),
    settings: Object.fromEntries(options.contenders.map((name) => [name, CONTENDERS[name].settings])),
    trials,
    summary: summarizeFailover(trials, peersOfOurs(options.contenders)),
  };
}

/** For each of carpd's modes measured, the other contenders that advertise as often. */
function peersOfOurs(contenders: readonly ContenderName[]): Partial<Record<ContenderName, readonly ContenderName[]>> {
  const others = contenders.filter((name) => !CONTENDERS[name].ours);
  return Object.fromEntries(
    contenders
      .filter((name) => CONTENDERS[name].ours)
      .map((ours) => [ours, others.filter((name) => CONTENDERS[name].advertisementMs === CONTENDERS[ours].advertisementMs)]),
  );
}

/** A failed trial is recorded with its reason; the others still run. */
export async function attempt(round: number, scenario: FailoverTrial['scenario'], contender: Contender): Promise<FailoverTrial> {
  const { name } = contender;
  try {
    return { round, scenario, contender: name, result: await runTrial(contender, scenario, Math.random) };
  } catch (e: unknown) {
    return { round, scenario, contender: name, result: null, error: e instanceof Error ? e.message : String(e) };
  }
}

function describeTrial(trial: FailoverTrial): string {
  if (trial.result === null) return `failed: ${trial.error ?? 'unknown'}`;
  return Object.entries(trial.result)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key} ${typeof value === 'number' ? value.toFixed(0) : String(value)}`)
    .join(', ');
}
