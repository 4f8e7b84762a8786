/** The scale case as text: context, one row per daemon and role, carpd against ucarp, the goals. */
import { formatHost } from './machine';
import type { Spread } from './memory-sampler';
import type { ScaleResults, ScaleSide } from './scale';
import { fixed, formatTable } from './table';

const spread = (s: Spread): string => `${fixed(s.min, 0)} / ${fixed(s.median, 0)} / ${fixed(s.max, 0)}`;

export function formatScaleReport(results: ScaleResults): string {
  const { machine, options, startedAt, loadAverageAtEnd, carpd, ucarp } = results;
  const row = (name: string, role: string, side: ScaleSide): string[] => [
    name,
    role,
    String(side.processes),
    fixed(side.electedSeconds, 1),
    fixed(side.cpuPercentOfCore, 2),
    fixed(side.residentMegabytes, 0),
    spread(side.memory.vmRss),
    spread(side.memory.rssAnon),
    spread(side.memory.rssFile),
  ];
  const rows = [row('carpd', 'MASTER', carpd.master), row('carpd', 'BACKUP', carpd.backup)];
  if (ucarp !== null) rows.push(row('ucarp', 'MASTER', ucarp.master), row('ucarp', 'BACKUP', ucarp.backup));
  const ratio = (pick: (side: ScaleSide) => number): string =>
    ucarp === null ? '-' : `${fixed(pick(carpd.master) / pick(ucarp.master), 2)} as MASTER, ${fixed(pick(carpd.backup) / pick(ucarp.backup), 2)} as BACKUP`;
  return [
    `scale: ${options.vhids * options.carpdevs} vhids (${options.vhids} on each of ${options.carpdevs} carpdev${options.carpdevs === 1 ? '' : 's'}), advbase 1, ${startedAt}`,
    `machine  ${formatHost(machine)}; 1-minute load ${fixed(machine.loadAverageAtStart, 2)} at start, ${fixed(loadAverageAtEnd, 2)} at end`,
    `carpd    ${options.memorySettings === 'unit' ? "with the memory settings of systemd/carpd.service (NODE_OPTIONS, MALLOC_ARENA_MAX)" : "with Node's and malloc's defaults (--memory-settings node)"}, net.inet.carp.fastpath=${options.fastpath ? 1 : 0}`,
    `span     CPU (user + system) over ${options.scaleSeconds} s, ${options.scaleWarmup > 0 ? `${options.scaleWarmup} s after` : 'once'} every vhid is elected; resident memory at its end and sampled every second over it (min / median / max), summed over the processes`,
    '',
    formatTable(['daemon', 'role', 'processes', 'elected s', 'CPU % of a core', 'RSS MB at end', 'RSS MB', 'anonymous MB', 'file MB'], rows),
    '',
    `carpd / ucarp: CPU ${ratio((s) => s.cpuPercentOfCore)}; RSS at end ${ratio((s) => s.residentMegabytes)}; median RSS ${ratio((s) => s.memory.vmRss.median)}`,
    'goals: under 1% of one core and under 80 MB (VmRSS) for 255 vhids at advbase 1',
  ].join('\n');
}
