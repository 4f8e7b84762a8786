/**
 * The balancing case's schedule. Each round measures both layouts back to back, every congestion
 * control in each, and the order of the layouts alternates from round to round, so a slow drift
 * of the shared machine's load hits both alike and neither always goes first.
 */
import { sleep } from '../test/helpers/poll';
import { type BalancingHostCounters, countersBetween } from './balancing-counters';
import { type BalancingLab, CLIENT, HOSTS, type HostName, LAYOUTS, type Layout } from './balancing-lab';
import { type CpuSplit, CpuSplitMeter, busyPercentOfCore, kernelThreadPids } from './cpu';
import { type FlowResult, measureFlows } from './flows';
import type { BenchOptions } from './options';

export interface BalancingRun {
  readonly round: number;
  readonly layout: Layout;
  readonly congestion: string;
  /** Why earlier attempts at this run failed (a takeover on a starved machine); normally none. */
  readonly repeatedAfter: readonly string[];
  readonly flows: readonly FlowResult[];
  /** The flows' rates added up. */
  readonly gbitPerSecond: number;
  readonly hosts: Readonly<Record<HostName, BalancingHostCounters>>;
  /** The carpds (named h1 and h2), the ksoftirqd threads and the machine. */
  readonly cpu: CpuSplit;
  /**
   * The machine's busy time, in percent of one core, over the second just before the run while
   * the lab idled: other people's load at the time, which the run's own numbers include too.
   */
  readonly busyBeforePercentOfCore: number;
}

/**
 * A host off the bridge may still see a few frames of its own (an advertisement's echo, IPv6
 * router solicitations of carp0 going up); anything more means the layout was not what it claimed.
 */
const STRAY_BYTES_ALLOWED = 10_000;
/** The look at the idle machine before each run (busyBeforePercentOfCore). */
const BEFORE_RUN_MS = 1000;
/** Repeats of one run before the case gives up: a machine this starved measures nothing. */
const MAX_REPEATS = 3;

export async function runBalancingRounds(lab: BalancingLab, options: BenchOptions, progress: (line: string) => void): Promise<BalancingRun[]> {
  const runs: BalancingRun[] = [];
  const daemons = lab.daemonPids();
  const meter = new CpuSplitMeter({ h1: [daemons.h1], h2: [daemons.h2], ksoftirqd: kernelThreadPids('ksoftirqd/') });
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 === 1 ? LAYOUTS : [...LAYOUTS].reverse();
    for (const layout of order) {
      await lab.use(layout);
      for (const congestion of options.congestion) {
        const run = await measureWithRepeats(lab, (repeatedAfter) => measureRun(lab, meter, options, { round, layout, congestion, repeatedAfter }), progress);
        runs.push(run);
        progress(`round ${round} ${layout} host${layout === 'one' ? '' : 's'} ${congestion}: ${run.gbitPerSecond.toFixed(2)} Gbit/s over ${run.flows.length} flows`);
      }
    }
  }
  return runs;
}

/**
 * A run that a takeover broke (a flow reset, a node changing state) measured nothing of the
 * layout; it is repeated once the layout holds again, and the failures are kept with the run.
 */
async function measureWithRepeats(
  lab: BalancingLab,
  measure: (repeatedAfter: readonly string[]) => Promise<BalancingRun>,
  progress: (line: string) => void,
): Promise<BalancingRun> {
  const failures: string[] = [];
  for (;;) {
    try {
      return await measure(failures);
    } catch (e: unknown) {
      const failure = `${e instanceof Error ? e.message : String(e)} [${await lab.describeNodes()}]`;
      if (failures.length >= MAX_REPEATS) throw new Error(`${failures.length + 1} attempts failed, the last: ${failure}`);
      failures.push(failure);
      progress(`run failed, repeating it: ${failure}`);
      await lab.restoreLayout();
    }
  }
}

interface RunLabel {
  readonly round: number;
  readonly layout: Layout;
  readonly congestion: string;
  readonly repeatedAfter: readonly string[];
}

async function measureRun(lab: BalancingLab, meter: CpuSplitMeter, options: BenchOptions, label: RunLabel): Promise<BalancingRun> {
  const { cpu: quiet } = await meter.around(() => sleep(BEFORE_RUN_MS));
  const before = await lab.counters();
  const { result: flows, cpu } = await meter.around(() => measureFlows(lab.carpLab.net, CLIENT, lab.flows, options.seconds, label.congestion));
  const after = await lab.counters();
  await lab.checkLayout();
  const hosts = { h1: countersBetween(before.h1, after.h1), h2: countersBetween(before.h2, after.h2) };
  checkSharing(label.layout, hosts);
  const gbitPerSecond = flows.reduce((sum, f) => sum + f.gbitPerSecond, 0);
  return { ...label, repeatedAfter: [...label.repeatedAfter], flows, gbitPerSecond, hosts, cpu, busyBeforePercentOfCore: busyPercentOfCore(quiet.machine) };
}

/** The bytes must have gone where the layout says, or the comparison means nothing. */
function checkSharing(layout: Layout, hosts: Readonly<Record<HostName, BalancingHostCounters>>): void {
  for (const host of HOSTS) {
    if (hosts[host].transitions > 0) throw new Error(`${host}'s nodes changed state ${hosts[host].transitions} times during the run`);
  }
  if (hosts.h1.carpBytesIn === 0) throw new Error('h1 wrote nothing into carp0: the flows did not go through the relay');
  if (layout === 'one' && hosts.h2.carpBytesIn > STRAY_BYTES_ALLOWED) {
    throw new Error(`h2 took ${hosts.h2.carpBytesIn} bytes while off the bridge: layout one was not a single host`);
  }
  if (layout === 'two' && hosts.h2.carpBytesIn === 0) throw new Error('h2 took no share in layout two: the balancing did not split the flows');
}
