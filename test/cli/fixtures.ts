/** Status DTOs of a MASTER, a BACKUP and an INIT carp interface, as a daemon would send them. */
import { zeroCarpdevStats, zeroNodeStats } from '../../src/carp/stats';
import type { NodeStats } from '../../src/carp/types';
import type { CarpdevStatsDto, DaemonCountersDto, InterfaceStatusDto, NodeStatusDto } from '../../src/control/protocol';

export function nodeStats(overrides: Partial<NodeStats> = {}): NodeStats {
  return { ...zeroNodeStats(), ...overrides };
}

export function carpdevStats(overrides: Partial<CarpdevStatsDto> = {}): CarpdevStatsDto {
  return { ...zeroCarpdevStats(), malformed: 0, unclaimed: 0, stale: 0, ...overrides };
}

export function node(overrides: Partial<NodeStatusDto> = {}): NodeStatusDto {
  return {
    vhid: 1,
    advskew: 0,
    effectiveAdvskew: 0,
    vrrp: null,
    state: 'MASTER',
    lastTransition: { reason: 'master-down', text: 'master down timer expired', secondsAgo: 42 },
    master: null,
    stats: nodeStats(),
    ...overrides,
  };
}

export const MASTER: InterfaceStatusDto = {
  name: 'carp0',
  mac: '00:00:5e:00:01:01',
  mtu: 1500,
  adminUp: true,
  running: true,
  linkUp: true,
  carpdev: 'eth0',
  advbase: 1,
  balancing: 'none',
  groups: ['carp'],
  carppeers: [],
  demote: 0,
  garpRefresh: 0,
  carpver: 2,
  vrrp: null,
  addresses: [
    { family: 4, address: '192.0.2.10', prefixLength: 24 },
    { family: 6, address: '2001:db8::10', prefixLength: 64 },
  ],
  nodes: [
    node({
      stats: nodeStats({ ipackets: 12, accepted: 10, badauth: 2, opackets: 3600, opackets6: 3600, toMaster: 1, toBackup: 1, preempts: 1 }),
    }),
  ],
  carpdevStats: carpdevStats({ ipackets: 12, badvhid: 5, badver: 1, malformed: 2 }),
  dataPlane: { framesIn: 5000, framesOut: 4800, droppedNotMaster: 7, droppedWriteFailed: 0 },
};

export const BACKUP: InterfaceStatusDto = {
  name: 'carp1',
  mac: '00:00:5e:00:01:02',
  mtu: 1500,
  adminUp: true,
  running: true,
  linkUp: false,
  carpdev: 'eth1',
  advbase: 2,
  balancing: 'none',
  groups: ['carp', 'uplink'],
  carppeers: [],
  demote: 1,
  garpRefresh: 0,
  carpver: 2,
  vrrp: null,
  addresses: [
    { family: 4, address: '198.51.100.7', prefixLength: 32 },
    { family: 6, address: 'fe80::1', prefixLength: 64 },
  ],
  nodes: [
    node({
      vhid: 2,
      advskew: 100,
      effectiveAdvskew: 100,
      state: 'BACKUP',
      master: { source: '198.51.100.1', advbase: 2, advskew: 0, demote: 0, secondsAgo: 1 },
    }),
  ],
  carpdevStats: carpdevStats(),
  dataPlane: { framesIn: 0, framesOut: 0, droppedNotMaster: 3, droppedWriteFailed: 0 },
};

/** OpenBSD's load-balancing example: carpnodes 1:0,2:100 balancing ip, MASTER of the first node. */
export const BALANCED: InterfaceStatusDto = {
  ...MASTER,
  name: 'carp3',
  mac: '01:00:5e:00:01:01',
  balancing: 'ip',
  addresses: [{ family: 4, address: '192.168.1.10', prefixLength: 24 }],
  nodes: [node({ vhid: 1 }), node({ vhid: 2, advskew: 100, effectiveAdvskew: 100, state: 'BACKUP' })],
};

/** Just created: down, no vhid, no carpdev, not yet in the kernel. */
export const INIT: InterfaceStatusDto = {
  name: 'carp2',
  mac: null,
  mtu: 1500,
  adminUp: false,
  running: false,
  linkUp: false,
  carpdev: null,
  advbase: 1,
  balancing: 'none',
  groups: ['carp'],
  carppeers: [],
  demote: 0,
  garpRefresh: 0,
  carpver: 2,
  vrrp: null,
  addresses: [],
  nodes: [],
  carpdevStats: null,
  dataPlane: null,
};

/** What `carpctl stats` receives: one interface with one node, its carpdev, the mirror. */
export const COUNTERS: DaemonCountersDto = {
  interfaces: [
    {
      name: 'carp0',
      nodes: [{ vhid: 1, stats: nodeStats({ ipackets: 12, opackets: 30 }) }],
      dataPlane: { framesIn: 5, framesOut: 4, droppedNotMaster: 1, droppedWriteFailed: 0 },
    },
  ],
  carpdevs: [
    {
      name: 'eth0',
      protocol: { ...zeroCarpdevStats(), ipackets: 12, badvhid: 2 },
      dataPlane: { advertisements: 14, malformed: 3, unclaimed: 1, stale: 0 },
    },
  ],
  kernel: { malformed: 0, ignored: 7, overruns: 1, resyncs: 1 },
};
