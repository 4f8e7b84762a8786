/**
 * What a `configure` request means for the core: the ifconfig words (ResolvedInterfaceSettings)
 * turned into one CarpInterfaceChange plus the administrative up/down and a forced state. Pure, so
 * every refusal happens before anything is changed.
 */
import { CarpError } from '../carp/errors';
import { DEFAULT_ADVSKEW } from '../carp/limits';
import type { CarpInterfaceChange, CarpInterfaceConfig, CarpNodeConfig, CarpState } from '../carp/types';
import type { ResolvedInterfaceSettings } from '../config/settings';
import { CARP_PASSPHRASE_MAX, deriveKey } from '../wire/hmac';

export interface SettingsPlan {
  readonly change: CarpInterfaceChange;
  readonly up?: boolean;
  readonly state?: CarpState;
  readonly warnings: readonly string[];
}

export const PASS_TRUNCATED_WARNING =
  `pass is longer than ${CARP_PASSPHRASE_MAX} bytes: only the first ${CARP_PASSPHRASE_MAX} are used, ` +
  'as on OpenBSD and FreeBSD (ucarp refuses such a passphrase)';

export function planSettings(ifname: string, current: CarpInterfaceConfig, settings: ResolvedInterfaceSettings): SettingsPlan {
  const given = Object.keys(settings).filter((k) => settings[k as keyof ResolvedInterfaceSettings] !== undefined);
  if (settings.state !== undefined && given.length > 1) {
    // Forcing a state only works on a running interface (OpenBSD); mixed with settings that may
    // stop or start it, the outcome would depend on their order. One command each is clear.
    throw new CarpError('bad-value', 'state cannot be combined with other settings: give it in a command of its own');
  }
  const warnings: string[] = [];
  const change: { -readonly [K in keyof CarpInterfaceChange]: CarpInterfaceChange[K] } = {};
  const nodes = plannedNodes(ifname, current.nodes, settings);
  if (nodes !== undefined) change.nodes = nodes;
  if (settings.advbase !== undefined) change.advbase = settings.advbase;
  if (settings.carpdev !== undefined) change.carpdev = settings.carpdev;
  if (settings.pass !== undefined) {
    const key = deriveKey(settings.pass.kind === 'text' ? settings.pass.text : '');
    if (key.truncated) warnings.push(PASS_TRUNCATED_WARNING);
    change.key = key;
  }
  const groups = plannedGroups(ifname, current.groups, settings);
  if (groups !== undefined) change.groups = groups;
  return {
    change,
    warnings,
    ...(settings.up === undefined ? {} : { up: settings.up }),
    ...(settings.state === undefined ? {} : { state: settings.state }),
  };
}

/** `vhid N [advskew K]` sets the one virtual host; `advskew K` alone changes it. */
function plannedNodes(
  ifname: string,
  current: readonly CarpNodeConfig[],
  settings: ResolvedInterfaceSettings,
): CarpNodeConfig[] | undefined {
  if (settings.vhid === undefined && settings.advskew === undefined) return undefined;
  if (current.length > 1) {
    throw new CarpError('bad-value', `${ifname} has ${current.length} carpnodes: vhid and advskew set a single one`);
  }
  const vhid = settings.vhid ?? current[0]?.vhid;
  if (vhid === undefined) {
    throw new CarpError('bad-value', `advskew needs a vhid: give "vhid N" before it or in the same command`);
  }
  return [{ vhid, advskew: settings.advskew ?? current[0]?.advskew ?? DEFAULT_ADVSKEW }];
}

function plannedGroups(ifname: string, current: readonly string[], settings: ResolvedInterfaceSettings): string[] | undefined {
  const added = settings.groupsAdded ?? [];
  const removed = settings.groupsRemoved ?? [];
  if (added.length === 0 && removed.length === 0) return undefined;
  for (const group of added) {
    if (current.includes(group)) throw new CarpError('bad-value', `${ifname} is already in group ${group}`);
  }
  for (const group of removed) {
    if (!current.includes(group)) throw new CarpError('bad-value', `${ifname} is not in group ${group}`);
  }
  return [...current.filter((g) => !removed.includes(g)), ...added];
}
