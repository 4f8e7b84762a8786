/** The benchmark's results as text: context, one table per test with every run, then the goals. */
import { TCP_OMIT_SECONDS, UDP_PAYLOAD_BYTES, type UdpResult } from './iperf';
import { formatHost } from './machine';
import type { BenchResults } from './results';
import type { RunRecord } from './rounds';
import { type TcpSummary, roundPairs } from './summary';
import { fixed, formatTable, percent, thousands } from './table';

export function formatReport(results: BenchResults): string {
  const tcp = results.summary.tcp.map((summary) => formatTcp(results, summary));
  return [formatContext(results), ...tcp, formatUdp(results), formatPing(results), formatGoals(results)].join('\n\n');
}

function formatContext({ machine, options, topology, startedAt, loadAverageAtEnd }: BenchResults): string {
  return [
    `carp data plane against the kernel's direct path, ${startedAt}`,
    `machine     ${formatHost(machine)}, ${machine.iperf3}, default TCP congestion control ${machine.tcpCongestionControl}`,
    `load        1-minute load average ${fixed(machine.loadAverageAtStart, 2)} at start, ${fixed(loadAverageAtEnd, 2)} at end (a shared machine: others' work counts in)`,
    `parameters  ${options.rounds} rounds, direct and carp back to back, order alternating; iperf3 runs of ${options.seconds} s ` +
      `(TCP with ${options.congestion.join(' and ')}, each on both paths, after ${TCP_OMIT_SECONDS} s of slow start left out); UDP ${UDP_PAYLOAD_BYTES}-byte payload, no rate limit; ` +
      `ping ${options.pings} requests every ${options.pingInterval} s`,
    `direct      ${topology.direct}`,
    `carp        ${topology.carp}`,
    'ratios and differences are per round (carp against the direct run beside it); summary rows are medians over rounds',
  ].join('\n');
}

function formatTcp({ runs }: BenchResults, summary: TcpSummary): string {
  const records = runs.tcp.filter((r) => r.result.congestion === summary.congestion);
  const rows = roundPairs(records).map(({ round, direct, carp }) => [
    String(round),
    fixed(direct.result.gbitPerSecond, 2),
    fixed(carp.result.gbitPerSecond, 2),
    fixed(carp.result.gbitPerSecond / direct.result.gbitPerSecond, 2),
    `${direct.result.retransmits} / ${carp.result.retransmits}`,
    String(carp.relayInputDrops),
    percent(carp.cpu.daemonPercentOfCore),
    busy(direct, carp),
  ]);
  const { gbitPerSecond, ratio, daemonPercentOfCore } = summary;
  rows.push(['median', fixed(gbitPerSecond.direct, 2), fixed(gbitPerSecond.carp, 2), fixed(ratio, 2), '', '', percent(daemonPercentOfCore), '']);
  const header = [`TCP ${summary.congestion} Gbit/s`, 'direct', 'carp', 'carp/direct', 'retransmits d / c', 'relay input drops', 'carpd CPU', 'machine busy d / c'];
  return formatTable(header, rows);
}

function formatUdp({ runs, summary, options }: BenchResults): string {
  const { seconds } = options;
  const rows = roundPairs(runs.udp).map(({ round, direct, carp }) => [
    String(round),
    thousands(direct.result.sentPerSecond),
    thousands(direct.result.receivedPerSecond),
    thousands(carp.result.sentPerSecond),
    thousands(carp.result.receivedPerSecond),
    `${thousands(direct.udpReceiveBufferDrops / seconds)} / ${thousands(carp.udpReceiveBufferDrops / seconds)}`,
    fixed(reached(carp, seconds) / reached(direct, seconds), 2),
    fixed(carp.result.receivedPerSecond / direct.result.receivedPerSecond, 2),
    thousands(carp.relayInputDrops / seconds),
    percent(carp.cpu.daemonPercentOfCore),
    busy(direct, carp),
  ]);
  const { sentPerSecond, receivedPerSecond, ratio, receivedRatio, daemonPercentOfCore } = summary.udp;
  rows.push([
    'median',
    thousands(sentPerSecond.direct),
    thousands(receivedPerSecond.direct),
    thousands(sentPerSecond.carp),
    thousands(receivedPerSecond.carp),
    '',
    fixed(ratio, 2),
    fixed(receivedRatio, 2),
    '',
    percent(daemonPercentOfCore),
    '',
  ]);
  const header = [
    `UDP ${UDP_PAYLOAD_BYTES} B per s`,
    'direct sent',
    'direct received',
    'carp sent',
    'carp received',
    'server socket drops d / c',
    'carp/direct reaching host',
    'carp/direct received',
    'relay input drops',
    'carpd CPU',
    'machine busy d / c',
  ];
  return formatTable(header, rows);
}

function formatPing({ runs, summary }: BenchResults): string {
  const rows = roundPairs(runs.ping).map(({ round, direct, carp }) => [
    String(round),
    fixed(direct.result.p50Ms, 3),
    fixed(direct.result.p99Ms, 3),
    fixed(carp.result.p50Ms, 3),
    fixed(carp.result.p99Ms, 3),
    fixed(carp.result.p50Ms - direct.result.p50Ms, 3),
    fixed(carp.result.p99Ms - direct.result.p99Ms, 3),
    `${direct.result.sent - direct.result.replies} / ${carp.result.sent - carp.result.replies}`,
  ]);
  const { p50Ms, p99Ms, addedP50Ms, addedP99Ms } = summary.ping;
  rows.push(['median', fixed(p50Ms.direct, 3), fixed(p99Ms.direct, 3), fixed(p50Ms.carp, 3), fixed(p99Ms.carp, 3), fixed(addedP50Ms, 3), fixed(addedP99Ms, 3), '']);
  return formatTable(['ping RTT ms', 'direct p50', 'direct p99', 'carp p50', 'carp p99', 'added p50', 'added p99', 'lost d / c'], rows);
}

function formatGoals({ summary }: BenchResults): string {
  const rows = summary.goals.map((goal) => [goal.what, goal.target, fixed(goal.measured, 3), goal.met ? 'met' : 'NOT MET']);
  return formatTable(['goal', 'target', 'measured', ''], rows);
}

/** Datagrams per second that reached the host's UDP layer: read by the server or dropped at its full socket. */
function reached(run: RunRecord<UdpResult>, seconds: number): number {
  return run.result.receivedPerSecond + run.udpReceiveBufferDrops / seconds;
}

function busy(direct: RunRecord<unknown>, carp: RunRecord<unknown>): string {
  return `${percent(direct.cpu.machineBusyPercent)} / ${percent(carp.cpu.machineBusyPercent)}`;
}
