/**
 * What one carp host of the balancing case did with the frames: how many bytes it wrote into
 * carp0 (its share of the client's data), and the relay's own counts of frames taken, dropped by
 * the hash (another host's share, read and thrown away) and sent, plus drops at its packet socket
 * and the state changes of its nodes.
 */
import type { CarpLab } from '../test/netns/carp-lab';
import type { NodeStats } from '../src/carp/types';
import type { RelayCounters } from '../src/relay/counters';
import { packetSocketDrops } from './host-counters';

export interface BalancingHostCounters {
  /** Bytes of the frames the relay wrote into carp0 (carp0's rx bytes). */
  readonly carpBytesIn: number;
  /** Frames from the carpdev written into carp0. */
  readonly framesIn: number;
  /** Frames from the carpdev that the IP hash gave to a node this host is not MASTER of. */
  readonly droppedByHash: number;
  /** Frames from carp0 sent on the carpdev. */
  readonly framesOut: number;
  /** Frames the kernel dropped because the relay's packet socket was full (0 while it has none). */
  readonly relayInputDrops: number;
  /** State changes of carp0's nodes: any during a run means a takeover broke the layout. */
  readonly transitions: number;
}

interface InterfaceCounters {
  readonly name: string;
  readonly nodes: readonly { readonly stats: NodeStats }[];
  readonly dataPlane: RelayCounters | null;
}

interface CountersAnswer {
  readonly counters?: { readonly interfaces?: readonly InterfaceCounters[] };
}

export async function readBalancingCounters(lab: CarpLab, host: string): Promise<BalancingHostCounters> {
  const [link, sockets, answer] = await Promise.all([
    lab.net.exec(host, 'ip', ['-s', '-j', 'link', 'show', 'carp0']),
    lab.net.exec(host, 'ss', ['-H', '-0', '-a', '-m']),
    lab.ctl(host, '-j', 'stats'),
  ]);
  const carp0 = carp0CountersOf(answer);
  const relay = carp0.dataPlane;
  if (!relay) throw new Error(`${host}: carpctl stats shows no relay counters for carp0`);
  return {
    carpBytesIn: rxBytesOf(link.stdout),
    framesIn: relay.framesIn,
    droppedByHash: relay.droppedNotMaster,
    framesOut: relay.framesOut,
    relayInputDrops: packetSocketDrops(sockets.stdout).reduce((sum, n) => sum + n, 0),
    transitions: carp0.nodes.reduce((sum, { stats }) => sum + stats.toMaster + stats.toBackup + stats.toInit, 0),
  };
}

/** The counters from `before` to `after`. */
export function countersBetween(before: BalancingHostCounters, after: BalancingHostCounters): BalancingHostCounters {
  return {
    carpBytesIn: after.carpBytesIn - before.carpBytesIn,
    framesIn: after.framesIn - before.framesIn,
    droppedByHash: after.droppedByHash - before.droppedByHash,
    framesOut: after.framesOut - before.framesOut,
    relayInputDrops: after.relayInputDrops - before.relayInputDrops,
    transitions: after.transitions - before.transitions,
  };
}

function rxBytesOf(ipJson: string): number {
  const [link] = JSON.parse(ipJson) as { stats64?: { rx?: { bytes?: number } } }[];
  const bytes = link?.stats64?.rx?.bytes;
  if (typeof bytes !== 'number') throw new Error(`no byte counters for carp0 in: ${ipJson}`);
  return bytes;
}

function carp0CountersOf(json: string): InterfaceCounters {
  const answer = JSON.parse(json) as CountersAnswer;
  const carp0 = answer.counters?.interfaces?.find((i) => i.name === 'carp0');
  if (!carp0) throw new Error(`carpctl stats shows no carp0: ${json.slice(0, 300)}`);
  return carp0;
}
