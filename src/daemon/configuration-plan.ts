/**
 * Configuration as a plan: the words of a request (or, later, a configuration file) become the
 * configuration wanted for a carp interface, and the plan is the list of changes from what runs
 * to what is wanted — only what differs, so applying the same words twice changes nothing and a
 * reload can leave untouched virtual hosts alone. Pure: every refusal happens here, before
 * anything is changed.
 */
import { CarpError } from '../carp/errors';
import { DEFAULT_ADVSKEW } from '../carp/limits';
import type { CarpInterfaceChange, CarpInterfaceConfig, CarpNodeConfig, CarpState, InterfaceStatus } from '../carp/types';
import { checkVhidsFree, validateConfig } from '../carp/validate';
import type { ResolvedInterfaceSettings } from '../config/settings';
import { type IpAddress, formatIp, parseIp } from '../wire/address';
import { CARP_PASSPHRASE_MAX, deriveKey } from '../wire/hmac';
import { wantedVrrp } from './carpver-plan';

/** What a carp interface should look like. */
export interface WantedInterface {
  readonly config: CarpInterfaceConfig;
  /** IFF_UP of carpN; absent leaves it as it is. */
  readonly up?: boolean;
  /** `state init|backup|master`, forced on a running interface. */
  readonly state?: CarpState;
}

/** What runs now, as the core reports it (an InterfaceStatus is one). */
export interface RunningInterface {
  readonly config: CarpInterfaceConfig;
  readonly adminUp: boolean;
}

/**
 * One change, in the order it is applied. `admin` goes to the core before the kernel hears of
 * it, so that `down` bows out at once rather than when the kernel's link event arrives.
 */
export type PlannedChange =
  | { readonly kind: 'force-state'; readonly state: CarpState }
  | { readonly kind: 'configure'; readonly change: CarpInterfaceChange }
  | { readonly kind: 'admin'; readonly up: boolean };

export const PASS_TRUNCATED_WARNING =
  `pass is longer than ${CARP_PASSPHRASE_MAX} bytes: only the first ${CARP_PASSPHRASE_MAX} are used, ` +
  'as on OpenBSD and FreeBSD (ucarp refuses such a passphrase)';

/** The configuration `settings` ask for, starting from `current`; throws CarpError on a refusal. */
export function wantedFromSettings(
  ifname: string,
  current: CarpInterfaceConfig,
  settings: ResolvedInterfaceSettings,
): { wanted: WantedInterface; warnings: string[] } {
  const given = Object.keys(settings).filter((k) => settings[k as keyof ResolvedInterfaceSettings] !== undefined);
  if (settings.state !== undefined && given.length > 1) {
    // Forcing a state only works on a running interface (OpenBSD); mixed with settings that may
    // stop or start it, the outcome would depend on their order. One command each is clear.
    throw new CarpError('bad-value', 'state cannot be combined with other settings: give it in a command of its own');
  }
  const warnings: string[] = [];
  let key = current.key;
  if (settings.pass !== undefined) {
    key = deriveKey(settings.pass.kind === 'text' ? settings.pass.text : '');
    if (key.truncated) warnings.push(PASS_TRUNCATED_WARNING);
  }
  const nodes = wantedNodes(ifname, current.nodes, settings);
  const config: CarpInterfaceConfig = {
    carpdev: settings.carpdev === undefined ? current.carpdev : settings.carpdev,
    advbase: settings.advbase ?? current.advbase,
    key,
    nodes,
    balancing: settings.balancing ?? current.balancing,
    groups: wantedGroups(ifname, current.groups, settings),
    garpRefresh: settings.garpRefresh ?? current.garpRefresh,
    peers: wantedPeers(current.peers, settings.peers),
    vrrp: wantedVrrp(current, nodes, settings),
  };
  return {
    wanted: {
      config,
      ...(settings.up === undefined ? {} : { up: settings.up }),
      ...(settings.state === undefined ? {} : { state: settings.state }),
    },
    warnings,
  };
}

/**
 * The core's own checks of a whole configuration (src/carp/validate.ts), run before anything is
 * applied, since the kernel's address changes come before the core's: `others` are the carp
 * interfaces of the host, whose vhids must stay unique per carpdev.
 */
export function checkWanted(ifname: string, config: CarpInterfaceConfig, others: readonly InterfaceStatus[]): void {
  const owners = others.map((o) => ({ name: o.name, carpdev: o.config.carpdev, vhids: o.config.nodes.map((n) => n.vhid) }));
  checkVhidsFree(ifname, validateConfig(config), owners);
}

/** The changes that take `running` to `wanted`, nothing for what already is as wanted. */
export function planChanges(running: RunningInterface, wanted: WantedInterface): PlannedChange[] {
  const changes: PlannedChange[] = [];
  if (wanted.state !== undefined) changes.push({ kind: 'force-state', state: wanted.state });
  const change = configChange(running.config, wanted.config);
  if (Object.keys(change).length > 0) changes.push({ kind: 'configure', change });
  if (wanted.up !== undefined && wanted.up !== running.adminUp) changes.push({ kind: 'admin', up: wanted.up });
  return changes;
}

function configChange(from: CarpInterfaceConfig, to: CarpInterfaceConfig): CarpInterfaceChange {
  const change: { -readonly [K in keyof CarpInterfaceChange]: CarpInterfaceChange[K] } = {};
  if (to.carpdev !== from.carpdev) change.carpdev = to.carpdev;
  if (to.advbase !== from.advbase) change.advbase = to.advbase;
  if (!to.key.bytes.equals(from.key.bytes)) change.key = to.key;
  if (!sameNodes(from.nodes, to.nodes)) change.nodes = to.nodes;
  if (to.balancing !== from.balancing) change.balancing = to.balancing;
  if (!sameList(from.groups, to.groups)) change.groups = to.groups;
  if (to.garpRefresh !== from.garpRefresh) change.garpRefresh = to.garpRefresh;
  if (!sameList(from.peers.map(formatIp), to.peers.map(formatIp))) change.peers = to.peers;
  if (from.vrrp?.priority !== to.vrrp?.priority || from.vrrp?.intervalCentiseconds !== to.vrrp?.intervalCentiseconds) change.vrrp = to.vrrp;
  return change;
}

function sameNodes(a: readonly CarpNodeConfig[], b: readonly CarpNodeConfig[]): boolean {
  return a.length === b.length && a.every((node, i) => node.vhid === b[i]?.vhid && node.advskew === b[i]?.advskew);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * `carpnodes` sets every virtual host (the grammar has checked and sorted them); `vhid N [advskew
 * K]` sets the one virtual host of an interface that has at most one; `advskew K` alone changes it.
 */
function wantedNodes(ifname: string, current: readonly CarpNodeConfig[], settings: ResolvedInterfaceSettings): readonly CarpNodeConfig[] {
  if (settings.nodes !== undefined) return settings.nodes;
  if (settings.vhid === undefined && settings.advskew === undefined) return current;
  if (current.length > 1) {
    throw new CarpError(
      'bad-value',
      `${ifname} has ${current.length} carpnodes: vhid and advskew set a single one; change them with carpnodes VHID:ADVSKEW,...`,
    );
  }
  const vhid = settings.vhid ?? current[0]?.vhid;
  if (vhid === undefined) {
    throw new CarpError('bad-value', `advskew needs a vhid: give "vhid N" before it or in the same command`);
  }
  return [{ vhid, advskew: settings.advskew ?? current[0]?.advskew ?? DEFAULT_ADVSKEW }];
}

/** Each `carppeer` replaces the peer of its family; `-carppeer` (null) removes both. */
function wantedPeers(current: readonly IpAddress[], given: readonly string[] | null | undefined): readonly IpAddress[] {
  if (given === undefined) return current;
  if (given === null) return [];
  const peers = given.map(parseIp);
  return [...current.filter((p) => !peers.some((q) => q.family === p.family)), ...peers].sort((a, b) => a.family - b.family);
}

function wantedGroups(ifname: string, current: readonly string[], settings: ResolvedInterfaceSettings): readonly string[] {
  const added = settings.groupsAdded ?? [];
  const removed = settings.groupsRemoved ?? [];
  for (const group of added) {
    if (current.includes(group)) throw new CarpError('bad-value', `${ifname} is already in group ${group}`);
  }
  for (const group of removed) {
    if (!current.includes(group)) throw new CarpError('bad-value', `${ifname} is not in group ${group}`);
  }
  if (added.length === 0 && removed.length === 0) return current;
  return [...current.filter((g) => !removed.includes(g)), ...added];
}
