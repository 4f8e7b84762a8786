/**
 * Every counter the daemon has, gathered in one place from their owners: the core (CARP packets
 * per virtual host and per carpdev, OpenBSD's carpstats), the relay (frames per carp interface and
 * per carpdev) and the kernel mirror (rtnetlink messages). `carpctl stats` reads this; so will
 * the metrics endpoint.
 */
import { zeroCarpdevStats } from '../carp/stats';
import type { CarpHostApi } from '../carp/types';
import type { DaemonCountersDto } from '../control/protocol';
import type { MirrorCounters } from '../kernel/types';
import type { RelayCounterSnapshot } from '../relay/relay';

export type { DaemonCountersDto as DaemonCounters } from '../control/protocol';

export interface CounterSources {
  readonly host: CarpHostApi;
  readonly relay: { counters(): RelayCounterSnapshot };
  readonly mirror: { readonly counters: Readonly<MirrorCounters> };
}

export function collectCounters(sources: CounterSources): DaemonCountersDto {
  const status = sources.host.status();
  const relay = sources.relay.counters();
  // The core knows every link the kernel reported; a carpdev is one that a carp interface uses,
  // that has a packet socket open, or that has counted something.
  const inUse = new Set(status.interfaces.map((i) => i.config.carpdev));
  const counted = status.carpdevs.filter((d) => inUse.has(d.name) || Object.values(d.stats).some((n) => n > 0));
  const carpdevNames = [...new Set([...counted.map((d) => d.name), ...relay.carpdevs.keys()])].sort();
  return {
    interfaces: status.interfaces.map((iface) => ({
      name: iface.name,
      nodes: iface.nodes.map((node) => ({ vhid: node.vhid, stats: node.stats })),
      dataPlane: relay.interfaces.get(iface.name) ?? null,
    })),
    carpdevs: carpdevNames.map((name) => ({
      name,
      protocol: status.carpdevs.find((d) => d.name === name)?.stats ?? zeroCarpdevStats(),
      dataPlane: relay.carpdevs.get(name) ?? null,
    })),
    kernel: { ...sources.mirror.counters },
  };
}

