/** The soak case as text: context, one row per advskew tried, the chosen setting's crash outage beside keepalived's VRRPv3, the goal. */
import type { Measure } from './failover-summary';
import { formatHost } from './machine';
import type { SoakResults } from './soak';
import { HOG_CPU, masterDownMs } from './soak-run';
import { fixed, formatTable } from './table';

/** The issue's goal for the client-visible crash outage at the chosen setting. */
export const CRASH_OUTAGE_GOAL_MS = 200;

export function formatSoakReport(results: SoakResults): string {
  return [formatContext(results), formatRuns(results), formatCrash(results), formatVerdict(results)].join('\n\n');
}

function formatContext({ machine, options, startedAt, loadAverageAtEnd, settings, trials }: SoakResults): string {
  return [
    `soak: sub-second carpd under iperf3 and a CPU hog, then its crash outage beside keepalived-v3, ${startedAt}`,
    `machine     ${formatHost(machine)}; 1-minute load ${fixed(machine.loadAverageAtStart, 2)} at start, ${fixed(loadAverageAtEnd, 2)} at end`,
    `soak        ${options.soakSeconds} s per advskew: h1 MASTER (advbase 0, advskew A), h2 BACKUP (advskew A+1), both preempting;`,
    `            iperf3 TCP at full speed from cl through h1's carp0 to the VIP; a busy loop and h1's carpd pinned to CPU ${HOG_CPU};`,
    `            ${options.soakHogs} more busy loops on any CPU; both carpds ${options.soakRr > 0 ? `SCHED_RR at priority ${options.soakRr} (main thread, reset on fork)` : `at nice ${options.soakNice}`}`,
    '            false failovers: h2 began advertising while h1 ran (capture on the bridge)',
    `crash       ${options.trials} trials each, idle lab, the failover case's crash scenario`,
    ...Object.entries(settings).map(([name, text]) => `${name.padEnd(11)} ${text}`),
    ...trials.filter((t) => t.result === null).map((t) => `failed      round ${t.round} ${t.contender}: ${t.error ?? ''}`),
  ].join('\n');
}

function formatRuns({ runs, failed }: SoakResults): string {
  const broken = [
    ...runs.flatMap((run) => (run.lastIperfError === null ? [] : [`advskew ${run.preferredSkew}: iperf3 broke ${run.iperfBreaks} times, last: ${run.lastIperfError}`])),
    ...failed.map((f) => `advskew ${f.preferredSkew}/${f.backupSkew} failed: ${f.error}`),
  ];
  const rows = runs.map((run) => [
    `${run.preferredSkew}/${run.backupSkew}`,
    fixed((run.preferredSkew * 1000) / 256, 1),
    fixed(masterDownMs(run), 1),
    String(run.falseFailovers),
    String(run.lateSilences),
    run.masterSilenceP999Ms === null ? '-' : fixed(run.masterSilenceP999Ms, 1),
    run.longestMasterSilenceMs === null ? '-' : fixed(run.longestMasterSilenceMs, 1),
    String(run.stalls),
    run.masterAtEnd ? 'yes' : 'no',
    run.gbitPerSecond === null ? '-' : fixed(run.gbitPerSecond, 2),
    String(run.iperfBreaks),
  ]);
  return [formatTable(['advskew', 'interval ms', 'master-down ms', 'false failovers', 'silences > master-down', 'silence p99.9 ms', 'longest silence ms', 'stalls', 'MASTER at end', 'Gbit/s', 'iperf3 breaks'], rows), ...broken].join('\n');
}

function formatCrash({ summary }: SoakResults): string {
  const spread = (measure: Measure, cell: (typeof summary.cells)[number]): string => {
    const s = cell.measures[measure];
    return s === undefined ? '-' : `${fixed(s.median, 0)} / ${fixed(s.max, 0)}`;
  };
  const rows = summary.cells.map((cell) => [
    cell.contender,
    `${cell.trials - cell.failed}/${cell.trials}`,
    spread('icmpOutageMs', cell),
    spread('udpOutageMs', cell),
    spread('advertisementGapMs', cell),
  ]);
  return `crash, ms, median / max\n${formatTable(['contender', 'trials', 'ICMP outage', 'UDP outage', 'last ad to new ad'], rows)}`;
}

/** The goal is met with a setting that held and a median client outage (the worse of ICMP and UDP) below 0.2 s. */
function formatVerdict({ chosen, summary }: SoakResults): string {
  if (chosen === null) return 'goal NOT met: no advskew tried held MASTER without a false failover';
  const carpd = summary.cells.find((cell) => cell.contender === 'carpd');
  const outage = Math.max(carpd?.measures.icmpOutageMs?.median ?? NaN, carpd?.measures.udpOutageMs?.median ?? NaN);
  const met = outage < CRASH_OUTAGE_GOAL_MS;
  return `goal (zero false failovers, crash outage under ${CRASH_OUTAGE_GOAL_MS} ms): ${met ? 'met' : 'NOT met'} with advbase 0 advskew ${chosen.preferredSkew}/${chosen.backupSkew}, median outage ${fixed(outage, 0)} ms`;
}
