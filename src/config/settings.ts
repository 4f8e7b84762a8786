/**
 * The parsed form of the ifconfig-like words, shared by carpctl and the configuration files. Only
 * the words given are present, so a settings object doubles as a change ("configure these fields").
 */
import type { CarpNode } from '../carp/carpnodes';
import type { BalancingMode } from '../balance/modes';
import type { IpPrefix } from '../wire/address';

/** `pass TEXT`, `passfile PATH` (resolved to text before it is applied) or `-pass`. */
export type PassSetting =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'none' };

/** A passphrase as it travels to the daemon: the file form is resolved before sending. */
export type ResolvedPassSetting = Exclude<PassSetting, { readonly kind: 'file' }>;

export type ForcedState = 'INIT' | 'BACKUP' | 'MASTER';

/**
 * The address words of one command, as OpenBSD's ifconfig takes them: `ADDRESS[/PREFIX]` or
 * `inet`/`inet6 ADDRESS`, with `netmask M` or `prefixlen N`, and `alias` or `-alias`. Plain text,
 * so that settings travel to the daemon as JSON.
 */
export type AddressSetting =
  /**
   * `set`: without alias, an IPv4 address replaces carpN's first IPv4 address (ifconfig's
   * SIOCDIFADDR of the primary) and an IPv6 address is added (ifconfig cannot replace one);
   * `alias`: added besides the others. The length as given (/PREFIX, netmask or prefixlen), else
   * the host length (32, 128), as `ip addr add` gives it. The address in canonical text.
   */
  | { readonly kind: 'set' | 'alias'; readonly address: string; readonly prefixLength: number }
  /** `-alias`: removed; without a length, whatever its length. */
  | { readonly kind: 'remove'; readonly address: string; readonly prefixLength: number | null };

export interface InterfaceSettings {
  readonly vhid?: number;
  readonly advbase?: number;
  readonly advskew?: number;
  /**
   * `carpnodes VHID:ADVSKEW,...`: every virtual host of the interface, sorted by vhid (the first is
   * the leader). Never given together with vhid or advskew, which set a single one.
   */
  readonly nodes?: readonly CarpNode[];
  /** `balancing MODE`, as given; the mode in force also depends on the number of carpnodes. */
  readonly balancing?: BalancingMode;
  readonly pass?: PassSetting;
  /** `-carpdev` gives null. */
  readonly carpdev?: string | null;
  readonly state?: ForcedState;
  readonly up?: boolean;
  readonly groupsAdded?: readonly string[];
  readonly groupsRemoved?: readonly string[];
  /** `garp-refresh SECONDS`; `-garp-refresh` gives 0 (off). */
  readonly garpRefresh?: number;
  /**
   * `carppeer ADDRESS`, once per family: each replaces the peer of its family, in canonical text.
   * `-carppeer` gives null: no peer of either family (advertisements to the groups again).
   */
  readonly peers?: readonly string[] | null;
  /** `carpver 2|3`: CARP or VRRPv3, chosen with the vhid (FreeBSD); given only with `vhid N`. */
  readonly carpver?: number;
  /** `vrrpprio N` (1-254), carpver 3 only. */
  readonly vrrpPriority?: number;
  /** `vrrpinterval CENTISECONDS` (1-4095), carpver 3 only. */
  readonly vrrpInterval?: number;
  /** The address words of a command (a file lists its addresses in InterfaceFileConfig). */
  readonly address?: AddressSetting;
}

/** InterfaceSettings whose passphrase, if any, is text: what the daemon receives and applies. */
export interface ResolvedInterfaceSettings extends Omit<InterfaceSettings, 'pass'> {
  readonly pass?: ResolvedPassSetting;
}

/** One `DIR/carpN.conf`, validated as a whole; `passfile` is already resolved to text. */
export interface InterfaceFileConfig {
  readonly ifname: string;
  /** The file it came from, for the daemon's messages. */
  readonly file: string;
  readonly settings: ResolvedInterfaceSettings;
  /** The address of each line that has one, in file order. */
  readonly addresses: readonly IpPrefix[];
}

/** `name=value` from the command line or sysctl.conf. */
export interface SysctlAssignment {
  readonly name: string;
  readonly value: string;
}
