/** The benchmark's command line: how many rounds, and how long each measurement lasts. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Rounds; each measures every test on both paths, back to back. */
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
}

const DEFAULT_OPTIONS: BenchOptions = { rounds: 5, seconds: 5, pings: 500, pingInterval: 0.01, congestion: ['cubic', 'bbr'] };

export const USAGE = `usage: npm run bench -- [--rounds N] [--seconds S] [--pings N] [--ping-interval S] [--congestion LIST]
  --rounds N          rounds of direct and carp runs, interleaved (default ${DEFAULT_OPTIONS.rounds})
  --seconds S         measured seconds per iperf3 run (default ${DEFAULT_OPTIONS.seconds})
  --pings N           echo requests per ping run (default ${DEFAULT_OPTIONS.pings})
  --ping-interval S   seconds between echo requests (default ${DEFAULT_OPTIONS.pingInterval})
  --congestion LIST   TCP congestion controls, comma-separated (default ${DEFAULT_OPTIONS.congestion.join(',')})
Needs root, iperf3 and ping; takes about rounds * (2 * (controls + 1) * (seconds + 2) + 2 * pings * interval) seconds.`;

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
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        pings: { type: 'string' },
        'ping-interval': { type: 'string' },
        congestion: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e: unknown) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) return { kind: 'help' };
  return {
    kind: 'run',
    options: {
      rounds: integerOption('--rounds', values.rounds, DEFAULT_OPTIONS.rounds),
      seconds: integerOption('--seconds', values.seconds, DEFAULT_OPTIONS.seconds),
      pings: integerOption('--pings', values.pings, DEFAULT_OPTIONS.pings),
      pingInterval: intervalOption(values['ping-interval']),
      congestion: congestionOption(values.congestion),
    },
  };
}

function integerOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) throw new UsageError(`${name} wants a whole number of at least 1, not "${text}"`);
  return value;
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
