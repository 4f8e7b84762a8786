/** The scale case as text: context, one row per daemon and role, carpd against ucarp, the goals. */
import { formatHost } from './machine';
import type { ScaleResults, ScaleSide } from './scale';
import { fixed, formatTable } from './table';

export function formatScaleReport(results: ScaleResults): string {
  const { machine, options, startedAt, loadAverageAtEnd, carpd, ucarp } = results;
  const row = (name: string, role: string, side: ScaleSide): string[] => [
    name,
    role,
    String(side.processes),
    fixed(side.electedSeconds, 1),
    fixed(side.cpuPercentOfCore, 2),
    fixed(side.residentMegabytes, 0),
  ];
  const rows = [row('carpd', 'MASTER', carpd.master), row('carpd', 'BACKUP', carpd.backup)];
  if (ucarp !== null) rows.push(row('ucarp', 'MASTER', ucarp.master), row('ucarp', 'BACKUP', ucarp.backup));
  const ratio = (pick: (side: ScaleSide) => number): string =>
    ucarp === null ? '-' : `${fixed(pick(carpd.master) / pick(ucarp.master), 2)} as MASTER, ${fixed(pick(carpd.backup) / pick(ucarp.backup), 2)} as BACKUP`;
  return [
    `scale: ${options.vhids * options.carpdevs} vhids (${options.vhids} on each of ${options.carpdevs} carpdev${options.carpdevs === 1 ? '' : 's'}), advbase 1, ${startedAt}`,
    `machine  ${formatHost(machine)}; 1-minute load ${fixed(machine.loadAverageAtStart, 2)} at start, ${fixed(loadAverageAtEnd, 2)} at end`,
    `span     CPU (user + system) over ${options.scaleSeconds} s once every vhid is elected; resident memory at its end, summed over the processes`,
    '',
    formatTable(['daemon', 'role', 'processes', 'elected s', 'CPU % of a core', 'RSS MB'], rows),
    '',
    `carpd / ucarp: CPU ${ratio((s) => s.cpuPercentOfCore)}; RSS ${ratio((s) => s.residentMegabytes)}`,
    'goals: under 1% of one core and under 80 MB for 255 vhids at advbase 1',
  ].join('\n');
}
