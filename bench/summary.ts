/**
 * From runs to the numbers the issue asks for. A comparison is taken per round (carp against the
 * direct run right next to it) and the median of those per-round values is reported: a burst of
 * someone else's load that lands on one round moves one pair, and the median discards it, while
 * a ratio of two medians could pair a quiet direct run with a busy carp run.
 */
import type { TcpResult, UdpResult } from './iperf';
import type { PathName } from './lab';
import type { RunRecord, Runs } from './rounds';
import { median } from './stats';

type PathMedians = Readonly<Record<PathName, number>>;

interface Goal {
  readonly what: string;
  /** e.g. ">= 0.85" */
  readonly target: string;
  readonly measured: number;
  readonly met: boolean;
}

export interface TcpSummary {
  readonly congestion: string;
  readonly gbitPerSecond: PathMedians;
  readonly ratio: number;
  readonly daemonPercentOfCore: number;
}

export interface Summary {
  /** One entry per congestion control measured. */
  readonly tcp: readonly TcpSummary[];
  readonly udp: {
    readonly sentPerSecond: PathMedians;
    /** Datagrams that reached the host's UDP layer: delivered to the socket or dropped at it. */
    readonly reachedPerSecond: PathMedians;
    /** Datagrams the server application read. */
    readonly receivedPerSecond: PathMedians;
    /** carp / direct of reachedPerSecond: what the data plane carried (the goal). */
    readonly ratio: number;
    /** carp / direct of receivedPerSecond: what the application got, CPU contention included. */
    readonly receivedRatio: number;
    readonly daemonPercentOfCore: number;
  };
  readonly ping: { readonly p50Ms: PathMedians; readonly p99Ms: PathMedians; readonly addedP50Ms: number; readonly addedP99Ms: number };
  readonly goals: readonly Goal[];
}

/** The goals. */
const TCP_RATIO_GOAL = 0.85;
const UDP_RATIO_GOAL = 0.5;
const ADDED_P50_GOAL_MS = 0.15;

/**
 * `seconds` is the length of each UDP run: the socket-drop counters are counts, the iperf3 rates
 * per second.
 */
export function summarize(runs: Runs, seconds: number): Summary {
  const reached = (r: RunRecord<UdpResult>): number => r.result.receivedPerSecond + r.udpReceiveBufferDrops / seconds;
  const tcp = [...new Set(runs.tcp.map((r) => r.result.congestion))].map((congestion) => summarizeTcp(runs.tcp, congestion));
  const udpRatio = median(recordPairs(runs.udp, reached).map((p) => p.carp / p.direct));
  const udpReceivedRatio = median(pairs(runs.udp, (r) => r.receivedPerSecond).map((p) => p.carp / p.direct));
  const addedP50Ms = median(pairs(runs.ping, (r) => r.p50Ms).map((p) => p.carp - p.direct));
  return {
    tcp,
    udp: {
      sentPerSecond: medians(runs.udp, (r) => r.sentPerSecond),
      reachedPerSecond: recordMedians(runs.udp, reached),
      receivedPerSecond: medians(runs.udp, (r) => r.receivedPerSecond),
      ratio: udpRatio,
      receivedRatio: udpReceivedRatio,
      daemonPercentOfCore: carpDaemonCpu(runs.udp),
    },
    ping: {
      p50Ms: medians(runs.ping, (r) => r.p50Ms),
      p99Ms: medians(runs.ping, (r) => r.p99Ms),
      addedP50Ms,
      addedP99Ms: median(pairs(runs.ping, (r) => r.p99Ms).map((p) => p.carp - p.direct)),
    },
    goals: [
      ...tcp.map(({ congestion, ratio }) => ({
        what: `TCP throughput (${congestion}), carp / direct`,
        target: `>= ${TCP_RATIO_GOAL}`,
        measured: ratio,
        met: ratio >= TCP_RATIO_GOAL,
      })),
      {
        what: '64-byte UDP datagrams/s reaching the host, carp / direct',
        target: `>= ${UDP_RATIO_GOAL}`,
        measured: udpRatio,
        met: udpRatio >= UDP_RATIO_GOAL,
      },
      { what: 'added RTT p50, carp - direct (ms)', target: `< ${ADDED_P50_GOAL_MS}`, measured: addedP50Ms, met: addedP50Ms < ADDED_P50_GOAL_MS },
    ],
  };
}

function summarizeTcp(records: readonly RunRecord<TcpResult>[], congestion: string): TcpSummary {
  const runs = records.filter((r) => r.result.congestion === congestion);
  return {
    congestion,
    gbitPerSecond: medians(runs, (r) => r.gbitPerSecond),
    ratio: median(pairs(runs, (r) => r.gbitPerSecond).map((p) => p.carp / p.direct)),
    daemonPercentOfCore: carpDaemonCpu(runs),
  };
}

interface RoundPair<T> {
  readonly round: number;
  readonly direct: RunRecord<T>;
  readonly carp: RunRecord<T>;
}

/** The two runs of each round. */
export function roundPairs<T>(records: readonly RunRecord<T>[]): RoundPair<T>[] {
  const rounds = [...new Set(records.map((r) => r.round))];
  return rounds.map((round) => {
    const direct = records.find((r) => r.round === round && r.path === 'direct');
    const carp = records.find((r) => r.round === round && r.path === 'carp');
    if (!direct || !carp) throw new Error(`round ${round} lacks a run on one of the paths`);
    return { round, direct, carp };
  });
}

function pairs<T>(records: readonly RunRecord<T>[], value: (result: T) => number): { direct: number; carp: number }[] {
  return recordPairs(records, (r) => value(r.result));
}

function recordPairs<T>(records: readonly RunRecord<T>[], value: (record: RunRecord<T>) => number): { direct: number; carp: number }[] {
  return roundPairs(records).map((p) => ({ direct: value(p.direct), carp: value(p.carp) }));
}

function medians<T>(records: readonly RunRecord<T>[], value: (result: T) => number): PathMedians {
  return recordMedians(records, (r) => value(r.result));
}

function recordMedians<T>(records: readonly RunRecord<T>[], value: (record: RunRecord<T>) => number): PathMedians {
  const of = (path: PathName): number => median(records.filter((r) => r.path === path).map(value));
  return { direct: of('direct'), carp: of('carp') };
}

function carpDaemonCpu(records: readonly RunRecord<unknown>[]): number {
  return median(records.filter((r) => r.path === 'carp').map((r) => r.cpu.daemonPercentOfCore));
}
