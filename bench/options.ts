/** The benchmark's command line: which cases, how many rounds, and how long each measurement lasts. */
import { parseArgs } from 'node:util';
import { CONTENDER_NAMES, type ContenderName } from './failover-contenders';

/**
 * dataplane: carp0 against the kernel's direct path. balancing: `balancing ip` through two hosts
 * against one. filter: the per-frame cost of the balancing decision, without root. failover:
 * carpd's failover against ucarp's and keepalived's. scale: one carpd with many vhids against a
 * ucarp process per vhid. soak: the smallest sub-second setting that holds under load, and its
 * crash outage against keepalived's VRRPv3.
 */
export type BenchCase = 'dataplane' | 'balancing' | 'filter' | 'failover' | 'scale' | 'soak';
export const BENCH_CASES: readonly BenchCase[] = ['dataplane', 'balancing', 'filter', 'failover', 'scale', 'soak'];

export interface BenchOptions {
  /** The cases to run, in this order (`--case all`: every one). */
  readonly cases: readonly BenchCase[];
  /** Rounds; each measures every test of a case on both of its sides, back to back. */
  readonly rounds: number;
  /** Measured seconds of each iperf3 run (TCP also runs one unmeasured second of slow start first). */
  readonly seconds: number;
  /** Echo requests per ping run. */
  readonly pings: number;
  /** Seconds between echo requests. */
  readonly pingInterval: number;
  /**
   * TCP congestion controls to measure both paths with. Each matters: on this kind of machine
   * the added relay latency costs far more throughput under bbr's pacing than under cubic
   * (docs/benchmarks.md), so one alone would misreport the relay either way.
   */
  readonly congestion: readonly string[];
  /**
   * Concurrent TCP flows of the balancing case, each from its own client address: the IP hash
   * folds addresses only, so flows that differ by port alone would all land on one host.
   */
  readonly flows: number;
  /** Failover: rounds of trials, each contender and scenario once per round. */
  readonly trials: number;
  /** Failover: the daemons measured side by side; scale: ucarp is measured if named. */
  readonly contenders: readonly ContenderName[];
  /** Scale: vhids on each carpdev (1 to 255, the vhid range). */
  readonly vhids: number;
  /**
   * Scale: carpdevs each host has, each with `vhids` vhids (a vhid is unique per carpdev, so more
   * than 255 need more carpdevs); ucarp is only measured with one.
   */
  readonly carpdevs: number;
  /** Scale: seconds of CPU measurement once every vhid is elected. */
  readonly scaleSeconds: number;
  /**
   * Scale: seconds between the election and the measurement (0: none). carpd's first minutes carry
   * V8's compilation of its busy paths and the collection of what the start left behind.
   */
  readonly scaleWarmup: number;
  /** Soak: seconds each candidate runs under iperf3 and the CPU hog. */
  readonly soakSeconds: number;
  /** Soak: the master's advbase 0 advskews to try, ascending; the backup's is one more. */
  readonly soakSkews: readonly number[];
  /** Soak: both carpds' niceness, -20 to 19 (0: as any process starts). */
  readonly soakNice: number;
  /** Soak: both carpds' SCHED_RR priority, 1 to 99, as systemd/realtime.conf sets it; 0 leaves them SCHED_OTHER. */
  readonly soakRr: number;
  /** Soak: busy loops beside the pinned one, on any CPU (0: none). */
  readonly soakHogs: number;
  /** Dataplane and scale: net.inet.carp.fastpath of the carp host(s) (true: the kernel carries the VIPs' unicast IP). */
  readonly fastpath: boolean;
  /** Scale: carpd with the memory settings of systemd/carpd.service ('unit') or with Node's and malloc's defaults ('node'). */
  readonly memorySettings: MemorySettings;
}

export type MemorySettings = 'unit' | 'node';

const DEFAULT_OPTIONS: BenchOptions = {
  cases: BENCH_CASES,
  rounds: 5,
  seconds: 5,
  pings: 500,
  pingInterval: 0.01,
  congestion: ['cubic', 'bbr'],
  flows: 8,
  trials: 7,
  contenders: CONTENDER_NAMES,
  vhids: 255,
  carpdevs: 1,
  scaleSeconds: 60,
  scaleWarmup: 30,
  soakSeconds: 600,
  soakSkews: [1, 2, 4, 8, 12],
  soakNice: 0,
  soakRr: 0,
  soakHogs: 0,
  fastpath: true,
  memorySettings: 'unit',
};

/** The backup's advskew is one more than the master's, and 255 is the largest. */
export const MAX_SOAK_SKEW = 254;

/** Linux's highest real-time priority (sched_get_priority_max(SCHED_RR)). */
export const MAX_RR_PRIORITY = 99;

/** Two flows are the fewest that can split over two hosts; the client addresses .101-.164 stay clear of the lab's. */
export const MIN_FLOWS = 2;
export const MAX_FLOWS = 64;
/** The scale lab's carpdevs: eth0 on the LAN, eth1... host to host. */
export const MAX_CARPDEVS = 4;

export const USAGE = `usage: npm run bench -- [--case CASE] [--rounds N] [--seconds S] [--pings N] [--ping-interval S] [--congestion LIST] [--flows N] [--trials N] [--contenders LIST]
                             [--vhids N] [--carpdevs N] [--scale-seconds S] [--scale-warmup S] [--soak-seconds S]
                             [--soak-skews LIST]
                             [--soak-nice=N | --soak-rr=P] [--soak-hogs N] [--fastpath 0|1] [--memory-settings unit|node]
  --case CASE         ${BENCH_CASES.join(', ')} or all, comma-separated (default all)
  --rounds N          rounds of each case, both sides interleaved (default ${DEFAULT_OPTIONS.rounds})
  --seconds S         measured seconds per iperf3 run (default ${DEFAULT_OPTIONS.seconds})
  --pings N           echo requests per ping run (default ${DEFAULT_OPTIONS.pings})
  --ping-interval S   seconds between echo requests (default ${DEFAULT_OPTIONS.pingInterval})
  --congestion LIST   TCP congestion controls, comma-separated (default ${DEFAULT_OPTIONS.congestion.join(',')})
  --flows N           TCP flows of the balancing case, one client address each, ${MIN_FLOWS}-${MAX_FLOWS} (default ${DEFAULT_OPTIONS.flows})
  --trials N          rounds of failover trials, every contender and scenario once each (default ${DEFAULT_OPTIONS.trials})
  --contenders LIST   failover: ${CONTENDER_NAMES.join(',')} or some of them (default all); scale: ucarp if named
  --vhids N           scale: vhids on each carpdev, 1-255 (default ${DEFAULT_OPTIONS.vhids})
  --carpdevs N        scale: carpdevs per host, 1-${MAX_CARPDEVS}, each with --vhids vhids; ucarp only with 1 (default ${DEFAULT_OPTIONS.carpdevs})
  --scale-seconds S   scale: seconds of CPU measurement once all are elected (default ${DEFAULT_OPTIONS.scaleSeconds})
  --scale-warmup S    scale: seconds to wait after the election before measuring, 0 or more: 0 measures the
                      first minute, V8 compiling what runs every second (default ${DEFAULT_OPTIONS.scaleWarmup})
  --soak-seconds S    soak: seconds of iperf3 and CPU hog per advskew tried (default ${DEFAULT_OPTIONS.soakSeconds})
  --soak-skews LIST   soak: the master's advskews at advbase 0 to try, smallest first, 1-${MAX_SOAK_SKEW} (default ${DEFAULT_OPTIONS.soakSkews.join(',')})
  --soak-nice=N       soak: both carpds' niceness, -20 to 19 (default ${DEFAULT_OPTIONS.soakNice})
  --soak-rr=P         soak: both carpds at SCHED_RR priority P, 1-${MAX_RR_PRIORITY}, as systemd/realtime.conf (default SCHED_OTHER)
  --soak-hogs N       soak: busy loops on any CPU besides the pinned one, 0 or more (default ${DEFAULT_OPTIONS.soakHogs})
  --fastpath 0|1      dataplane, scale: net.inet.carp.fastpath of the carp hosts, 0 for the relay alone (default 1)
  --memory-settings unit|node
                      scale: carpd with the Environment= of systemd/carpd.service, or with Node's defaults (default unit)
dataplane, balancing, failover, scale and soak need root, iperf3 and ping (failover: ucarp, keepalived, tcpdump;
soak: keepalived, tcpdump, taskset);
filter needs neither. Times (seconds):
  dataplane  about rounds * (2 * (controls + 1) * (seconds + 2) + 2 * pings * interval)
  balancing  about 20 + rounds * (2 * controls * (seconds + 4) + 5)
  filter     about 6 + rounds * 2
  failover   about trials * 12 * (4 * contenders + 2)
  scale      about 2 * (election + scale-warmup + scale-seconds): a few minutes for 255 vhids
  soak       about (advskews tried) * (soak-seconds + 5) + trials * 10`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type ParsedBenchArgs = { readonly kind: 'run'; readonly options: BenchOptions } | { readonly kind: 'help' };

export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        case: { type: 'string' },
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        pings: { type: 'string' },
        'ping-interval': { type: 'string' },
        congestion: { type: 'string' },
        flows: { type: 'string' },
        trials: { type: 'string' },
        contenders: { type: 'string' },
        vhids: { type: 'string' },
        carpdevs: { type: 'string' },
        'scale-seconds': { type: 'string' },
        'scale-warmup': { type: 'string' },
        'soak-seconds': { type: 'string' },
        'soak-skews': { type: 'string' },
        'soak-nice': { type: 'string' },
        'soak-rr': { type: 'string' },
        'soak-hogs': { type: 'string' },
        fastpath: { type: 'string' },
        'memory-settings': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e: unknown) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) return { kind: 'help' };
  const flows = integerOption('--flows', values.flows, DEFAULT_OPTIONS.flows);
  const vhids = integerOption('--vhids', values.vhids, DEFAULT_OPTIONS.vhids);
  if (vhids > 255) throw new UsageError(`--vhids wants 1 to 255, not "${vhids}"`);
  const carpdevs = integerOption('--carpdevs', values.carpdevs, DEFAULT_OPTIONS.carpdevs);
  if (carpdevs > MAX_CARPDEVS) throw new UsageError(`--carpdevs wants 1 to ${MAX_CARPDEVS}, not "${carpdevs}"`);
  if (flows < MIN_FLOWS || flows > MAX_FLOWS) throw new UsageError(`--flows wants ${MIN_FLOWS} to ${MAX_FLOWS}, not "${flows}"`);
  // A SCHED_RR thread has no niceness: the two would contradict each other.
  if (values['soak-nice'] !== undefined && values['soak-rr'] !== undefined) throw new UsageError('--soak-nice and --soak-rr exclude each other');
  return {
    kind: 'run',
    options: {
      cases: caseOption(values.case),
      rounds: integerOption('--rounds', values.rounds, DEFAULT_OPTIONS.rounds),
      seconds: integerOption('--seconds', values.seconds, DEFAULT_OPTIONS.seconds),
      pings: integerOption('--pings', values.pings, DEFAULT_OPTIONS.pings),
      pingInterval: intervalOption(values['ping-interval']),
      congestion: congestionOption(values.congestion),
      flows,
      trials: integerOption('--trials', values.trials, DEFAULT_OPTIONS.trials),
      contenders: contendersOption(values.contenders),
      vhids,
      carpdevs,
      scaleSeconds: integerOption('--scale-seconds', values['scale-seconds'], DEFAULT_OPTIONS.scaleSeconds),
      scaleWarmup: secondsOption('--scale-warmup', values['scale-warmup'], DEFAULT_OPTIONS.scaleWarmup),
      soakSeconds: integerOption('--soak-seconds', values['soak-seconds'], DEFAULT_OPTIONS.soakSeconds),
      soakSkews: soakSkewsOption(values['soak-skews']),
      soakNice: niceOption(values['soak-nice']),
      soakRr: rrOption(values['soak-rr']),
      soakHogs: wholeOption('--soak-hogs', values['soak-hogs'], DEFAULT_OPTIONS.soakHogs),
      fastpath: fastpathOption(values.fastpath),
      memorySettings: memorySettingsOption(values['memory-settings']),
    },
  };
}

function fastpathOption(text: string | undefined): boolean {
  if (text === undefined) return DEFAULT_OPTIONS.fastpath;
  if (text !== '0' && text !== '1') throw new UsageError(`--fastpath wants 0 or 1, not "${text}"`);
  return text === '1';
}

function memorySettingsOption(text: string | undefined): MemorySettings {
  if (text === undefined) return DEFAULT_OPTIONS.memorySettings;
  if (text !== 'unit' && text !== 'node') throw new UsageError(`--memory-settings wants unit or node, not "${text}"`);
  return text;
}

/** A list of contenders, measured in the order of CONTENDER_NAMES. */
function contendersOption(text: string | undefined): readonly ContenderName[] {
  if (text === undefined) return DEFAULT_OPTIONS.contenders;
  const names = text.split(',');
  const unknown = names.filter((name) => !(CONTENDER_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`--contenders wants some of ${CONTENDER_NAMES.join(', ')}, not "${unknown.join(',')}"`);
  return CONTENDER_NAMES.filter((name) => names.includes(name));
}

/** `all` or a list of cases; they run in the order of BENCH_CASES whatever order they are given in. */
function caseOption(text: string | undefined): readonly BenchCase[] {
  if (text === undefined || text === 'all') return DEFAULT_OPTIONS.cases;
  const names = text.split(',');
  const unknown = names.filter((name) => !(BENCH_CASES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`--case wants ${BENCH_CASES.join(', ')} or all, not "${unknown.join(',')}"`);
  return BENCH_CASES.filter((name) => names.includes(name));
}

/** Tried smallest first, each once, whatever order they are given in. */
function soakSkewsOption(text: string | undefined): readonly number[] {
  if (text === undefined) return DEFAULT_OPTIONS.soakSkews;
  const skews = text.split(',');
  if (skews.some((skew) => !/^\d+$/.test(skew) || Number(skew) < 1 || Number(skew) > MAX_SOAK_SKEW)) {
    throw new UsageError(`--soak-skews wants advskews 1 to ${MAX_SOAK_SKEW}, comma-separated, not "${text}"`);
  }
  return [...new Set(skews.map(Number))].sort((a, b) => a - b);
}

function niceOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_OPTIONS.soakNice;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < -20 || value > 19) throw new UsageError(`--soak-nice wants a niceness of -20 to 19, not "${text}"`);
  return value;
}

function rrOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_OPTIONS.soakRr;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_RR_PRIORITY) throw new UsageError(`--soak-rr wants a SCHED_RR priority of 1 to ${MAX_RR_PRIORITY}, not "${text}"`);
  return value;
}

function integerOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) throw new UsageError(`${name} wants a whole number of at least 1, not "${text}"`);
  return value;
}

/** A whole number, 0 included; `unit` names what it counts in the error ("seconds"). */
function wholeOption(name: string, text: string | undefined, fallback: number, unit?: string): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} wants a whole number${unit === undefined ? '' : ` of ${unit}`}, 0 or more, not "${text}"`);
  return Number(text);
}

function secondsOption(name: string, text: string | undefined, fallback: number): number {
  return wholeOption(name, text, fallback, 'seconds');
}

function congestionOption(text: string | undefined): readonly string[] {
  if (text === undefined) return DEFAULT_OPTIONS.congestion;
  const names = text.split(',');
  if (names.some((name) => !/^[a-z0-9_]+$/.test(name))) {
    throw new UsageError(`--congestion wants names such as cubic,bbr (see /proc/sys/net/ipv4/tcp_available_congestion_control), not "${text}"`);
  }
  return names;
}

/** Zero would make ping flood (the next request waits for the reply): no longer a fixed interval. */
function intervalOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_OPTIONS.pingInterval;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--ping-interval wants seconds above 0, not "${text}"`);
  return value;
}
