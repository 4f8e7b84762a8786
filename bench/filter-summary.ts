/**
 * From the filter samples to ns per frame. Every difference (balancing ip against none) is taken
 * per round, between samples of the same round, and the median of those is reported, as in the
 * other cases: a burst of someone else's load on one sample moves one round's value only.
 */
import type { Family } from '../src/wire/address';
import type { FilterSample } from './filter-rounds';
import type { FilterMode, VariantKind } from './filter-variants';
import { median } from './stats';

export interface VariantSummary {
  readonly kind: VariantKind;
  readonly mode: FilterMode;
  readonly family: Family;
  /** ns per frame: median, lowest and highest over rounds. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface FamilySummary {
  readonly family: Family;
  /** Of inboundNs, the hash decision alone (hash ip - hash none): BalancingPolicy.nodeOf. */
  readonly hashNs: number;
  /** What `balancing ip` adds per inbound frame: the hash decision and the readdressing (decide ip - decide none). */
  readonly inboundNs: number;
  /** What it adds per outbound frame: the readdressing (send ip - send none). */
  readonly outboundNs: number;
  /** Its share of the relay's JavaScript time for a batch from the carpdev: (relay ip - relay none) / relay ip. */
  readonly shareOfRelayBatch: number;
}

/** The inbound cost against carpd's whole CPU time per frame, measured with the kernel's work in the balancing case. */
export interface DaemonShare {
  readonly daemonNsPerFrame: number;
  /** The IPv4 inbound cost (the balancing case's traffic is IPv4) over daemonNsPerFrame. */
  readonly share: number;
}

export interface FilterSummary {
  readonly variants: readonly VariantSummary[];
  readonly families: readonly FamilySummary[];
  /** null when the balancing case did not run in the same invocation. */
  readonly ofDaemonFrame: DaemonShare | null;
}

export function summarizeFilter(samples: readonly FilterSample[], daemonNsPerFrame: number | null): FilterSummary {
  const variants = distinct(samples.map(({ kind, mode, family }) => `${kind} ${mode} ${family}`)).map((key) => {
    const values = samples.filter((s) => `${s.kind} ${s.mode} ${s.family}` === key).map((s) => s.nsPerFrame);
    const first = samples.find((s) => `${s.kind} ${s.mode} ${s.family}` === key) as FilterSample;
    return { kind: first.kind, mode: first.mode, family: first.family, median: median(values), min: Math.min(...values), max: Math.max(...values) };
  });
  const families = distinct(samples.map((s) => s.family)).map((family) => summarizeFamily(samples, family));
  const v4 = families.find((f) => f.family === 4);
  const ofDaemonFrame = daemonNsPerFrame === null || v4 === undefined ? null : { daemonNsPerFrame, share: v4.inboundNs / daemonNsPerFrame };
  return { variants, families, ofDaemonFrame };
}

function summarizeFamily(samples: readonly FilterSample[], family: Family): FamilySummary {
  const rounds = distinct(samples.map((s) => s.round));
  const at = (round: number, kind: VariantKind, mode: FilterMode): number => {
    const sample = samples.find((s) => s.round === round && s.family === family && s.kind === kind && s.mode === mode);
    if (!sample) throw new Error(`round ${round} lacks the ${kind} ${mode} IPv${family} sample`);
    return sample.nsPerFrame;
  };
  return {
    family,
    hashNs: median(rounds.map((r) => at(r, 'hash', 'ip') - at(r, 'hash', 'none'))),
    inboundNs: median(rounds.map((r) => at(r, 'decide', 'ip') - at(r, 'decide', 'none'))),
    outboundNs: median(rounds.map((r) => at(r, 'send', 'ip') - at(r, 'send', 'none'))),
    shareOfRelayBatch: median(rounds.map((r) => (at(r, 'relay', 'ip') - at(r, 'relay', 'none')) / at(r, 'relay', 'ip'))),
  };
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
