/**
 * The soak case (docs/benchmarks.md, "Sub-second failover"): the smallest advbase 0 advskew at
 * which h1 holds MASTER through a soak of iperf3 at full speed and a CPU hog beside its carpd,
 * with no false failover; then that setting's crash outage from the failover case's own trials,
 * beside keepalived's VRRPv3 at advert_int 0.1 in the same run.
 */
import { CONTENDERS, carpdContender } from './failover-contenders';
import { type FailoverSummary, type FailoverTrial, summarizeFailover } from './failover-summary';
import { attempt } from './failover';
import { type HostInfo, describeHost } from './machine';
import { runRecord } from './results';
import type { BenchOptions } from './options';
import { type SoakConditions, type SoakRun, type SoakSetting, runSoak, settingFor } from './soak-run';

export interface SoakResults {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: HostInfo;
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
  /** Candidates in ascending order, up to the first that held. */
  readonly runs: readonly SoakRun[];
  /** Candidates whose soak could not be set up or run (a loaded machine), with the reason; they count as not held. */
  readonly failed: readonly (SoakSetting & { readonly error: string })[];
  /** The smallest candidate without a false failover; null if none held. */
  readonly chosen: SoakSetting | null;
  /** Crash trials of the chosen setting and of keepalived's VRRPv3, round by round. */
  readonly trials: readonly FailoverTrial[];
  readonly summary: FailoverSummary;
  readonly settings: Readonly<Record<string, string>>;
}

const REFERENCE = CONTENDERS['keepalived-v3'];

export async function runSoakCase(options: BenchOptions, progress: (line: string) => void): Promise<SoakResults> {
  const startedAt = new Date().toISOString();
  const machine = describeHost();
  const runs: SoakRun[] = [];
  const failed: (SoakSetting & { error: string })[] = [];
  let chosen: SoakSetting | null = null;
  for (const skew of options.soakSkews) {
    const setting = settingFor(skew);
    let soak: SoakRun;
    try {
      soak = await runSoak(setting, options.soakSeconds, soakConditions(options));
    } catch (e: unknown) {
      failed.push({ ...setting, error: e instanceof Error ? e.message : String(e) });
      progress(`soak advskew ${setting.preferredSkew}/${setting.backupSkew}: failed: ${failed.at(-1)?.error ?? ''}`);
      continue;
    }
    runs.push(soak);
    progress(`soak advskew ${soak.preferredSkew}/${soak.backupSkew}: ${soak.falseFailovers} false failovers, ${soak.lateSilences} master silences past the master-down, p99.9 ${soak.masterSilenceP999Ms?.toFixed(0) ?? '-'} ms, longest ${soak.longestMasterSilenceMs?.toFixed(0) ?? '-'} ms, ${soak.stalls} stalls, ${soak.gbitPerSecond?.toFixed(2) ?? '-'} Gbit/s, ${soak.iperfBreaks} iperf3 breaks`);
    if (held(soak)) {
      chosen = soak;
      break;
    }
  }
  const contenders = chosen === null ? [REFERENCE] : [carpdContender(0, chosen.preferredSkew, chosen.backupSkew), REFERENCE];
  const trials: FailoverTrial[] = [];
  for (let round = 1; round <= options.trials; round++) {
    for (const contender of contenders) {
      const trial = await attempt(round, 'crash', contender);
      trials.push(trial);
      progress(`soak crash round ${round}/${options.trials}: ${contender.name}: ${trial.result === null ? `failed: ${trial.error ?? ''}` : `ICMP outage ${trial.result.icmpOutageMs ?? '-'} ms`}`);
    }
  }
  return {
    ...runRecord(startedAt, machine, options),
    runs,
    failed,
    chosen: chosen === null ? null : { preferredSkew: chosen.preferredSkew, backupSkew: chosen.backupSkew },
    trials,
    summary: summarizeFailover(trials, { carpd: [REFERENCE.name] }),
    settings: Object.fromEntries(contenders.map((c) => [c.name, c.settings])),
  };
}

function soakConditions(options: BenchOptions): SoakConditions {
  return {
    scheduling: options.soakRr > 0 ? { policy: 'rr', priority: options.soakRr } : { policy: 'other', nice: options.soakNice },
    extraHogs: options.soakHogs,
  };
}

/** No takeover by h2 seen, h1 MASTER at the end, and iperf3 never broken (a takeover before the capture started would break it). */
export function held(soak: SoakRun): boolean {
  return soak.falseFailovers === 0 && soak.masterAtEnd && soak.iperfBreaks === 0;
}
