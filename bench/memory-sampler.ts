/**
 * Resident memory over a span, sampled: a Node.js process's RSS swings by tens of MB with V8's
 * garbage collector, so one reading at the end of a span says little (docs/benchmarks.md, "Scale").
 */
import { type ResidentSplit, residentSplit } from '../test/netns/process-memory';
import { median } from './stats';

/** One quantity over the span, in MB (2^20 bytes). */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** VmRSS and its anonymous and file-backed parts over a span, each summed over a group's processes. */
export interface MemorySpread {
  readonly samples: number;
  /** The last sample's VmRSS, MB: the one reading the bench took before it sampled. */
  readonly vmRssAtEnd: number;
  readonly vmRss: Spread;
  readonly rssAnon: Spread;
  readonly rssFile: Spread;
}

export function spreadOf(megabytes: readonly number[]): Spread {
  return { min: Math.min(...megabytes), median: median(megabytes), max: Math.max(...megabytes) };
}

/** Samples named groups of processes every `intervalMs` from start() until stop(). */
export class MemorySampler<Name extends string> {
  private readonly samples = new Map<Name, ResidentSplit[]>();
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();
  /** A failed reading (a process gone): stop() reports it rather than a spread without it. */
  private failure: Error | undefined;

  constructor(
    private readonly pids: Readonly<Record<Name, readonly number[]>>,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  async stop(): Promise<Record<Name, MemorySpread>> {
    clearInterval(this.timer);
    await this.pending;
    this.sample();
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
    const names = Object.keys(this.pids) as Name[];
    return Object.fromEntries(names.map((name) => [name, this.spread(this.samples.get(name) ?? [])])) as Record<Name, MemorySpread>;
  }

  private sample(): void {
    this.pending = this.pending.then(async () => {
      for (const name of Object.keys(this.pids) as Name[]) {
        const parts = await Promise.all(this.pids[name].map(residentSplit));
        const sum = (pick: (s: ResidentSplit) => number): number => parts.reduce((total, s) => total + pick(s), 0);
        const list = this.samples.get(name) ?? [];
        list.push({ vmRss: sum((s) => s.vmRss), rssAnon: sum((s) => s.rssAnon), rssFile: sum((s) => s.rssFile) });
        this.samples.set(name, list);
      }
    }).catch((e: unknown) => {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
    });
  }

  private spread(samples: readonly ResidentSplit[]): MemorySpread {
    const mb = (pick: (s: ResidentSplit) => number): Spread => spreadOf(samples.map((s) => pick(s) / 2 ** 20));
    const last = samples.at(-1)?.vmRss ?? NaN;
    return { samples: samples.length, vmRssAtEnd: last / 2 ** 20, vmRss: mb((s) => s.vmRss), rssAnon: mb((s) => s.rssAnon), rssFile: mb((s) => s.rssFile) };
  }
}
