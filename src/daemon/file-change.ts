/**
 * What a reload changes on a carp interface whose carpN.conf was edited (config-directory.ts): the
 * words whose value differs between the file in force and the new one, as the settings of a
 * configure request, and the addresses added to or taken out of the file. Words the edit did not
 * touch are left out, so what `carpctl` changed on them since stays; a word taken out of the file
 * goes back to what an interface created without it has. Pure.
 */
import type { CarpNode } from '../carp/carpnodes';
import { DEFAULT_ADVBASE, DEFAULT_ADVSKEW, DEFAULT_CARPVER, DEFAULT_VRRP_INTERVAL, DEFAULT_VRRP_PRIORITY } from '../carp/limits';
import { type IpPrefix, formatPrefix } from '../wire/address';
import type { InterfaceFileConfig, ResolvedInterfaceSettings } from '../config/settings';
import { isDeepStrictEqual } from 'node:util';

export interface FileChange {
  /** A configure request; empty when no word changed. */
  readonly settings: ResolvedInterfaceSettings;
  readonly addressesAdded: readonly IpPrefix[];
  readonly addressesRemoved: readonly IpPrefix[];
}

/** Whether two readings of a file say the same (the passphrase of a passfile included). */
export function sameFile(a: InterfaceFileConfig, b: InterfaceFileConfig): boolean {
  return isDeepStrictEqual(a.settings, b.settings) && sameAddresses(a.addresses, b.addresses);
}

/** `groups`: the groups the interface is in now, so that the request adds or removes only what it must. */
export function fileChange(before: InterfaceFileConfig, after: InterfaceFileConfig, groups: readonly string[]): FileChange {
  const was = before.settings;
  const now = after.settings;
  const settings: { -readonly [K in keyof ResolvedInterfaceSettings]: ResolvedInterfaceSettings[K] } = {};
  if (was.advbase !== now.advbase) settings.advbase = now.advbase ?? DEFAULT_ADVBASE;
  const nodes = nodesOf(now);
  const nodesChanged = !isDeepStrictEqual(nodesOf(was), nodes);
  const versionChanged = was.carpver !== now.carpver;
  if ((nodesChanged || versionChanged) && now.vhid !== undefined && (now.carpver === 3 || versionChanged)) {
    // carpver goes with the vhid it is chosen for (carpver-plan.ts); VRRP has no carpnodes.
    settings.vhid = now.vhid;
    settings.carpver = now.carpver ?? DEFAULT_CARPVER;
    if (settings.carpver === 2) settings.advskew = now.advskew ?? DEFAULT_ADVSKEW;
  } else if (nodesChanged) {
    settings.nodes = nodes;
  }
  if (now.carpver === 3) {
    // A new vhid takes every VRRP word of the file; a kept one only those that changed.
    const fresh = nodesChanged || versionChanged;
    if (fresh || was.vrrpPriority !== now.vrrpPriority) settings.vrrpPriority = now.vrrpPriority ?? DEFAULT_VRRP_PRIORITY;
    if (fresh || was.vrrpInterval !== now.vrrpInterval) settings.vrrpInterval = now.vrrpInterval ?? DEFAULT_VRRP_INTERVAL;
  }
  if (!isDeepStrictEqual(was.pass, now.pass)) settings.pass = now.pass ?? { kind: 'none' };
  if (was.carpdev !== now.carpdev) settings.carpdev = now.carpdev ?? null;
  if (was.balancing !== now.balancing) settings.balancing = now.balancing ?? 'none';
  if (was.garpRefresh !== now.garpRefresh) settings.garpRefresh = now.garpRefresh ?? 0;
  // A file's carppeer lines replace the peer of their family; with none left, both go.
  if (!isDeepStrictEqual(was.peers, now.peers)) settings.peers = now.peers === undefined || now.peers === null || now.peers.length === 0 ? null : now.peers;
  // Without up or down the file leaves carpN as it is, at boot as on reload.
  if (now.up !== undefined && now.up !== was.up) settings.up = now.up;
  const groupsBefore = was.groupsAdded ?? [];
  const groupsAfter = now.groupsAdded ?? [];
  const added = groupsAfter.filter((g) => !groupsBefore.includes(g) && !groups.includes(g));
  const removed = groupsBefore.filter((g) => !groupsAfter.includes(g) && groups.includes(g));
  if (added.length > 0) settings.groupsAdded = added;
  if (removed.length > 0) settings.groupsRemoved = removed;
  return {
    settings,
    addressesAdded: without(after.addresses, before.addresses),
    addressesRemoved: without(before.addresses, after.addresses),
  };
}

/** The virtual hosts a file sets: `carpnodes`, or `vhid` with its `advskew`, or none. */
function nodesOf(settings: ResolvedInterfaceSettings): readonly CarpNode[] {
  if (settings.nodes !== undefined) return settings.nodes;
  if (settings.vhid === undefined) return [];
  return [{ vhid: settings.vhid, advskew: settings.advskew ?? DEFAULT_ADVSKEW }];
}

function sameAddresses(a: readonly IpPrefix[], b: readonly IpPrefix[]): boolean {
  return a.length === b.length && a.every((prefix, i) => formatPrefix(prefix) === formatPrefix(b[i] as IpPrefix));
}

function without(prefixes: readonly IpPrefix[], taken: readonly IpPrefix[]): IpPrefix[] {
  const known = new Set(taken.map(formatPrefix));
  return prefixes.filter((p) => !known.has(formatPrefix(p)));
}
