/**
 * CPU time over one run, from /proc: the daemon's (the relay runs in its event loop, and the kernel
 * work of its TAP writes and socket reads is charged to it as system time), and the whole
 * machine's busy share, which shows whether the run had the CPUs to itself.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuUse {
  /** The daemon's user + system time, in percent of one core. */
  readonly daemonPercentOfCore: number;
  /** Busy time of all CPUs together, in percent of all of them (anyone's work, not just ours). */
  readonly machineBusyPercent: number;
}

interface CpuSnapshot {
  readonly atMs: number;
  readonly daemonTicks: number;
  readonly machineBusyTicks: number;
  readonly machineTotalTicks: number;
}

export class CpuMeter {
  private readonly ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

  constructor(private readonly daemonPid: number) {}

  /** Measures `work`'s span; the result of `work` comes back with the CPU use. */
  async around<T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
    const before = this.snapshot();
    const result = await work();
    const after = this.snapshot();
    const seconds = (after.atMs - before.atMs) / 1000;
    return {
      result,
      cpu: {
        daemonPercentOfCore: (100 * (after.daemonTicks - before.daemonTicks)) / this.ticksPerSecond / seconds,
        machineBusyPercent: (100 * (after.machineBusyTicks - before.machineBusyTicks)) / (after.machineTotalTicks - before.machineTotalTicks),
      },
    };
  }

  private snapshot(): CpuSnapshot {
    return { atMs: performance.now(), daemonTicks: processTicks(this.daemonPid), ...machineTicks() };
  }
}

/** utime + stime of /proc/PID/stat (fields 14 and 15; the name in field 2 may contain spaces). */
function processTicks(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e: unknown) {
    throw new Error(`carpd (pid ${pid}) is gone: ${e instanceof Error ? e.message : String(e)}`);
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return Number(fields[11]) + Number(fields[12]);
}

/** The `cpu` line of /proc/stat: busy is everything but idle and iowait. */
function machineTicks(): { machineBusyTicks: number; machineTotalTicks: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { machineBusyTicks: total - idle, machineTotalTicks: total };
}
