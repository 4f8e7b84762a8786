/**
 * Kernel counters of the carp host that say where frames went: through carp0 (so through the
 * relay), dropped at the relay's input, or dropped at the receiving application's UDP socket.
 */
import type { NetnsLab } from '../test/helpers/netns';

export interface HostCounters {
  /**
   * Frames carp0 received (the relay wrote them) plus sent (the relay read them), plus those the
   * in-kernel data path redirected between eth0 and carp0 (its tc filters count them; carp0's
   * own counters do not).
   */
  readonly carpFrames: number;
  /** Frames the kernel dropped because the relay's packet socket was full. */
  readonly relayInputDrops: number;
  /** UDP datagrams dropped because a receiving socket was full (Udp RcvbufErrors). */
  readonly udpReceiveBufferDrops: number;
}

export async function readHostCounters(net: NetnsLab, host: string): Promise<HostCounters> {
  const [link, sockets, snmp, redirectedIn, redirectedOut] = await Promise.all([
    net.exec(host, 'ip', ['-s', '-j', 'link', 'show', 'carp0']),
    net.exec(host, 'ss', ['-H', '-0', '-a', '-m']),
    net.exec(host, 'cat', ['/proc/net/snmp']),
    net.exec(host, 'tc', ['-s', '-j', 'filter', 'show', 'dev', 'eth0', 'ingress']),
    net.exec(host, 'tc', ['-s', '-j', 'filter', 'show', 'dev', 'carp0', 'egress']),
  ]);
  return {
    carpFrames: carpFramesOf(link.stdout) + redirectedPackets(redirectedIn.stdout) + redirectedPackets(redirectedOut.stdout),
    relayInputDrops: packetSocketDropsOf(sockets.stdout),
    udpReceiveBufferDrops: snmpCounter(snmp.stdout, 'Udp', 'RcvbufErrors'),
  };
}

function carpFramesOf(ipJson: string): number {
  const [link] = JSON.parse(ipJson) as { stats64?: { rx?: { packets?: number }; tx?: { packets?: number } } }[];
  const rx = link?.stats64?.rx?.packets;
  const tx = link?.stats64?.tx?.packets;
  if (typeof rx !== 'number' || typeof tx !== 'number') throw new Error(`no packet counters for carp0 in: ${ipJson}`);
  return rx + tx;
}

/** Packets the mirred redirects in `tc -s -j filter show` output took. */
export function redirectedPackets(tcJson: string): number {
  if (tcJson.trim() === '') return 0;
  const filters = JSON.parse(tcJson) as { options?: { actions?: { kind?: string; stats?: { packets?: number } }[] } }[];
  return filters
    .flatMap((f) => f.options?.actions ?? [])
    .filter((a) => a.kind === 'mirred')
    .reduce((sum, a) => sum + (a.stats?.packets ?? 0), 0);
}

/** `d<N>` (sk_drops) of the packet sockets' skmem in `ss -0 -m`; the daemon's is the only one. */
function packetSocketDropsOf(ssOutput: string): number {
  const counts = packetSocketDrops(ssOutput);
  if (counts.length === 0) throw new Error(`no packet socket in: ${ssOutput}`);
  return counts.reduce((sum, n) => sum + n, 0);
}

/** `d<N>` of each packet socket in `ss -H -0 -a -m` output. */
export function packetSocketDrops(ssOutput: string): number[] {
  return [...ssOutput.matchAll(/skmem:\([^)]*\bd(\d+)\)/g)].map((match) => Number(match[1]));
}

/** /proc/net/snmp pairs a line of names with a line of values under the same prefix. */
function snmpCounter(snmp: string, group: string, name: string): number {
  const [names, values] = snmp.split('\n').filter((line) => line.startsWith(`${group}: `)).map((line) => line.split(/\s+/));
  const index = names?.indexOf(name) ?? -1;
  const value = index < 0 ? undefined : values?.[index];
  if (value === undefined) throw new Error(`no ${group} ${name} in /proc/net/snmp`);
  return Number(value);
}
