/**
 * From the balancing runs to the numbers the issue asks for. As in the data-plane case, the ratio
 * is taken per round (two hosts against the one-host run of the same round and congestion
 * control) and the median of those per-round ratios is reported, with their range as the spread.
 */
import type { BalancingRun } from './balancing-rounds';
import type { HostName, Layout } from './balancing-lab';
import { busyPercentOfCore } from './cpu';
import { median } from './stats';

/** The goal: two hosts carry at least this many times what one carries. */
export const TWO_HOST_GOAL = 1.6;

type ByLayout<T> = Readonly<Record<Layout, T>>;

/** Where the machine's CPU went during a run (or the medians over rounds), each in percent of one core. */
export interface CpuWhere {
  readonly carpd: Readonly<Record<HostName, number>>;
  readonly iperfClients: number;
  readonly iperfServers: number;
  /** The softirq work the kernel deferred to its threads (anyone's, but mostly the bridge's and veths' here). */
  readonly ksoftirqd: number;
  /** Busy time charged to none of the above: other kernel threads, softirq work the tick caught, other people's load. */
  readonly other: number;
  readonly idle: number;
  /** The machine's busy time just before the run, while the lab idled: about what other people took. */
  readonly busyBefore: number;
}

export interface CongestionSummary {
  readonly congestion: string;
  readonly gbitPerSecond: ByLayout<number>;
  /** Median of the per-round ratios two / one. */
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
  /** h1's share of the bytes written into carp0 with two hosts (h2 has the rest). */
  readonly h1ShareOfBytes: number;
  /** With two hosts, the share of the frames each relay read that the hash gave to the other host. */
  readonly droppedByHashShare: Readonly<Record<HostName, number>>;
  readonly cpu: ByLayout<CpuWhere>;
  /** Both carpds' CPU together per Gbit/s carried, in percent of one core: what the relays spend per byte. */
  readonly daemonPercentPerGbit: ByLayout<number>;
  /**
   * Gbit/s per core the lab's own processes used (carpds, iperf3 clients and servers, ksoftirqd):
   * what the layout gets out of the CPU it had, whatever other people's load left it.
   */
  readonly gbitPerLabCore: ByLayout<number>;
  /**
   * An estimate, not a measurement: two / one if the relays were the only limit and each carpd had
   * a core to itself, from what they spent per Gbit/s: 2 x (one host's) / (two hosts' together),
   * per round, the median. It assumes the cost per byte stays as measured.
   */
  readonly relayBoundRatio: number;
  /** carpd CPU time per frame it handled (read from the carpdev, or sent to it), ns: the relay's cost of one frame. */
  readonly daemonNsPerFrame: ByLayout<number>;
  readonly goalMet: boolean;
  /** Runs that had to be repeated because a takeover broke them. */
  readonly repeatedRuns: number;
}

export interface BalancingSummary {
  readonly byCongestion: readonly CongestionSummary[];
}

export function summarizeBalancing(runs: readonly BalancingRun[]): BalancingSummary {
  const controls = [...new Set(runs.map((r) => r.congestion))];
  return { byCongestion: controls.map((congestion) => summarizeCongestion(runs.filter((r) => r.congestion === congestion), congestion)) };
}

function summarizeCongestion(runs: readonly BalancingRun[], congestion: string): CongestionSummary {
  const ratios = layoutPairs(runs).map(({ one, two }) => two.gbitPerSecond / one.gbitPerSecond);
  const of = (layout: Layout): BalancingRun[] => runs.filter((r) => r.layout === layout);
  const ratio = median(ratios);
  return {
    congestion,
    gbitPerSecond: { one: median(of('one').map((r) => r.gbitPerSecond)), two: median(of('two').map((r) => r.gbitPerSecond)) },
    ratio,
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    h1ShareOfBytes: median(of('two').map(h1Share)),
    droppedByHashShare: { h1: median(of('two').map((r) => droppedShare(r, 'h1'))), h2: median(of('two').map((r) => droppedShare(r, 'h2'))) },
    cpu: { one: cpuWhere(of('one')), two: cpuWhere(of('two')) },
    daemonPercentPerGbit: { one: median(of('one').map(daemonPercentPerGbit)), two: median(of('two').map(daemonPercentPerGbit)) },
    gbitPerLabCore: { one: median(of('one').map(gbitPerLabCore)), two: median(of('two').map(gbitPerLabCore)) },
    relayBoundRatio: median(layoutPairs(runs).map(({ one, two }) => (2 * daemonPercentPerGbit(one)) / daemonPercentPerGbit(two))),
    daemonNsPerFrame: { one: median(of('one').flatMap(daemonNsPerFrame)), two: median(of('two').flatMap(daemonNsPerFrame)) },
    goalMet: ratio >= TWO_HOST_GOAL,
    repeatedRuns: runs.filter((r) => r.repeatedAfter.length > 0).length,
  };
}

/** The two runs of each round. */
export function layoutPairs(runs: readonly BalancingRun[]): { round: number; one: BalancingRun; two: BalancingRun }[] {
  const rounds = [...new Set(runs.map((r) => r.round))];
  return rounds.map((round) => {
    const one = runs.find((r) => r.round === round && r.layout === 'one');
    const two = runs.find((r) => r.round === round && r.layout === 'two');
    if (!one || !two) throw new Error(`round ${round} lacks a run in one of the layouts`);
    return { round, one, two };
  });
}

export function h1Share(run: BalancingRun): number {
  return run.hosts.h1.carpBytesIn / (run.hosts.h1.carpBytesIn + run.hosts.h2.carpBytesIn);
}

export function droppedShare(run: BalancingRun, host: HostName): number {
  const { framesIn, droppedByHash } = run.hosts[host];
  return droppedByHash / (framesIn + droppedByHash);
}

export function daemonPercentPerGbit(run: BalancingRun): number {
  return ((run.cpu.processes.h1 ?? 0) + (run.cpu.processes.h2 ?? 0)) / run.gbitPerSecond;
}

export function gbitPerLabCore(run: BalancingRun): number {
  const { carpd, iperfClients, iperfServers, ksoftirqd } = cpuWhereOf(run);
  return (100 * run.gbitPerSecond) / (carpd.h1 + carpd.h2 + iperfClients + iperfServers + ksoftirqd);
}

/** Per run, each carp host's CPU time per frame it handled; hosts that handled none are left out. */
export function daemonNsPerFrame(run: BalancingRun): number[] {
  return (['h1', 'h2'] as const).flatMap((host) => {
    const { framesIn, droppedByHash, framesOut } = run.hosts[host];
    const frames = framesIn + droppedByHash + framesOut;
    const cpuSeconds = ((run.cpu.processes[host] ?? 0) / 100) * run.cpu.wallSeconds;
    return frames === 0 ? [] : [(cpuSeconds * 1e9) / frames];
  });
}

/** Where the CPU went in one run, in percent of one core. */
export function cpuWhereOf(run: BalancingRun): CpuWhere {
  const carpd = { h1: run.cpu.processes.h1 ?? 0, h2: run.cpu.processes.h2 ?? 0 };
  const ksoftirqd = run.cpu.processes.ksoftirqd ?? 0;
  const iperfClients = run.flows.reduce((sum, f) => sum + f.clientPercentOfCore, 0);
  const iperfServers = run.flows.reduce((sum, f) => sum + f.serverPercentOfCore, 0);
  const known = carpd.h1 + carpd.h2 + ksoftirqd + iperfClients + iperfServers;
  return {
    carpd,
    iperfClients,
    iperfServers,
    ksoftirqd,
    other: busyPercentOfCore(run.cpu.machine) - known,
    idle: run.cpu.machine.idle,
    busyBefore: run.busyBeforePercentOfCore,
  };
}

function cpuWhere(runs: readonly BalancingRun[]): CpuWhere {
  const all = runs.map(cpuWhereOf);
  return {
    carpd: { h1: median(all.map((c) => c.carpd.h1)), h2: median(all.map((c) => c.carpd.h2)) },
    iperfClients: median(all.map((c) => c.iperfClients)),
    iperfServers: median(all.map((c) => c.iperfServers)),
    ksoftirqd: median(all.map((c) => c.ksoftirqd)),
    other: median(all.map((c) => c.other)),
    idle: median(all.map((c) => c.idle)),
    busyBefore: median(all.map((c) => c.busyBefore)),
  };
}
