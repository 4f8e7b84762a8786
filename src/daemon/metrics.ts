/**
 * What the metrics endpoint shows: every counter of collectCounters() (the same numbers as
 * `carpctl stats`), the state of every virtual host, the demotion counters, and how late the event
 * loop ran. Counter names follow their fields (`bowOutsSent` -> `carp_vhost_bow_outs_sent_total`),
 * so a counter added to the core, the relay or the mirror appears here without a change.
 */
import type { CarpState, HostStatus } from '../carp/types';
import type { DaemonCounters } from './counters';
import type { LoopLag } from './loop-monitor';
import type { MetricFamily, Sample } from './metrics-text';

export interface MetricSources {
  readonly counters: () => DaemonCounters;
  readonly status: () => HostStatus;
  /** net.inet.carp.demotion: FreeBSD's demotion, added to the advskew sent. */
  readonly demotion: () => number;
  readonly loopLag: () => LoopLag;
}

const STATES: readonly CarpState[] = ['INIT', 'BACKUP', 'MASTER'];

/** Descriptions of the counters; one without an entry is described by its field name. */
const HELP: Readonly<Record<string, string>> = {
  ipackets: 'CARP packets received over IPv4',
  ipackets6: 'CARP packets received over IPv6',
  badttl: 'advertisements dropped: TTL or hop limit not 255',
  badauth: 'advertisements dropped: incorrect hash',
  loop: 'advertisements dropped: our own (replay or network loop)',
  badpeer: 'advertisements dropped: unicast, not from the carppeer',
  wrongver: 'advertisements dropped: CARP for a carpver 3 (VRRPv3) vhid',
  badaddrs: 'VRRPv3 advertisements dropped: address list not ours',
  replay: 'advertisements dropped by net.inet.carp.strict_counter: counter seen before or too far from our clock',
  accepted: 'advertisements that passed every check',
  opackets: 'advertisements sent over IPv4',
  opackets6: 'advertisements sent over IPv6',
  oerrors: 'advertisements that could not be sent',
  bowOutsSent: 'bow-out advertisements sent',
  bowOutsReceived: 'bow-out advertisements received',
  toMaster: 'transitions to MASTER',
  toBackup: 'transitions to BACKUP',
  toInit: 'transitions to INIT',
  preempts: 'preemptions',
  hdrops: 'packets dropped: shorter than the CARP header',
  badsum: 'packets dropped: checksum failed',
  badver: 'packets dropped: CARP version not 2',
  badvhid: 'packets dropped: no running carp interface with this vhid',
  disallowed: 'packets dropped: net.inet.carp.allow is 0',
  framesIn: 'frames relayed from the carpdev into the carp interface',
  framesOut: 'frames relayed from the carp interface to the carpdev',
  droppedNotMaster: 'frames dropped: this host is not MASTER of their virtual host',
  droppedWriteFailed: 'frames dropped: queue full or write failed',
  advertisements: 'frames of IP protocol 112 handed to the protocol',
  malformed: 'frames or messages that could not be decoded',
  unclaimed: 'frames claimed by no carp interface',
  stale: 'frames discarded unread after the daemon stalled',
  ignored: 'rtnetlink messages of kinds not followed',
  overruns: 'rtnetlink receive buffer overruns (notifications lost)',
  resyncs: 'full rtnetlink dumps after the first',
};

export function daemonMetrics(sources: MetricSources): MetricFamily[] {
  const counters = sources.counters();
  const status = sources.status();
  const lag = sources.loopLag();
  const families = new FamilyBuilder();
  for (const iface of status.interfaces) {
    const ifname = iface.name;
    families.gauge('carp_interface_demote', 'OpenBSD demote count the interface advertises', { ifname }, iface.demote);
    families.gauge('carp_interface_link_up', 'carrier of the carp interface: 1 while a virtual host is MASTER', { ifname }, iface.linkUp ? 1 : 0);
    for (const node of iface.nodes) {
      const labels = { ifname, vhid: String(node.vhid) };
      for (const state of STATES) {
        families.gauge('carp_vhost_state', 'state of the virtual host: 1 for the state it is in', { ...labels, state }, node.state === state ? 1 : 0);
      }
      families.gauge('carp_vhost_advskew', 'advskew as configured', labels, node.advskew);
      families.gauge('carp_vhost_effective_advskew', 'advskew sent, with net.inet.carp.demotion added', labels, node.effectiveAdvskew);
    }
  }
  for (const iface of counters.interfaces) {
    for (const node of iface.nodes) families.counters('carp_vhost', { ifname: iface.name, vhid: String(node.vhid) }, node.stats);
    if (iface.dataPlane !== null) families.counters('carp_interface', { ifname: iface.name }, iface.dataPlane);
  }
  for (const carpdev of counters.carpdevs) {
    families.counters('carp_carpdev', { carpdev: carpdev.name }, carpdev.protocol);
    if (carpdev.dataPlane !== null) families.counters('carp_carpdev_frames', { carpdev: carpdev.name }, carpdev.dataPlane);
  }
  for (const group of status.groups) families.gauge('carp_group_demote', 'OpenBSD demotion counter of the interface group', { group: group.name }, group.demote);
  families.gauge('carp_demotion', 'net.inet.carp.demotion', {}, sources.demotion());
  families.gauge('carp_maintenance', 'maintenance mode: 1 while on', {}, status.maintenance ? 1 : 0);
  families.counters('carpd_netlink', {}, counters.kernel);
  families.gauge('carpd_event_loop_lag_seconds', 'how late the latest check of the event loop (every 250 ms) ran', {}, lag.lastMs / 1000);
  families.gauge('carpd_event_loop_lag_max_seconds', 'the latest any check of the event loop ran since the start', {}, lag.maxMs / 1000);
  families.counter('carpd_event_loop_stalls', 'event loop lags that made carpd act: longer than a master-down interval (queued frames discarded), or a third of a backup one while MASTER (demotion)', {}, lag.stalls);
  return families.all();
}

/** Families in the order their first sample came, each family's samples together. */
class FamilyBuilder {
  private readonly families = new Map<string, { type: MetricFamily['type']; help: string; samples: Sample[] }>();

  gauge(name: string, help: string, labels: Record<string, string>, value: number): void {
    this.add(name, 'gauge', help, labels, value);
  }

  counter(name: string, help: string, labels: Record<string, string>, value: number): void {
    this.add(name, 'counter', help, labels, value);
  }

  /** One counter family per field: `${prefix}_${field in snake case}`. */
  counters(prefix: string, labels: Record<string, string>, fields: object): void {
    for (const [field, value] of Object.entries(fields)) {
      if (typeof value === 'number') this.counter(`${prefix}_${snakeCase(field)}`, HELP[field] ?? field, labels, value);
    }
  }

  all(): MetricFamily[] {
    return [...this.families].map(([name, family]) => ({ name, ...family }));
  }

  private add(name: string, type: MetricFamily['type'], help: string, labels: Record<string, string>, value: number): void {
    let family = this.families.get(name);
    if (family === undefined) {
      family = { type, help, samples: [] };
      this.families.set(name, family);
    }
    family.samples.push({ labels, value });
  }
}

function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
