/**
 * One VRRPv3 router (RFC 5798) on a CarpLab host, carpd (`carpver 3`) or keepalived, behind one
 * interface so that an interop test runs the same steps with either side in either role.
 */
import { type CarpLab, SUBNET4 } from './carp-lab';
import { Keepalived, type VrrpState } from './keepalived';

export interface VrrpGroup {
  readonly vrid: number;
  readonly priority: number;
  /** Advertisement interval in centiseconds (vrrpinterval; keepalived's advert_int * 100). */
  readonly intervalCs: number;
  /** The virtual address, IPv4 or IPv6; the group is of that family. */
  readonly vip: string;
  /** Advertise unicast to this address instead of the group (carppeer; keepalived's unicast_peer). */
  readonly peer?: string;
}

export interface VrrpRouter {
  /** "carpd on h1", for messages. */
  readonly name: string;
  readonly host: string;
  state(): Promise<VrrpState>;
  /** SIGTERM: an orderly stop, which sends priority 0 (RFC 5798 6.4.3); SIGKILL: a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** What it logged, for a failing test's message. */
  readonly log: string;
}

const prefixOf = (vip: string): number => (vip.includes(':') ? 64 : 24);

/** The words that make a VRRPv3 vhid (carpctl(8), carp.conf(5)). */
export function carpdVrrpWords(group: Omit<VrrpGroup, 'vip'>): string {
  const peer = group.peer === undefined ? '' : ` carppeer ${group.peer}`;
  return `vhid ${group.vrid} carpver 3 vrrpprio ${group.priority} vrrpinterval ${group.intervalCs} carpdev eth0${peer}`;
}

// vrrp: MASTER vrid 7 prio 200 interval 100
const STATUS_LINE = /\bvrrp: (\S+) vrid \d+ prio \d+ interval \d+/;

/** The state of a carpd VRRPv3 vhid, from carpctl's status line. */
export async function carpdVrrpState(lab: CarpLab, host: string, ifname = 'carp0'): Promise<VrrpState> {
  const { code, stdout } = await lab.carpctl(host, ifname);
  return code === 0 ? ((STATUS_LINE.exec(stdout)?.[1] ?? 'INIT') as VrrpState) : 'INIT';
}

/**
 * carpd on `host` with no carp interface: one that an earlier carpd on the host left behind (it
 * keeps its carpN across a restart) is destroyed. `sysctl.conf` is carpd's.
 */
export async function startCleanCarpd(lab: CarpLab, host: string, sysctl = ''): Promise<void> {
  await lab.startDaemon(host, { config: { 'sysctl.conf': sysctl } });
  const { interfaces } = JSON.parse(await lab.ctl(host, '-j')) as { interfaces: { name: string }[] };
  for (const { name } of interfaces) await lab.ctl(host, name, 'destroy');
}

/**
 * carpd with one VRRPv3 vhid on carp0, with net.inet.carp.preempt=1 for a higher priority to take
 * over from a running master, as keepalived does by default.
 */
export async function startCarpdVrrp(lab: CarpLab, host: string, group: VrrpGroup): Promise<VrrpRouter> {
  await startCleanCarpd(lab, host, 'net.inet.carp.preempt=1\n');
  await lab.configureCarp(host, carpdVrrpWords(group), [`${group.vip}/${prefixOf(group.vip)}`]);
  return {
    name: `carpd on ${host}`,
    host,
    state: () => carpdVrrpState(lab, host),
    stop: async (signal = 'SIGTERM') => void (await lab.stopDaemon(host, signal)),
    get log() {
      return lab.logOf(host);
    },
  };
}

export interface KeepalivedRouter extends VrrpRouter {
  /** How many state changes keepalived has logged so far. */
  readonly transitions: number;
}

/** keepalived with one VRRPv3 instance "VI" on eth0, preempting (its default). */
export async function startKeepalivedVrrp(lab: CarpLab, host: string, group: VrrpGroup): Promise<KeepalivedRouter> {
  const daemon = await Keepalived.start(lab, host, [
    {
      name: 'VI',
      version: 3,
      vrid: group.vrid,
      priority: group.priority,
      vip: group.vip,
      advertInt: group.intervalCs / 100,
      ...(group.peer === undefined ? {} : { unicastPeer: group.peer }),
    },
  ]);
  return {
    name: `keepalived on ${host}`,
    host,
    state: () => Promise.resolve(daemon.running ? daemon.state('VI') : 'INIT'),
    stop: (signal = 'SIGTERM') => daemon.stop(signal),
    get log() {
      return daemon.log;
    },
    get transitions() {
      return daemon.transitions;
    },
  };
}

/** The address a lab host advertises VRRP from: its IPv4 address, or its IPv6 link-local one (RFC 5798 5.1.2.1). */
export async function advertisingSource(lab: CarpLab, host: string, family: 4 | 6): Promise<string> {
  if (family === 4) return `${SUBNET4}.${lab.hosts.indexOf(host) + 1}`;
  const { stdout } = await lab.net.exec(host, 'ip', ['-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
  // iproute2 leaves an empty object in addr_info for each address the scope filter drops.
  const [link] = JSON.parse(stdout) as { addr_info: { local?: string }[] }[];
  const local = link?.addr_info.find((address) => address.local !== undefined)?.local;
  if (local === undefined) throw new Error(`${host}: no IPv6 link-local address on eth0`);
  return local;
}
