/** The balancing case as text: context, per congestion control a table of every round, where the CPU went, the goal. */
import type { BalancingResults } from './balancing';
import type { BalancingRun } from './balancing-rounds';
import { type CongestionSummary, type CpuWhere, TWO_HOST_GOAL, droppedShare, h1Share, layoutPairs } from './balancing-summary';
import { busyPercent } from './cpu';
import { TCP_OMIT_SECONDS } from './iperf';
import { formatHost } from './machine';
import { fixed, formatTable, percent } from './table';

export function formatBalancingReport(results: BalancingResults): string {
  const perControl = results.summary.byCongestion.map((summary) => formatThroughput(results, summary));
  return [formatContext(results), ...perControl, formatCpu(results), formatEstimate(results), formatGoals(results)].join('\n\n');
}

function formatContext({ machine, options, layouts, startedAt, loadAverageAtEnd }: BalancingResults): string {
  return [
    `carp load balancing (balancing ip): two hosts against one, ${startedAt}`,
    `machine     ${formatHost(machine)}, ${machine.iperf3}, default TCP congestion control ${machine.tcpCongestionControl}`,
    `load        1-minute load average ${fixed(machine.loadAverageAtStart, 2)} at start, ${fixed(loadAverageAtEnd, 2)} at end (a shared machine: others' work counts in)`,
    `parameters  ${options.rounds} rounds, one host and two hosts back to back, order alternating; ${options.flows} TCP flows at once, ` +
      `iperf3 runs of ${options.seconds} s after ${TCP_OMIT_SECONDS} s of slow start left out, with ${options.congestion.join(' and ')}`,
    `one host    ${layouts.one}`,
    `two hosts   ${layouts.two}`,
    'ratios are per round (two hosts against the one-host run of the same round); summary rows are medians over rounds, the ratio with its range;',
    '"busy before": the machine over 1 s just before each run with the lab idle (other people\'s load), like "machine busy" in percent of all cores',
  ].join('\n');
}

function formatThroughput({ runs, machine }: BalancingResults, summary: CongestionSummary): string {
  const allCores = (run: BalancingRun): string => percent(run.busyBeforePercentOfCore / machine.cores);
  const pairs = layoutPairs(runs.filter((r) => r.congestion === summary.congestion));
  const rows = pairs.map(({ round, one, two }) => [
    String(round),
    fixed(one.gbitPerSecond, 2),
    fixed(two.gbitPerSecond, 2),
    fixed(two.gbitPerSecond / one.gbitPerSecond, 2),
    `${percent(100 * h1Share(two))} / ${percent(100 - 100 * h1Share(two))}`,
    `${retransmits(one)} / ${retransmits(two)}`,
    `${percent(100 * droppedShare(two, 'h1'))} / ${percent(100 * droppedShare(two, 'h2'))}`,
    `${one.hosts.h1.relayInputDrops} / ${two.hosts.h1.relayInputDrops + two.hosts.h2.relayInputDrops}`,
    `${percent(busyPercent(one.cpu.machine))} / ${percent(busyPercent(two.cpu.machine))}`,
    `${allCores(one)} / ${allCores(two)}`,
  ]);
  const { gbitPerSecond, ratio, ratioMin, ratioMax, h1ShareOfBytes, droppedByHashShare } = summary;
  rows.push([
    'median',
    fixed(gbitPerSecond.one, 2),
    fixed(gbitPerSecond.two, 2),
    `${fixed(ratio, 2)} (${fixed(ratioMin, 2)}-${fixed(ratioMax, 2)})`,
    `${percent(100 * h1ShareOfBytes)} / ${percent(100 - 100 * h1ShareOfBytes)}`,
    '',
    `${percent(100 * droppedByHashShare.h1)} / ${percent(100 * droppedByHashShare.h2)}`,
    '',
    '',
    '',
  ]);
  const header = [
    `TCP ${summary.congestion} Gbit/s`,
    'one host',
    'two hosts',
    'two/one',
    'bytes h1 / h2',
    'retransmits 1 / 2',
    'read, dropped by hash h1 / h2',
    'relay input drops 1 / 2',
    'machine busy 1 / 2',
    'busy before 1 / 2',
  ];
  const repeats =
    summary.repeatedRuns === 0
      ? ''
      : `\n${summary.repeatedRuns} of these runs were repeated after a takeover broke an attempt (the attempts' failures are in the JSON, repeatedAfter)`;
  return `${formatTable(header, rows)}${repeats}`;
}

function formatCpu({ summary, machine }: BalancingResults): string {
  const rows = summary.byCongestion.flatMap((s) =>
    (['one', 'two'] as const).map((layout) =>
      cpuRow(`${layout === 'one' ? 'one host' : 'two hosts'}, ${s.congestion}`, s.cpu[layout], {
        percentPerGbit: s.daemonPercentPerGbit[layout],
        nsPerFrame: s.daemonNsPerFrame[layout],
        gbitPerLabCore: s.gbitPerLabCore[layout],
      }),
    ),
  );
  const header = ['CPU, % of one core', 'carpd h1', 'carpd h2', 'iperf3 clients', 'iperf3 servers', 'ksoftirqd', 'other busy', 'idle', 'busy before', 'Gbit/s per lab core', 'carpds per Gbit/s', 'carpd per frame'];
  return [
    formatTable(header, rows),
    `(medians over rounds; ${machine.cores} cores make ${machine.cores * 100}%. "other busy": charged to none of the processes on the left (other kernel threads,`,
    'softirq work the tick caught, other people\'s load); "busy before": the whole machine over 1 s just before the run, with the lab idle, i.e. other people\'s load;',
    '"Gbit/s per lab core": throughput per core used by the processes on the left; "carpds per Gbit/s": both daemons together per Gbit/s carried;',
    '"carpd per frame": CPU time per frame read from or sent to the carpdev, GSO frames of up to 64 KB)',
  ].join('\n');
}

function cpuRow(label: string, cpu: CpuWhere, per: { percentPerGbit: number; nsPerFrame: number; gbitPerLabCore: number }): string[] {
  return [
    label,
    percent(cpu.carpd.h1),
    percent(cpu.carpd.h2),
    percent(cpu.iperfClients),
    percent(cpu.iperfServers),
    percent(cpu.ksoftirqd),
    percent(cpu.other),
    percent(cpu.idle),
    percent(cpu.busyBefore),
    fixed(per.gbitPerLabCore, 2),
    `${fixed(per.percentPerGbit, 1)}%`,
    `${fixed(per.nsPerFrame / 1000, 2)} us`,
  ];
}

function formatEstimate({ summary }: BalancingResults): string {
  const controls = summary.byCongestion;
  const row = ['two / one if each carpd had a core of its own', ...controls.map((s) => fixed(s.relayBoundRatio, 2))];
  return [
    formatTable(['estimate, not a measurement', ...controls.map((s) => s.congestion)], [row]),
    '(2 x carpd CPU per Gbit/s with one host / both carpds\' per Gbit/s with two, per round, the median: the relays as the only limit, their cost per byte as measured)',
  ].join('\n');
}

function formatGoals({ summary }: BalancingResults): string {
  const rows = summary.byCongestion.map((s) => [`TCP throughput (${s.congestion}), two hosts / one host`, `>= ${TWO_HOST_GOAL}`, fixed(s.ratio, 3), s.goalMet ? 'met' : 'NOT MET']);
  return formatTable(['goal', 'target', 'measured', ''], rows);
}

function retransmits(run: BalancingRun): number {
  return run.flows.reduce((sum, f) => sum + f.retransmits, 0);
}
