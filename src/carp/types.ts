/**
 * The public surface of the pure CARP core: what goes in (configuration, events with a monotonic
 * `now`), what comes out (actions), and what can be read back (status). The core never reads a
 * clock, arms a timer or touches a socket (docs/design.md, "sans-I/O").
 */
import type { BalancingMode } from '../balance/modes';
import type { Family, IpAddress, MacAddress } from '../wire/address';
import type { CarpKey } from '../wire/hmac';

/** Milliseconds of a monotonic clock. advskew/256 s = 3.90625 ms is exact in a double. */
export type Millis = number;

export type CarpState = 'INIT' | 'BACKUP' | 'MASTER';

/** One virtual host of a carp interface (an OpenBSD carpnode): its own vhid, advskew and state. */
export interface CarpNodeConfig {
  readonly vhid: number;
  readonly advskew: number;
}

/**
 * `carpver 3` (FreeBSD): the vhid speaks VRRPv3 (RFC 5798) instead of CARP, with these values
 * (docs/protocol.md §8.4). The priority as configured (1-254; 255 is the address owner, which we never
 * are) and the advertisement interval in centiseconds (1-4095).
 */
export interface VrrpConfig {
  readonly priority: number;
  readonly intervalCentiseconds: number;
}

/** What an administrator sets on carpN with ifconfig-like words. Addresses come from the kernel. */
export interface CarpInterfaceConfig {
  /** The parent interface ("carpdev"); null until set. */
  readonly carpdev: string | null;
  readonly advbase: number;
  /** From `pass`; an empty key means no passphrase (an all-zero key, still authenticated). */
  readonly key: CarpKey;
  /**
   * The virtual hosts, in ascending vhid order; the first is the leader (docs/protocol.md §4.2).
   * `vhid N advskew K` configures exactly one; empty means no vhid yet (the interface stays INIT).
   */
  readonly nodes: readonly CarpNodeConfig[];
  /**
   * `balancing MODE` as configured (default none). The mode in force also depends on the number
   * of nodes (InterfaceStatus.balancing, docs/protocol.md §4.2); a balancing mode other than
   * none needs at least two nodes.
   */
  readonly balancing: BalancingMode;
  /** Interface groups besides `carp`, which every carp interface is in. */
  readonly groups: readonly string[];
  /**
   * `garp-refresh SECONDS` (ours, default 0: off): while MASTER, the announcer repeats its
   * gratuitous ARP / unsolicited NA round every SECONDS, for neighbours that age out or lose the
   * entry (switch MAC tables, ARP caches of devices that ignored the takeover round).
   */
  readonly garpRefresh: number;
  /**
   * `carppeer`: unicast addresses the advertisements go to instead of the CARP group, at most one
   * per family, IPv4 first (docs/protocol.md §1.7). A family without a peer advertises to its group.
   */
  readonly peers: readonly IpAddress[];
  /**
   * `carpver 3`: the vhid speaks VRRPv3 with these values; null: CARP (`carpver 2`, the default).
   * Fixed when the vhid is made (FreeBSD); VRRP has no carpnodes and no balancing.
   */
  readonly vrrp: VrrpConfig | null;
}

/** Fields that `configure` changes; absent fields keep their value. */
export type CarpInterfaceChange = Partial<CarpInterfaceConfig>;

/** A CARP packet as it arrived on a carpdev, after the IP layer was decoded. */
export interface ReceivedAdvertisement {
  readonly carpdev: string;
  readonly family: Family;
  readonly source: IpAddress;
  readonly destination: IpAddress;
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number;
  /**
   * The address this host advertises from on the carpdev in this family, when the driver knows
   * it: what VRRPv3 compares the sender with on equal priorities (RFC 5798 6.4.3), and how it
   * recognises its own advertisements.
   */
  readonly localSource?: IpAddress | null;
  /** The IP payload, starting at the CARP header (not yet decoded). */
  readonly payload: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Actions: what the driver must do. Returned, in order, by every mutating call.

/** Whether the advertisement of a node went out (CarpHostApi.sendResults). */
export interface SendResult {
  readonly ifname: string;
  readonly vhid: number;
  readonly ok: boolean;
}

/**
 * Send this CARP header behind an IP header of `family` to `destination`. Its buffers are
 * read-only: an unchanged round hands out the same action again (advertisement.ts), and its
 * families share them.
 */
export interface AdvertiseAction {
  readonly kind: 'advertise';
  readonly ifname: string;
  readonly carpdev: string;
  readonly vhid: number;
  /** The Ethernet source (src/carp/link-layer.ts); null: the carpdev's own MAC. */
  readonly sourceMac: MacAddress | null;
  readonly family: Family;
  readonly destination: IpAddress;
  /**
   * `carp`: the encoded 36-byte CARP header, checksum and HMAC filled in. `vrrp3`: the VRRPv3
   * advertisement; its checksum covers the IP source, which the driver chooses, so the driver
   * computes it again (sealVrrp3) before sending.
   */
  readonly protocol: 'carp' | 'vrrp3';
  readonly payload: Buffer;
  /** advbase 255 / advskew 255, or VRRP priority 0: the interface is leaving (docs/protocol.md §3.7). */
  readonly bowOut: boolean;
}

/** Gratuitous ARP for every IPv4 address and unsolicited NA for every IPv6 address listed. */
export interface AnnounceAction {
  readonly kind: 'announce';
  readonly ifname: string;
  readonly carpdev: string;
  readonly vhid: number;
  /** The MAC the addresses are announced with (carpN's virtual MAC), also the Ethernet source. */
  readonly mac: MacAddress;
  readonly addresses: readonly IpAddress[];
  /**
   * `takeover`: on becoming MASTER; `delayed`: after two more ads; `address-added`: new address;
   * `mac-changed`: a configuration change moved the addresses to this MAC while its node is
   * MASTER (a new leader, or back to balancing none), so neighbours must learn it now;
   * `refresh`: the periodic round of `garp-refresh SECONDS`.
   */
  readonly occasion: 'takeover' | 'delayed' | 'address-added' | 'mac-changed' | 'refresh';
}

export interface StateChangeAction {
  readonly kind: 'state';
  readonly ifname: string;
  readonly vhid: number;
  readonly from: CarpState;
  readonly to: CarpState;
  readonly reason: TransitionReason;
}

/**
 * The set of carpN's virtual hosts this host is MASTER of changed. It decides what the relay lets
 * through (the accept set: OpenBSD's lsmask, docs/protocol.md §4.2), and carpN's link state (TAP
 * carrier): up iff any of them is MASTER (OBSD-cur).
 */
export interface LinkStateAction {
  readonly kind: 'link';
  readonly ifname: string;
  readonly up: boolean;
  /** The vhids of the MASTER nodes, ascending (OpenBSD's lsmask, by vhid). */
  readonly masters: readonly number[];
}

/** A demotion counter changed: an OpenBSD group counter, or FreeBSD's net.inet.carp.demotion. */
export interface DemotionAction {
  readonly kind: 'demotion';
  /** The interface group, or null for net.inet.carp.demotion. */
  readonly group: string | null;
  readonly from: number;
  readonly to: number;
  readonly reason: DemotionReason;
}

/** A received packet was dropped; the matching counter has already been incremented. */
export interface DropAction {
  readonly kind: 'drop';
  readonly carpdev: string;
  /** Known once the vhid matched a carp interface. */
  readonly ifname: string | null;
  readonly vhid: number | null;
  readonly reason: DropReason;
  /** For the log: e.g. "received ttl 64 != 255", from 192.0.2.7. */
  readonly detail: string;
}

export type Action =
  | AdvertiseAction
  | AnnounceAction
  | StateChangeAction
  | LinkStateAction
  | DemotionAction
  | DropAction;

// ---------------------------------------------------------------------------------------------
// Reasons, as data: a stable code for programs and a sentence for people (and the log).

export const TRANSITION_REASONS = {
  ready: 'interface up, configured and carpdev running',
  'master-down': 'master down timer expired',
  preempt: 'preempting slower master',
  'master-demoted': 'master is more demoted',
  'master-will-time-out': 'master will time out',
  'bow-out': 'bow-out received',
  'higher-priority': 'VRRP advertisement with a higher priority received',
  'higher-address': 'VRRP advertisement with the same priority from a higher address received',
  'preempt-priority': 'preempting lower-priority VRRP master',
  'better-master': 'more frequent advertisement received',
  'less-demoted-master': 'less demoted master seen',
  forced: 'state set by administrator',
  resumed: 'was MASTER before the daemon restarted',
  stalled: "carpd did not run for longer than a backup's master-down interval",
  'admin-down': 'interface down',
  'carpdev-down': 'carpdev link down',
  unconfigured: 'no vhid, no address or no carpdev',
  'kernel-setup': 'waiting for the ARP settings of the carpdev and the policy routes',
  'allow-off': 'net.inet.carp.allow is 0',
  shutdown: 'daemon shutting down',
} as const;
export type TransitionReason = keyof typeof TRANSITION_REASONS;

export const DEMOTION_REASONS = {
  carpdev: 'carpdev link down or interface down',
  'carpdev-restored': 'carpdev running again',
  snderrors: 'advertisements could not be sent',
  'snderrors-cleared': 'advertisements sent again',
  admin: 'set by administrator',
  maintenance: 'maintenance mode',
  'group-membership': 'interface joined or left the group',
  'loop-lag': "carpd's event loop lagged by a third of a backup's master-down interval",
  'loop-lag-cleared': "carpd's event loop ran on time again",
} as const;
export type DemotionReason = keyof typeof DEMOTION_REASONS;

/** Why a received CARP packet was dropped; each has its own counter (OpenBSD carpstats names). */
export const DROP_REASONS = {
  hdrops: 'packet shorter than the CARP header',
  badsum: 'checksum failed',
  badver: 'invalid version',
  badvhid: 'no running carp interface with this vhid on this carpdev',
  badttl: 'ttl or hop limit is not 255',
  badauth: 'incorrect hash',
  loop: 'replay or network loop detected',
  replay: 'counter seen before or too far from our clock (net.inet.carp.strict_counter)',
  disallowed: 'net.inet.carp.allow is 0',
  badpeer: 'unicast advertisement not from the carppeer',
  wrongver: 'CARP advertisement for a carpver 3 (VRRPv3) vhid',
  badaddrs: 'VRRP address list differs from ours (and the sender is not the address owner)',
} as const;
export type DropReason = keyof typeof DROP_REASONS;

// ---------------------------------------------------------------------------------------------
// Counters and status snapshots.

/** Per carpdev: packets dropped before a vhid matched (so they belong to no carp interface). */
export interface CarpdevStats {
  ipackets: number;
  ipackets6: number;
  hdrops: number;
  badsum: number;
  badver: number;
  badvhid: number;
  disallowed: number;
  /**
   * VRRP advertisements (same IP protocol and groups, docs/protocol.md §8.2): a neighbour's
   * traffic, counted and not reported, like badvhid.
   */
  vrrp: number;
}

/** Per virtual host: everything after the vhid matched, and what it sent and did. */
export interface NodeStats {
  ipackets: number;
  ipackets6: number;
  badttl: number;
  badauth: number;
  loop: number;
  /** Unicast advertisements from an address that is not the interface's carppeer of that family. */
  badpeer: number;
  /** CARP advertisements for a carpver 3 vhid (VRRP for a carpver 2 vhid is a neighbour's: CarpdevStats.vrrp). */
  wrongver: number;
  /** VRRPv3 whose address list is not ours, from a sender that is not the address owner (RFC 5798 7.1). */
  badaddrs: number;
  /** Refused by net.inet.carp.strict_counter: a replay, or a peer that does not use the mode. */
  replay: number;
  /** Advertisements that passed every check and reached the state machine. */
  accepted: number;
  opackets: number;
  opackets6: number;
  /** Sends the driver reported as failed (sendResult). */
  oerrors: number;
  bowOutsSent: number;
  bowOutsReceived: number;
  toMaster: number;
  toBackup: number;
  toInit: number;
  preempts: number;
}

/**
 * The last authenticated advertiser seen by a virtual host, for status. Not used to judge counters:
 * the source address is not authenticated (replay-window.ts).
 */
export interface PeerStatus {
  readonly source: IpAddress;
  readonly advbase: number;
  readonly advskew: number;
  readonly demote: number;
  readonly counter: Buffer;
  readonly lastSeen: Millis;
}

export interface NodeStatus {
  readonly vhid: number;
  readonly advskew: number;
  /** advskew on the wire: with FreeBSD-style demotion added (see design.md). */
  readonly effectiveAdvskew: number;
  readonly state: CarpState;
  readonly lastTransition: { readonly reason: TransitionReason; readonly at: Millis } | null;
  /** The most recent authenticated peers, newest first, at most 8. */
  readonly peers: readonly PeerStatus[];
  /**
   * carpver 3: the priority advertised (demotion subtracted) and the master's interval this
   * backup times out with (Master_Adver_Interval, centiseconds); null with carpver 2.
   */
  readonly vrrp: { readonly priority: number; readonly masterInterval: number } | null;
  /** The next timer: the advertisement (MASTER) or the earliest master-down (BACKUP); null in INIT. */
  readonly nextTimer: { readonly kind: 'advertise' | 'master-down'; readonly at: Millis } | null;
  readonly stats: Readonly<NodeStats>;
}

export interface InterfaceStatus {
  readonly name: string;
  readonly config: CarpInterfaceConfig;
  /** Administratively up (IFF_UP of carpN). */
  readonly adminUp: boolean;
  /** The carpdev is up with link. */
  readonly carpdevRunning: boolean;
  /** TAP carrier: some virtual host is MASTER. */
  readonly linkUp: boolean;
  /** Why the interface does not run now (the first reason that applies); null while it runs. */
  readonly haltReason: TransitionReason | null;
  readonly addresses: readonly IpAddress[];
  /** OpenBSD demote count sent in byte 4 (docs/protocol.md §3.5). */
  readonly demote: number;
  /** The balancing mode in force: none with one node, never none with several (docs/protocol.md §4.2). */
  readonly balancing: BalancingMode;
  readonly nodes: readonly NodeStatus[];
}

export interface HostStatus {
  readonly interfaces: readonly InterfaceStatus[];
  /** Every group with its OpenBSD demotion counter, including `carp`. */
  readonly groups: readonly { readonly name: string; readonly demote: number }[];
  /** Maintenance mode: MAINTENANCE_DEMOTION is in the `carp` group and the FreeBSD total. */
  readonly maintenance: boolean;
  readonly carpdevs: readonly { readonly name: string; readonly stats: Readonly<CarpdevStats> }[];
}

/** Where cookies come from: crypto in production, a seeded generator in simulations. */
export interface RandomSource {
  bytes(count: number): Buffer;
}

// ---------------------------------------------------------------------------------------------
// The host: every carp interface of one machine, its groups, sysctls and carpdev link states.

export interface CarpHostApi {
  /** Creates carpN (no vhid, no carpdev: INIT). Throws CarpError interface-exists. */
  createInterface(name: string, now: Millis): Action[];
  /** Bow-out for every MASTER node, then forgets the interface. Throws no-such-interface. */
  destroyInterface(name: string, now: Millis): Action[];
  /** Validates the whole resulting config first; on error throws and changes nothing. */
  configure(name: string, change: CarpInterfaceChange, now: Millis): Action[];
  /** The addresses on carpN as the kernel reports them, in kernel (configuration) order. */
  setAddresses(name: string, addresses: readonly IpAddress[], now: Millis): Action[];
  /** IFF_UP of carpN. Going down while MASTER sends a bow-out. */
  setAdminUp(name: string, up: boolean, now: Millis): Action[];
  /** The kernel side of `name` is set up for `carpdev` (null: not set up); see CarpHostOptions.kernelSetup. */
  setKernelReady(name: string, carpdev: string | null, now: Millis): Action[];
  /** Up-with-link state of a parent interface; down means INIT plus demotion. */
  setCarpdevRunning(carpdev: string, running: boolean, now: Millis): Action[];
  /** BACKUP nodes among `vhids` become MASTER at once: the daemon restarted while MASTER. */
  resumeMaster(name: string, vhids: readonly number[], now: Millis): Action[];
  /** `state backup|master|init`; throws not-running while INIT (OpenBSD rule). */
  forceState(name: string, state: CarpState, now: Millis): Action[];
  /** Adds `delta` to a group's counter (carpdemote / -carpdemote); the result must stay 0-255. */
  adjustGroupDemotion(group: string, delta: number, now: Millis): Action[];
  /**
   * Maintenance mode on or off: every MASTER advertises the new demotion at once, so that peers
   * take over (or, with preempt, give back) without waiting for a master-down interval.
   */
  setMaintenance(on: boolean, now: Millis): Action[];
  /** Sets a knob by name from its text form; throws bad-sysctl naming the valid values. */
  setSysctl(name: string, value: string, now: Millis): Action[];
  /** Several knobs, all or none: every value is checked before any is applied. */
  setSysctls(assignments: readonly { readonly name: string; readonly value: string }[], now: Millis): Action[];
  /** Throws what setSysctl would, and changes nothing (for validating sysctl.conf as a whole). */
  checkSysctl(name: string, value: string): void;
  getSysctl(name: string): string;
  /** Every knob in a stable order, as `[name, value]`. */
  listSysctls(): readonly (readonly [string, string])[];
  /** A CARP packet from a carpdev: counted, checked, then the receive rules. */
  receive(packet: ReceivedAdvertisement, now: Millis): Action[];
  /**
   * Outcomes of the AdvertiseActions the driver tried to send, in the order of the actions
   * (send-error demotion). A round's outcomes come in one call.
   */
  sendResults(outcomes: readonly SendResult[], now: Millis): Action[];
  /** Runs every timer due at or before `now`. */
  tick(now: Millis): Action[];
  /**
   * The daemon's event loop came back `lagMs` late (loop-lag.ts): MASTER nodes whose backups may
   * have taken over meanwhile step down, and the host demotes itself until the loop has run on
   * time for a while.
   */
  loopStalled(lagMs: Millis, now: Millis): Action[];
  /** The smallest lag loopStalled acts on now, or null when no node is MASTER. */
  loopLagLimit(): Millis | null;
  /** The earliest time `tick` has work, or null when no timer runs. */
  nextDeadline(): Millis | null;
  /** Bow-out for every MASTER node and INIT everywhere (orderly daemon stop). */
  shutdown(now: Millis): Action[];
  status(): HostStatus;
  /** The status of one interface (a copy), or undefined when there is no such interface. */
  interfaceStatus(name: string): InterfaceStatus | undefined;
}
