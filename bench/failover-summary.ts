/**
 * The failover trials summarized: per scenario and contender the median and the worst of each
 * measure, and the median of each of carpd's modes as a ratio to the best of its peers measured
 * in the same run.
 */
import type { ContenderName } from './failover-contenders';
import type { ScenarioName, TrialResult } from './failover-trial';
import { median } from './stats';

export interface FailoverTrial {
  readonly scenario: ScenarioName;
  readonly contender: ContenderName;
  readonly round: number;
  /** null when the trial failed; `error` says why. */
  readonly result: TrialResult | null;
  readonly error?: string;
}

export type Measure = 'icmpOutageMs' | 'udpOutageMs' | 'advertisementGapMs' | 'bothAdvertiseMs';
export const MEASURES: readonly Measure[] = ['icmpOutageMs', 'udpOutageMs', 'advertisementGapMs', 'bothAdvertiseMs'];

export interface Spread {
  readonly median: number;
  readonly max: number;
  readonly samples: number;
}

export interface FailoverCell {
  readonly scenario: ScenarioName;
  readonly contender: ContenderName;
  readonly trials: number;
  readonly failed: number;
  readonly measures: Readonly<Partial<Record<Measure, Spread>>>;
  /** start: in how many trials the backup turned MASTER. */
  readonly backupTurnedMaster: number;
}

/**
 * The median of one of carpd's modes over the best (lowest) median of its peers, the other
 * contenders that advertise as often (keepalived's VRRPv3 at 0.1 s is no peer of advbase 1 in a
 * takeover, but is carpd-vrrp3's); below 1 is better.
 */
export interface FailoverRatio {
  readonly scenario: ScenarioName;
  readonly measure: Measure;
  /** carpd or carpd-vrrp3. */
  readonly contender: ContenderName;
  readonly median: number;
  readonly best: { readonly contender: ContenderName; readonly median: number };
  readonly ratio: number;
}

export interface FailoverSummary {
  readonly cells: readonly FailoverCell[];
  readonly ratios: readonly FailoverRatio[];
}

/** `peers`: for each of carpd's modes, the contenders its ratios are taken against. */
export function summarizeFailover(trials: readonly FailoverTrial[], peers: Readonly<Partial<Record<ContenderName, readonly ContenderName[]>>>): FailoverSummary {
  const keys = [...new Set(trials.map((t) => `${t.scenario}/${t.contender}`))];
  const cells = keys.map((key) => cellOf(trials.filter((t) => `${t.scenario}/${t.contender}` === key)));
  return { cells, ratios: ratiosOf(cells, peers) };
}

function cellOf(trials: readonly FailoverTrial[]): FailoverCell {
  const [first] = trials as [FailoverTrial];
  const results = trials.flatMap((t) => (t.result === null ? [] : [t.result]));
  const measures: Partial<Record<Measure, Spread>> = {};
  for (const measure of MEASURES) {
    const samples = results.flatMap((r) => (r[measure] === null ? [] : [r[measure]]));
    if (samples.length > 0) measures[measure] = { median: median(samples), max: Math.max(...samples), samples: samples.length };
  }
  return {
    scenario: first.scenario,
    contender: first.contender,
    trials: trials.length,
    failed: trials.length - results.length,
    measures,
    backupTurnedMaster: results.filter((r) => r.backupTurnedMaster === true).length,
  };
}

function ratiosOf(cells: readonly FailoverCell[], peers: Readonly<Partial<Record<ContenderName, readonly ContenderName[]>>>): FailoverRatio[] {
  return cells
    .filter((cell) => peers[cell.contender] !== undefined)
    .flatMap((ours) =>
      MEASURES.flatMap((measure) => {
        const median = ours.measures[measure]?.median;
        const others = cells
          .filter((cell) => cell.scenario === ours.scenario && (peers[ours.contender] ?? []).includes(cell.contender))
          .flatMap((cell) => {
            const value = cell.measures[measure]?.median;
            return value === undefined ? [] : [{ contender: cell.contender, median: value }];
          })
          .sort((a, b) => a.median - b.median);
        const best = others[0];
        if (median === undefined || best === undefined) return [];
        return [{ scenario: ours.scenario, measure, contender: ours.contender, median, best, ratio: best.median === 0 ? NaN : median / best.median }];
      }),
    );
}
