/**
 * Committing a validated configuration to a carp interface, and its addresses. Running-condition
 * changes (INIT <-> BACKUP) are left to the host's settle pass; what is done here is what only a
 * configuration change causes: leaving the old carpdev, removing and adding nodes, restarting
 * timers whose interval changed, and group membership.
 */
import type { IpAddress } from '../wire/address';
import { ipEquals } from '../wire/address';
import { CARP_COUNTER_LENGTH } from '../wire/carp';
import type { CarpInterface } from './carp-interface';
import type { CoreContext } from './context';
import { releaseNodeDemotion } from './demotion-sync';
import {
  type Step,
  announceAdded,
  armTimers,
  followAnnouncer,
  followRefresh,
  isAnnouncer,
  restartFamilyTimers,
  stopNode,
} from './state-machine';
import type { CarpInterfaceConfig, VrrpConfig } from './types';
import { VirtualHost } from './virtual-host';

/** A vhid change bows the removed node out; so does a carpdev change, on the old carpdev. */
function leaveOldAttachment(ctx: CoreContext, step: Step, iface: CarpInterface, next: CarpInterfaceConfig): void {
  if (next.carpdev !== iface.carpdev) {
    for (const node of iface.nodes) stopNode(ctx, step, iface, node, 'unconfigured', true);
  }
  for (const node of iface.nodes) {
    if (next.nodes.some((n) => n.vhid === node.vhid)) continue;
    stopNode(ctx, step, iface, node, 'unconfigured', true);
    releaseNodeDemotion(ctx, step, node);
  }
}

/** Keeps the nodes whose vhid stays (state, cookie, counters); new vhids get a fresh cookie. */
function rebuildNodes(ctx: CoreContext, iface: CarpInterface, next: CarpInterfaceConfig): Set<VirtualHost> {
  const retimed = new Set<VirtualHost>();
  iface.nodes = next.nodes.map(({ vhid, advskew }) => {
    const existing = iface.node(vhid);
    if (existing === undefined) return new VirtualHost(vhid, advskew, ctx.random.bytes(CARP_COUNTER_LENGTH));
    if (existing.advskew !== advskew || next.advbase !== iface.advbase || !sameVrrp(iface.vrrp, next.vrrp)) retimed.add(existing);
    existing.advskew = advskew;
    return existing;
  });
  return retimed;
}

function sameVrrp(a: VrrpConfig | null, b: VrrpConfig | null): boolean {
  return a?.priority === b?.priority && a?.intervalCentiseconds === b?.intervalCentiseconds;
}

function changeGroups(ctx: CoreContext, step: Step, iface: CarpInterface, groups: readonly string[]): void {
  for (const group of iface.groups.filter((g) => !groups.includes(g))) {
    ctx.demotion.leave(iface, group, step.out);
    if (!ctx.groupInUse(group, iface)) ctx.demotion.deleteGroup(group);
  }
  const joined = groups.filter((g) => !iface.groups.includes(g));
  iface.groups = [...groups];
  for (const group of joined) ctx.demotion.join(iface, group, step.out);
}

/**
 * Commits `next` (already validated). advbase/advskew changes keep the state and restart the
 * running timers (BACKUP: master-down from now; MASTER: next round after the new interval); a
 * key change takes effect with the next advertisement sent or received; a change of the leader
 * or the balancing mode moves the gratuitous ARP / NA duty (followAnnouncer), and with it the
 * garp-refresh rounds (followRefresh).
 */
export function applyConfig(ctx: CoreContext, step: Step, iface: CarpInterface, next: CarpInterfaceConfig): void {
  const announcer = iface.nodes.find((node) => isAnnouncer(iface, node));
  leaveOldAttachment(ctx, step, iface, next);
  const retimed = rebuildNodes(ctx, iface, next);
  iface.carpdev = next.carpdev;
  iface.advbase = next.advbase;
  iface.key = next.key;
  iface.balancing = next.balancing;
  const refreshChanged = next.garpRefresh !== iface.garpRefresh;
  iface.garpRefresh = next.garpRefresh;
  iface.peers = [...next.peers];
  iface.vrrp = next.vrrp === null ? null : { ...next.vrrp };
  ctx.interfacesChanged();
  // What an advertisement carries besides its values may have changed (key, carpdev, carppeer,
  // source MAC).
  for (const node of iface.nodes) node.lastRound = null;
  changeGroups(ctx, step, iface, next.groups);
  for (const node of retimed) {
    if (node.state !== 'INIT') armTimers(ctx, step, iface, node);
  }
  followAnnouncer(step, iface, announcer);
  followRefresh(step, iface, refreshChanged);
}

function notIn(list: readonly IpAddress[]): (a: IpAddress) => boolean {
  return (a) => !list.some((b) => ipEquals(a, b));
}

/**
 * New addresses from the kernel: a family that appears starts its master-down timer (BACKUP) or
 * is advertised from the next round (MASTER); one that disappears stops its timer; a MASTER
 * announces added addresses at once.
 */
export function applyAddresses(ctx: CoreContext, step: Step, iface: CarpInterface, addresses: readonly IpAddress[]): void {
  const before = iface.virtualAddresses();
  const familiesBefore = iface.activeFamilies();
  iface.addresses = addresses.map((a) => ({ family: a.family, bytes: Buffer.from(a.bytes) }));
  for (const node of iface.nodes) restartFamilyTimers(ctx, step, iface, node, familiesBefore);
  announceAdded(step, iface, iface.virtualAddresses().filter(notIn(before)));
}
