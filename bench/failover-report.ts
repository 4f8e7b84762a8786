/** The failover case as text: context, one table of every scenario and contender, the ratios, the goals. */
import type { FailoverResults } from './failover';
import type { FailoverCell, Measure } from './failover-summary';
import { formatHost } from './machine';
import { fixed, formatTable } from './table';

const MEASURE_TITLES: Readonly<Record<Measure, string>> = {
  icmpOutageMs: 'ICMP outage',
  udpOutageMs: 'UDP outage',
  advertisementGapMs: 'last ad to new ad',
  bothAdvertiseMs: 'both MASTER',
};

export function formatFailoverReport(results: FailoverResults): string {
  return [formatContext(results), formatCells(results.summary.cells), formatRatios(results), GOALS].join('\n\n');
}

function formatContext({ machine, options, settings, startedAt, loadAverageAtEnd, trials }: FailoverResults): string {
  const failed = trials.filter((t) => t.result === null);
  return [
    `failover: ${options.contenders.join(', ')}, ${startedAt}`,
    `machine     ${formatHost(machine)}; 1-minute load ${fixed(machine.loadAverageAtStart, 2)} at start, ${fixed(loadAverageAtEnd, 2)} at end`,
    `trials      ${options.trials} rounds, each contender and scenario once per round, the event at a random point of the advertisement cycle`,
    ...Object.entries(settings).map(([name, text]) => `${name.padEnd(14)} ${text}`),
    'measures    ms, "median / max" over the trials; outages from the client probing the VIP every 10 ms (ping, UDP echo);',
    '            "last ad to new ad" and "both MASTER" from a capture on the bridge',
    ...failed.map((t) => `failed      round ${t.round} ${t.scenario} ${t.contender}: ${t.error ?? ''}`),
  ].join('\n');
}

function formatCells(cells: readonly FailoverCell[]): string {
  const spread = (cell: FailoverCell, measure: Measure): string => {
    const s = cell.measures[measure];
    return s === undefined ? '-' : `${fixed(s.median, 0)} / ${fixed(s.max, 0)}`;
  };
  const rows = cells.map((cell) => [
    cell.scenario,
    cell.contender,
    `${cell.trials - cell.failed}/${cell.trials}`,
    spread(cell, 'icmpOutageMs'),
    spread(cell, 'udpOutageMs'),
    spread(cell, 'advertisementGapMs'),
    spread(cell, 'bothAdvertiseMs'),
    cell.scenario === 'start' ? `${cell.backupTurnedMaster}/${cell.trials - cell.failed}` : '-',
  ]);
  return formatTable(['scenario', 'contender', 'trials', ...Object.values(MEASURE_TITLES), 'backup MASTER'], rows);
}

function formatRatios({ summary }: FailoverResults): string {
  const rows = summary.ratios.map((r) => [r.scenario, MEASURE_TITLES[r.measure], r.contender, fixed(r.median, 0), `${fixed(r.best.median, 0)} (${r.best.contender})`, fixed(r.ratio, 2)]);
  const table = formatTable(['scenario', 'measure', 'ours', 'median', 'best peer median', 'ours / best'], rows);
  return rows.length === 0 ? 'no ratios: carpd or every peer advertising as often is missing' : `ratios against the contenders that advertise as often as each of carpd's modes\n${table}`;
}

const GOALS = [
  'goals (advbase 1, backup advskew 100):',
  '  crash: last ad to new ad within 60 ms of 3 x advbase + advskew/256 = 3391 ms',
  '  graceful, down: client outage under 50 ms',
  '  preempt: no time with both MASTER',
  '  start: no backup turning MASTER',
  'goal of carpd-vrrp3 (vrrpinterval 10, backup vrrpprio 100): no worse than keepalived-v3 (advert_int 0.1)',
].join('\n');
