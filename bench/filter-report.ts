/** The filter case as text: context, ns per frame of every loop, then what `balancing ip` adds. */
import type { Family } from '../src/wire/address';
import type { FilterResults } from './filter';
import type { FamilySummary, VariantSummary } from './filter-summary';
import { SAMPLE_MS } from './filter-rounds';
import type { FilterMode, VariantKind } from './filter-variants';
import { formatHost } from './machine';
import { fixed, formatTable } from './table';

const LOOPS: readonly { kind: VariantKind; mode: FilterMode; label: string }[] = [
  { kind: 'bare', mode: 'none', label: 'bare pass over the batch' },
  { kind: 'hash', mode: 'none', label: 'hash, balancing none' },
  { kind: 'hash', mode: 'ip', label: 'hash, balancing ip' },
  { kind: 'decide', mode: 'none', label: 'decide, balancing none' },
  { kind: 'decide', mode: 'ip', label: 'decide, balancing ip' },
  { kind: 'send', mode: 'none', label: 'send, balancing none' },
  { kind: 'send', mode: 'ip', label: 'send, balancing ip' },
  { kind: 'relay', mode: 'none', label: 'relay batch, balancing none' },
  { kind: 'relay', mode: 'ip', label: 'relay batch, balancing ip' },
];

export function formatFilterReport(results: FilterResults): string {
  return [formatContext(results), formatLoops(results), formatCosts(results)].join('\n\n');
}

function formatContext({ machine, options, startedAt, loadAverageAtEnd }: FilterResults): string {
  return [
    `balancing ip in the relay: cost per frame, ${startedAt}`,
    `machine     ${formatHost(machine)}`,
    `load        1-minute load average ${fixed(machine.loadAverageAtStart, 2)} at start, ${fixed(loadAverageAtEnd, 2)} at end (a shared machine: others' work counts in)`,
    `parameters  ${options.rounds} rounds, every loop timed for about ${SAMPLE_MS} ms of CPU time per round (CPU time: waiting for a CPU is not counted), in an order rotating from round to round`,
    'frames      a ring of 64 slots as the relay reads them: inbound 1514-byte TCP data segments from 16 client addresses to the VIP, outbound the server\'s ACKs',
    'loops       hash: BalancingPolicy.nodeOf on each frame; decide: CarpPort.offer on each frame, then flush (nodeOf, MASTER check, readdressing in);',
    '            send: a batch from carp0 (readdressing out); relay batch: a carpdev batch through CarpdevPort and CarpPort; native reads and writes do nothing.',
    '            none: carp0 with one vhid; ip: carpnodes 1 and 2, balancing ip, MASTER of both (every frame kept)',
    'differences are per round (ip against none in the same round); values are medians over rounds, ranges lowest-highest',
  ].join('\n');
}

function formatLoops({ summary }: FilterResults): string {
  const families = familiesOf(summary.variants);
  const rows = LOOPS.map(({ kind, mode, label }) => [
    label,
    ...families.map((family) => {
      const v = summary.variants.find((s) => s.kind === kind && s.mode === mode && s.family === family);
      return v === undefined ? '-' : `${fixed(v.median, 1)} (${fixed(v.min, 1)}-${fixed(v.max, 1)})`;
    }),
  ]);
  return formatTable(['ns per frame', ...families.map((f) => `IPv${f}`)], rows);
}

function formatCosts({ summary }: FilterResults): string {
  const column = (pick: (f: FamilySummary) => string): string[] => summary.families.map(pick);
  const rows = [
    ['inbound: decide ip - none (ns per frame)', ...column((f) => fixed(f.inboundNs, 1))],
    ['  of which the hash: hash ip - none', ...column((f) => fixed(f.hashNs, 1))],
    ['outbound: send ip - none (ns per frame)', ...column((f) => fixed(f.outboundNs, 1))],
    ["share of the relay's JavaScript time for a carpdev batch", ...column((f) => `${fixed(100 * f.shareOfRelayBatch, 1)}%`)],
  ];
  const table = formatTable(['what balancing ip adds', ...summary.families.map((f) => `IPv${f.family}`)], rows);
  const daemon = summary.ofDaemonFrame;
  const line =
    daemon === null
      ? "share of carpd's CPU time per frame: run with --case balancing,filter to measure carpd's time per frame in the same run"
      : `share of carpd's CPU time per frame: IPv4 inbound ${fixed(daemon.share * 100, 2)}% of the ${fixed(daemon.daemonNsPerFrame / 1000, 2)} us ` +
        'carpd spent per frame in the balancing case (two hosts, kernel work included)';
  return `${table}\n${line}`;
}

function familiesOf(variants: readonly VariantSummary[]): Family[] {
  return [...new Set(variants.map((v) => v.family))];
}
