/**
 * `carpctl carpN stats`, in the manner of OpenBSD's `netstat -s -p carp`: a heading per virtual
 * host, then one `\t<count> <description>` line per counter in the order received, discarded (by
 * reason), sent, transitions; then the counters of the carpdev, which belong to no single carp
 * interface (packets dropped before a vhid matched). Drop descriptions are DROP_REASONS.
 */
import { type CarpdevStats, DROP_REASONS, type NodeStats } from '../carp/types';
import type { CarpdevStatsDto, DaemonCountersDto, InterfaceStatusDto } from '../control/protocol';
import type { MirrorCounters } from '../kernel/types';
import type { CarpdevCounters, RelayCounters } from '../relay/counters';

/** Every NodeStats counter exactly once (`satisfies` keeps this list complete). */
const NODE_COUNTERS = {
  ipackets: 'packets received (IPv4)',
  ipackets6: 'packets received (IPv6)',
  accepted: 'advertisements accepted',
  bowOutsReceived: 'bow-out advertisements received',
  badttl: `discarded: ${DROP_REASONS.badttl}`,
  badauth: `discarded: ${DROP_REASONS.badauth}`,
  loop: `discarded: ${DROP_REASONS.loop}`,
  badpeer: `discarded: ${DROP_REASONS.badpeer}`,
  wrongver: `discarded: ${DROP_REASONS.wrongver}`,
  badaddrs: `discarded: ${DROP_REASONS.badaddrs}`,
  replay: `discarded: ${DROP_REASONS.replay}`,
  opackets: 'packets sent (IPv4)',
  opackets6: 'packets sent (IPv6)',
  oerrors: 'send errors',
  bowOutsSent: 'bow-out advertisements sent',
  toMaster: 'transitions to master',
  toBackup: 'transitions to backup',
  toInit: 'transitions to init',
  preempts: 'preemptions',
} as const satisfies Record<keyof NodeStats, string>;

const DATA_PLANE_COUNTERS = {
  framesIn: 'frames relayed into the interface (MASTER)',
  framesOut: 'frames relayed out of the interface (MASTER)',
  droppedNotMaster: 'frames dropped: not MASTER',
  droppedWriteFailed: 'frames dropped: queue full or write failed',
} as const satisfies Record<keyof RelayCounters, string>;

const CARPDEV_PROTOCOL_COUNTERS = {
  ipackets: 'packets received (IPv4)',
  ipackets6: 'packets received (IPv6)',
  hdrops: `discarded: ${DROP_REASONS.hdrops}`,
  badsum: `discarded: ${DROP_REASONS.badsum}`,
  badver: `discarded: ${DROP_REASONS.badver}`,
  badvhid: `discarded: ${DROP_REASONS.badvhid}`,
  disallowed: `discarded: ${DROP_REASONS.disallowed}`,
  vrrp: 'discarded: VRRP advertisements (VRRPv2, VRRPv3), not CARP',
} as const satisfies Record<keyof CarpdevStats, string>;

const MALFORMED = 'discarded: not a well-formed IP packet';
const UNCLAIMED = 'frames claimed by no carp interface';

const STALE = 'frames discarded unread after the daemon stalled';

const CARPDEV_COUNTERS = {
  malformed: MALFORMED,
  ...CARPDEV_PROTOCOL_COUNTERS,
  unclaimed: UNCLAIMED,
  stale: STALE,
} as const satisfies Record<keyof CarpdevStatsDto, string>;

const CARPDEV_DATA_PLANE_COUNTERS = {
  advertisements: 'frames of IP protocol 112 received',
  malformed: MALFORMED,
  unclaimed: UNCLAIMED,
  stale: STALE,
} as const satisfies Record<keyof CarpdevCounters, string>;

const MIRROR_COUNTERS = {
  malformed: 'messages that could not be decoded',
  ignored: 'messages of kinds not followed',
  overruns: 'receive buffer overruns (notifications lost)',
  resyncs: 'full dumps after the first',
} as const satisfies Record<keyof MirrorCounters, string>;

export function formatStats(dto: InterfaceStatusDto): string {
  const lines: string[] = [];
  if (dto.nodes.length === 0) lines.push(`${dto.name}: no vhid configured`);
  for (const node of dto.nodes) {
    lines.push(`${dto.name} vhid ${node.vhid}:`, ...counterLines(NODE_COUNTERS, node.stats));
  }
  if (dto.dataPlane !== null) lines.push(`${dto.name} data plane:`, ...counterLines(DATA_PLANE_COUNTERS, dto.dataPlane));
  if (dto.carpdev !== null && dto.carpdevStats !== null) {
    lines.push(`carpdev ${dto.carpdev}:`, ...counterLines(CARPDEV_COUNTERS, dto.carpdevStats));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `carpctl stats`: every counter of the daemon, by owner — each carp interface (per virtual host,
 * then its data plane), each carpdev (before a vhid matched, then its packet socket), and the
 * kernel mirror.
 */
export function formatCounters(counters: DaemonCountersDto): string {
  const lines: string[] = [];
  for (const iface of counters.interfaces) {
    for (const node of iface.nodes) lines.push(`${iface.name} vhid ${node.vhid}:`, ...counterLines(NODE_COUNTERS, node.stats));
    if (iface.dataPlane !== null) lines.push(`${iface.name} data plane:`, ...counterLines(DATA_PLANE_COUNTERS, iface.dataPlane));
  }
  for (const carpdev of counters.carpdevs) {
    lines.push(`carpdev ${carpdev.name}:`, ...counterLines(CARPDEV_PROTOCOL_COUNTERS, carpdev.protocol));
    if (carpdev.dataPlane !== null) lines.push(...counterLines(CARPDEV_DATA_PLANE_COUNTERS, carpdev.dataPlane));
  }
  lines.push('kernel mirror (rtnetlink):', ...counterLines(MIRROR_COUNTERS, counters.kernel));
  return `${lines.join('\n')}\n`;
}

function counterLines<K extends string>(
  descriptions: Readonly<Record<K, string>>,
  counters: Readonly<Record<K, number>>,
): string[] {
  return (Object.keys(descriptions) as K[]).map((key) => `\t${counters[key]} ${descriptions[key]}`);
}
