/**
 * CPU time over one run, from /proc: the daemons' (the relay runs in carpd's event loop, and the
 * kernel work of its TAP writes and socket reads is charged to it as system time), and the whole
 * machine's, which shows whether the run had the CPUs to itself and where the rest went.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface CpuUse {
  /** The daemon's user + system time, in percent of one core. */
  readonly daemonPercentOfCore: number;
  /** Busy time of all CPUs together, in percent of all of them (anyone's work, not just ours). */
  readonly machineBusyPercent: number;
}

/** The machine's time by kind, each in percent of one core (so all of them add up to cores x 100). */
export interface MachineSplit {
  readonly user: number;
  readonly system: number;
  /**
   * Softirq time as the tick found it: without CONFIG_IRQ_TIME_ACCOUNTING most softirq work is
   * charged to the process it interrupted, so this is a lower bound.
   */
  readonly softirq: number;
  /** Time the hypervisor gave to other guests. */
  readonly steal: number;
  readonly idle: number;
}

export interface CpuSplit {
  /** The span measured. */
  readonly wallSeconds: number;
  /** Each watched group of processes' user + system time, in percent of one core, by name. */
  readonly processes: Readonly<Record<string, number>>;
  readonly machine: MachineSplit;
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** The fields of /proc/stat's `cpu` line, in order. */
const STAT_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
type MachineTicks = Readonly<Record<(typeof STAT_FIELDS)[number], number>>;

interface Snapshot {
  readonly atMs: number;
  readonly processes: Readonly<Record<string, number>>;
  readonly machine: MachineTicks;
}

/** Watches named groups of processes and the whole machine over spans of work. */
export class CpuSplitMeter {
  constructor(private readonly pids: Readonly<Record<string, readonly number[]>>) {}

  /** Measures `work`'s span; the result of `work` comes back with the CPU split. */
  async around<T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuSplit }> {
    const before = this.snapshot();
    const result = await work();
    const after = this.snapshot();
    const seconds = (after.atMs - before.atMs) / 1000;
    const percentOfCore = (ticks: number): number => (100 * ticks) / TICKS_PER_SECOND / seconds;
    const processes = Object.fromEntries(Object.keys(this.pids).map((name) => [name, percentOfCore((after.processes[name] ?? 0) - (before.processes[name] ?? 0))]));
    const delta = (field: keyof MachineTicks): number => percentOfCore(after.machine[field] - before.machine[field]);
    return {
      result,
      cpu: {
        wallSeconds: seconds,
        processes,
        machine: {
          user: delta('user') + delta('nice'),
          system: delta('system') + delta('irq'),
          softirq: delta('softirq'),
          steal: delta('steal'),
          idle: delta('idle') + delta('iowait'),
        },
      },
    };
  }

  private snapshot(): Snapshot {
    const processes = Object.fromEntries(Object.entries(this.pids).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + processTicks(pid), 0)]));
    return { atMs: performance.now(), processes, machine: machineTicks() };
  }
}

/** Busy time of all CPUs together, in percent of one core. */
export function busyPercentOfCore(machine: MachineSplit): number {
  return machine.user + machine.system + machine.softirq + machine.steal;
}

/** The busy share of all CPUs, in percent of all of them. */
export function busyPercent(machine: MachineSplit): number {
  const busy = busyPercentOfCore(machine);
  return (100 * busy) / (busy + machine.idle);
}

/** One daemon and the machine's busy share: what the data-plane case reports. */
export class CpuMeter {
  private readonly meter: CpuSplitMeter;

  constructor(daemonPid: number) {
    this.meter = new CpuSplitMeter({ daemon: [daemonPid] });
  }

  async around<T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
    const { result, cpu } = await this.meter.around(work);
    return { result, cpu: { daemonPercentOfCore: cpu.processes.daemon ?? NaN, machineBusyPercent: busyPercent(cpu.machine) } };
  }
}

/**
 * The kernel threads whose name starts with `prefix`, e.g. `ksoftirqd/`: the softirq work the
 * kernel defers to them (packets forwarded by the bridge, among others) is charged to them.
 */
export function kernelThreadPids(prefix: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith(prefix);
      } catch {
        return false; // gone while we looked
      }
    })
    .map(Number);
}

/** utime + stime of /proc/PID/stat (fields 14 and 15; the name in field 2 may contain spaces). */
function processTicks(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e: unknown) {
    throw new Error(`process ${pid} is gone: ${e instanceof Error ? e.message : String(e)}`);
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return Number(fields[11]) + Number(fields[12]);
}

/** The `cpu` line of /proc/stat, summed over all CPUs. */
function machineTicks(): MachineTicks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(STAT_FIELDS.map((field, i) => [field, ticks[i] ?? 0])) as Record<(typeof STAT_FIELDS)[number], number>;
}
