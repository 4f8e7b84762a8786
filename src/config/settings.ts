/**
 * The parsed form of the ifconfig-like words, shared by carpctl and the configuration files. Only
 * the words given are present, so a settings object doubles as a change ("configure these fields").
 */
import type { CarpNode } from '../balance/carpnodes';
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
  /** `inet` / `inet6` lines, in file order. */
  readonly addresses: readonly IpPrefix[];
}

/** `name=value` from the command line or sysctl.conf. */
export interface SysctlAssignment {
  readonly name: string;
  readonly value: string;
}
