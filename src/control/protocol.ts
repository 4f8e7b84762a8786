/**
 * The control protocol between carpctl and carpd: one JSON object per line each way, every message
 * carrying `version`. A request is `{version, type, ...fields}`; a response is
 * `{version, ok: true, result}` or `{version, ok: false, error: {code, message}}`.
 *
 * Results are objects (never bare arrays) so that a later version can add fields without breaking
 * older readers. The passphrase travels only in `create`/`configure` settings, as text; nothing
 * in a result carries it (`interfaceStatusDto` builds the status field by field). codec.ts turns
 * these types into lines and validates what arrives.
 */
import type { BalancingMode } from '../balance/modes';
import { MAINTENANCE_DEMOTION } from '../carp/demotion';
import { TRANSITION_REASONS } from '../carp/types';
import type {
  CarpState,
  CarpdevStats,
  DemotionReason,
  InterfaceStatus,
  Millis,
  NodeStats,
  NodeStatus,
  TransitionReason,
} from '../carp/types';
import { type Family, type IpPrefix, formatIp, formatMac } from '../wire/address';
import type { ResolvedInterfaceSettings, SysctlAssignment } from '../config/settings';
import type { MirrorCounters } from '../kernel/types';
import type { CarpdevCounters, RelayCounters } from '../relay/counters';

export const CONTROL_PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Requests.

export type Request =
  /** One interface, or every interface when ifname is null. */
  | { readonly type: 'show'; readonly ifname: string | null }
  | { readonly type: 'create'; readonly ifname: string; readonly settings: ResolvedInterfaceSettings }
  | { readonly type: 'destroy'; readonly ifname: string }
  | { readonly type: 'configure'; readonly ifname: string; readonly settings: ResolvedInterfaceSettings }
  /** carpdemote N is +N, -carpdemote N is -N. */
  | { readonly type: 'group-demote'; readonly group: string; readonly delta: number }
  | { readonly type: 'group-show'; readonly group: string }
  /** Every knob when names is empty. */
  | { readonly type: 'sysctl-get'; readonly names: readonly string[] }
  /** Every counter of the daemon. */
  | { readonly type: 'counters' }
  | { readonly type: 'sysctl-set'; readonly assignments: readonly SysctlAssignment[] }
  /** Why each virtual host of carpN is in its state (carpctl carpN explain). */
  | { readonly type: 'explain'; readonly ifname: string }
  /**
   * Turns the connection into a stream: after the answer, carpd sends one event line
   * (`{version, event}`) per state or demotion change and per carpN created or destroyed, until
   * the client closes it.
   */
  | { readonly type: 'monitor' }
  | { readonly type: 'maintenance-get' }
  /** Kept across restarts and reboots (the state directory). */
  | { readonly type: 'maintenance-set'; readonly on: boolean }
  /** Re-reads the configuration directory, as SIGHUP does. */
  | { readonly type: 'reload' };

export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { readonly type: T }>;

// ---------------------------------------------------------------------------------------------
// Results.

/** For commands that change something: notes the daemon wants the administrator to see. */
export interface WarningsResult {
  readonly warnings: readonly string[];
}

export interface ShowResult {
  readonly interfaces: readonly InterfaceStatusDto[];
  readonly maintenance: MaintenanceDto;
}

/** Maintenance mode, host-wide: whether it is on, and the demotion it adds (0 when off). */
export interface MaintenanceDto {
  readonly on: boolean;
  readonly demotion: number;
}

export interface MaintenanceResult {
  readonly maintenance: MaintenanceDto;
}

export function maintenanceDto(on: boolean): MaintenanceDto {
  return { on, demotion: on ? MAINTENANCE_DEMOTION : 0 };
}

export interface GroupShowResult {
  readonly group: string;
  readonly demote: number;
}

export interface SysctlGetResult {
  /** [name, value] in the catalog's order. */
  readonly values: readonly (readonly [string, string])[];
}

export interface SysctlChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export interface SysctlSetResult {
  readonly changes: readonly SysctlChange[];
}

export interface CountersResult {
  readonly counters: DaemonCountersDto;
}

export interface MonitorResult {
  readonly monitoring: true;
}

export interface ExplainResult {
  readonly explanation: ExplanationDto;
}

export interface ResultMap {
  show: ShowResult;
  create: WarningsResult;
  destroy: WarningsResult;
  configure: WarningsResult;
  'group-demote': WarningsResult;
  'group-show': GroupShowResult;
  'sysctl-get': SysctlGetResult;
  'sysctl-set': SysctlSetResult;
  counters: CountersResult;
  explain: ExplainResult;
  monitor: MonitorResult;
  'maintenance-get': MaintenanceResult;
  'maintenance-set': MaintenanceResult;
  reload: WarningsResult;
}

export type ResultFor<T extends RequestType> = ResultMap[T];
export type Result = ResultMap[RequestType];

/**
 * What carpd implements. A thrown error with string `code` and `message` (CarpError, ConfigError)
 * becomes an error response with those; anything else becomes code `internal`.
 */
export type ControlHandler = (request: Request, stream: EventStream) => Promise<Result>;

/**
 * The connection a request arrived on, as a `monitor` request uses it: events pushed here go out
 * after the request's answer, one line each, until the connection closes.
 */
export interface EventStream {
  push(event: MonitorEventDto): void;
  /** Runs once when the connection is gone (the client left, or carpd closes the socket). */
  onClose(listener: () => void): void;
}

export interface ErrorDto {
  readonly code: string;
  readonly message: string;
}

export type Response =
  | { readonly version: number; readonly ok: true; readonly result: Result }
  | { readonly version: number; readonly ok: false; readonly error: ErrorDto };

/**
 * Error codes of the protocol layer itself (handler errors carry their own codes). `busy` answers a
 * connection the server has no room for, before it reads a request.
 */
export type ProtocolErrorCode = 'bad-request' | 'unsupported-version' | 'line-too-long' | 'internal' | 'bad-response' | 'busy';

export const BUSY: ProtocolErrorCode = 'busy';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Status DTOs: plain JSON, addresses and MACs as strings, never the key.

export interface AddressDto {
  readonly family: Family;
  readonly address: string;
  readonly prefixLength: number;
}

export interface TransitionDto {
  readonly reason: TransitionReason;
  /** The reason as a sentence (TRANSITION_REASONS). */
  readonly text: string;
  readonly secondsAgo: number;
}

/** The master a BACKUP follows: the last authenticated advertiser it heard. */
export interface MasterDto {
  readonly source: string;
  readonly advbase: number;
  readonly advskew: number;
  readonly demote: number;
  readonly secondsAgo: number;
}

export interface NodeStatusDto {
  readonly vhid: number;
  readonly advskew: number;
  /** advskew on the wire, FreeBSD-style demotion included. */
  readonly effectiveAdvskew: number;
  /** carpver 3: the priority sent (demotion subtracted) and the master's interval a backup times out with. */
  readonly vrrp: { readonly priority: number; readonly masterInterval: number } | null;
  readonly state: CarpState;
  readonly lastTransition: TransitionDto | null;
  readonly master: MasterDto | null;
  readonly stats: NodeStats;
}

export interface InterfaceStatusDto {
  readonly name: string;
  /** carpN's MAC, or null while the kernel has no such link. */
  readonly mac: string | null;
  readonly mtu: number;
  /** IFF_UP of carpN. */
  readonly adminUp: boolean;
  /** Some virtual host is not INIT (ifconfig's RUNNING). */
  readonly running: boolean;
  /** Carrier: some virtual host is MASTER. */
  readonly linkUp: boolean;
  readonly carpdev: string | null;
  readonly advbase: number;
  /** The balancing mode in force: always none with one carpnode, never none with several. */
  readonly balancing: BalancingMode;
  /** Including "carp". */
  readonly groups: readonly string[];
  /** `carppeer`: where advertisements go instead of the groups, at most one per family, IPv4 first. */
  readonly carppeers: readonly string[];
  /** The OpenBSD demote count sent in byte 4. */
  readonly demote: number;
  /** `garp-refresh SECONDS`: the period of the MASTER's announcement rounds; 0: off. */
  readonly garpRefresh: number;
  /** The protocol of the vhid: 2 is CARP, 3 is VRRPv3 (RFC 5798). */
  readonly carpver: 2 | 3;
  /** carpver 3: `vrrpprio` and `vrrpinterval` (centiseconds) as configured; null with carpver 2. */
  readonly vrrp: { readonly priority: number; readonly interval: number } | null;
  readonly addresses: readonly AddressDto[];
  readonly nodes: readonly NodeStatusDto[];
  /** Counters of the carpdev (shared by the carp interfaces on it), or null without a carpdev. */
  readonly carpdevStats: CarpdevStatsDto | null;
  /** Frames relayed between carpN and its carpdev, or null while carpN has no relay port. */
  readonly dataPlane: RelayCounters | null;
  /** Only while its carpN.conf waits for this carpdev, which does not exist yet. */
  readonly waitingForCarpdev?: string;
}

export interface CarpdevStatsDto extends CarpdevStats {
  /** Frames of IP protocol 112 that were not well-formed IP packets (dropped before the CARP header). */
  readonly malformed: number;
  /** Frames the kernel filter passed that no carp interface claimed. */
  readonly unclaimed: number;
  /** Frames discarded unread after the daemon stalled (src/relay/counters.ts). */
  readonly stale: number;
}

/** What the daemon knows besides the core's status: the kernel's view of carpN and the clock. */
export interface InterfaceDtoSources {
  readonly status: InterfaceStatus;
  readonly now: Millis;
  readonly mac: Buffer | null;
  readonly mtu: number;
  /** carpN's addresses with prefix lengths (the kernel mirror), in kernel order. */
  readonly addresses: readonly IpPrefix[];
  readonly carpdevStats: Readonly<CarpdevStatsDto> | null;
  readonly dataPlane: Readonly<RelayCounters> | null;
  /** The carpdev its carpN.conf names and waits for, as it does not exist yet. */
  readonly waitingForCarpdev?: string | null;
}

const CARP_GROUP = 'carp';

function secondsSince(now: Millis, then: Millis): number {
  return Math.max(0, Math.floor((now - then) / 1000));
}

/** Picks field by field, so that the key in `status.config` can never reach the socket. */
export function interfaceStatusDto(sources: InterfaceDtoSources): InterfaceStatusDto {
  const { status, now } = sources;
  return {
    name: status.name,
    mac: sources.mac === null ? null : formatMac(sources.mac),
    mtu: sources.mtu,
    adminUp: status.adminUp,
    running: status.nodes.some((n) => n.state !== 'INIT'),
    linkUp: status.linkUp,
    carpdev: status.config.carpdev,
    advbase: status.config.advbase,
    balancing: status.balancing,
    groups: [CARP_GROUP, ...status.config.groups.filter((g) => g !== CARP_GROUP)],
    carppeers: status.config.peers.map(formatIp),
    demote: status.demote,
    garpRefresh: status.config.garpRefresh,
    carpver: status.config.vrrp === null ? 2 : 3,
    vrrp: status.config.vrrp === null ? null : { priority: status.config.vrrp.priority, interval: status.config.vrrp.intervalCentiseconds },
    addresses: sources.addresses.map((p) => ({
      family: p.address.family,
      address: formatIp(p.address),
      prefixLength: p.prefixLength,
    })),
    nodes: status.nodes.map((node) => nodeStatusDto(node, now)),
    carpdevStats: sources.carpdevStats === null ? null : { ...sources.carpdevStats },
    dataPlane: sources.dataPlane === null ? null : { ...sources.dataPlane },
    ...(typeof sources.waitingForCarpdev === 'string' ? { waitingForCarpdev: sources.waitingForCarpdev } : {}),
  };
}

export function transitionDto(transition: NodeStatus['lastTransition'], now: Millis): TransitionDto | null {
  if (transition === null) return null;
  return { reason: transition.reason, text: TRANSITION_REASONS[transition.reason], secondsAgo: secondsSince(now, transition.at) };
}

function nodeStatusDto(node: NodeStatus, now: Millis): NodeStatusDto {
  const transition = node.lastTransition;
  // Only a BACKUP has a master to show; a MASTER's last peer is stale news from its BACKUP days.
  const peer = node.state === 'BACKUP' ? node.peers[0] : undefined;
  return {
    vhid: node.vhid,
    advskew: node.advskew,
    effectiveAdvskew: node.effectiveAdvskew,
    vrrp: node.vrrp === null ? null : { ...node.vrrp },
    state: node.state,
    lastTransition: transitionDto(transition, now),
    master:
      peer === undefined
        ? null
        : {
            source: formatIp(peer.source),
            advbase: peer.advbase,
            advskew: peer.advskew,
            demote: peer.demote,
            secondsAgo: secondsSince(now, peer.lastSeen),
          },
    stats: { ...node.stats },
  };
}

// ---------------------------------------------------------------------------------------------
// Counters: every counter of the daemon, by owner (src/daemon/counters.ts gathers them).

export interface InterfaceCountersDto {
  readonly name: string;
  readonly nodes: readonly { readonly vhid: number; readonly stats: NodeStats }[];
  /** null while carpN has no relay port. */
  readonly dataPlane: RelayCounters | null;
}

export interface CarpdevCountersDto {
  readonly name: string;
  /** Advertisements dropped before a vhid matched (the core). */
  readonly protocol: CarpdevStats;
  /** null while no packet socket is open on it. */
  readonly dataPlane: CarpdevCounters | null;
}

export interface DaemonCountersDto {
  readonly interfaces: readonly InterfaceCountersDto[];
  readonly carpdevs: readonly CarpdevCountersDto[];
  /** The rtnetlink mirror of links and addresses. */
  readonly kernel: MirrorCounters;
}

// ---------------------------------------------------------------------------------------------
// Events of a monitor connection: one line `{version, event}` each.

export interface StateEventDto {
  readonly kind: 'state';
  /** Wall-clock time of the change, ISO 8601 UTC. */
  readonly time: string;
  readonly ifname: string;
  readonly vhid: number;
  readonly from: CarpState;
  readonly to: CarpState;
  readonly reason: TransitionReason;
  /** The reason as a sentence (TRANSITION_REASONS). */
  readonly text: string;
}

export interface DemotionEventDto {
  readonly kind: 'demotion';
  readonly time: string;
  /** The interface group, or null for net.inet.carp.demotion. */
  readonly group: string | null;
  readonly from: number;
  readonly to: number;
  readonly reason: DemotionReason;
  readonly text: string;
}

/** carpN came or went: created by a command, destroyed by one, or deleted outside carpd (vanished). */
export interface InterfaceEventDto {
  readonly kind: 'interface';
  readonly time: string;
  readonly ifname: string;
  readonly change: 'created' | 'destroyed' | 'vanished';
}

export type MonitorEventDto = StateEventDto | DemotionEventDto | InterfaceEventDto;

// ---------------------------------------------------------------------------------------------
// Explanation: why each virtual host of an interface is in its state (src/daemon/explain.ts).

export interface PeerDto {
  readonly source: string;
  readonly advbase: number;
  readonly advskew: number;
  readonly demote: number;
  readonly secondsAgo: number;
}

export interface NodeExplanationDto {
  readonly vhid: number;
  readonly state: CarpState;
  readonly advskew: number;
  /** advskew on the wire, FreeBSD-style demotion included. */
  readonly effectiveAdvskew: number;
  readonly lastTransition: TransitionDto | null;
  /** Each peer heard on this vhid, newest first (the core keeps the last few). */
  readonly peers: readonly PeerDto[];
  /** What runs next: the next advertisement (MASTER) or master-down (BACKUP); null in INIT. */
  readonly timer: { readonly kind: 'advertise' | 'master-down'; readonly secondsLeft: number } | null;
  /** The rule that keeps the node in its state, as a sentence. */
  readonly rule: string;
}

export interface ExplanationDto {
  readonly name: string;
  readonly advbase: number;
  /** The OpenBSD demote count sent in byte 4. */
  readonly demote: number;
  /** net.inet.carp.preempt. */
  readonly preempt: boolean;
  readonly nodes: readonly NodeExplanationDto[];
}
