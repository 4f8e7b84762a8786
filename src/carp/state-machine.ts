/**
 * The one place that changes a virtual host's state and computes its deadlines (OpenBSD
 * carp_set_state + carp_setrun, carp_master_down, carp_send_ad). Every function appends the
 * actions the driver must carry out, in order, to `step.out`.
 */
import { BALANCING_MODES } from '../balance/modes';
import type { Family, IpAddress } from '../wire/address';
import type { DecodedCarp } from '../wire/carp';
import type { Vrrp3Advertisement } from '../wire/vrrp';
import type { MacAddress } from '../wire/address';
import { type AdvertisedValues, bowOutValues, buildAdvertisements, isBowOut } from './advertisement';
import { buildVrrpAdvertisements, vrrpVirtualMac } from './vrrp-advertisement';
import { decideVrrp } from './vrrp-rules';
import { CENTISECOND_MS, demotedPriority, skewTime, vrrpMasterDownInterval } from './vrrp-timing';
import type { CarpInterface } from './carp-interface';
import { linkLayerOf } from './link-layer';
import type { CoreContext } from './context';
import { decide } from './receive-rules';
import { countTransition } from './stats';
import { advertisementInterval, effectiveAdvskew, masterDownInterval, masterWillTimeOut } from './timing';
import type { Action, AdvertiseAction, AnnounceAction, CarpState, Millis, NodeStatus, TransitionReason, VrrpConfig } from './types';
import { type TimerKind, type VirtualHost, copyAddress } from './virtual-host';

/** One call of the public API: its time and the actions it produces, in order. */
export interface Step {
  readonly now: Millis;
  readonly out: Action[];
}

/**
 * Advertisement rounds after a takeover before the second gratuitous ARP / NA round, for L3
 * switches that missed the first (OpenBSD sc_delayed_arp, ucarp "reassert").
 */
const DELAYED_ANNOUNCE_ROUNDS = 2;

export function nodeEffectiveAdvskew(ctx: CoreContext, node: VirtualHost): number {
  return effectiveAdvskew(node.advskew, ctx.demotion.freebsd);
}

/** carpver 3: the priority advertised, with the demotion of both BSDs subtracted. */
export function vrrpPriority(ctx: CoreContext, iface: CarpInterface, vrrp: VrrpConfig): number {
  return demotedPriority(vrrp.priority, ctx.demotion.freebsd + ctx.demotion.demoteCount(iface));
}

/** The interval a carpver 3 backup times out with: the master's, or ours before one was heard. */
function masterInterval(vrrp: VrrpConfig, node: VirtualHost): number {
  return node.masterAdverInterval ?? vrrp.intervalCentiseconds;
}

export function vrrpNodeStatus(ctx: CoreContext, iface: CarpInterface, node: VirtualHost): NodeStatus['vrrp'] {
  const vrrp = iface.vrrp;
  return vrrp === null ? null : { priority: vrrpPriority(ctx, iface, vrrp), masterInterval: masterInterval(vrrp, node) };
}

function adInterval(ctx: CoreContext, iface: CarpInterface, node: VirtualHost): Millis {
  if (iface.vrrp !== null) return iface.vrrp.intervalCentiseconds * CENTISECOND_MS;
  return advertisementInterval(iface.advbase, nodeEffectiveAdvskew(ctx, node));
}

function masterDown(ctx: CoreContext, iface: CarpInterface, node: VirtualHost): Millis {
  const vrrp = iface.vrrp;
  if (vrrp !== null) return vrrpMasterDownInterval(vrrpPriority(ctx, iface, vrrp), masterInterval(vrrp, node));
  return masterDownInterval(ctx.settings.masterdown, iface.advbase, node.advskew);
}

/**
 * When the next garp-refresh round is due: `garp-refresh SECONDS` from now for a MASTER that
 * announces (docs/protocol.md §3.8); null when it is off, or the node is not MASTER or not the
 * announcer (a balancing mode sends no announcements at all).
 */
function refreshDue(step: Step, iface: CarpInterface, node: VirtualHost): Millis | null {
  if (node.state !== 'MASTER' || iface.garpRefresh === 0 || !isAnnouncer(iface, node)) return null;
  return step.now + iface.garpRefresh * 1000;
}

/**
 * The deadlines that follow from the state (carp_setrun with af = 0): none in INIT; in BACKUP a
 * fresh master-down timer per active family; in MASTER the next advertisement round, and the next
 * garp-refresh round when it is on.
 */
export function armTimers(ctx: CoreContext, step: Step, iface: CarpInterface, node: VirtualHost): void {
  node.clearTimers();
  switch (node.state) {
    case 'INIT':
      node.delayedAnnounce = null;
      break;
    case 'BACKUP': {
      node.delayedAnnounce = null;
      const at = step.now + masterDown(ctx, iface, node);
      for (const family of iface.activeFamilies()) node.masterDownAt[family] = at;
      break;
    }
    case 'MASTER':
      node.advertiseAt = step.now + adInterval(ctx, iface, node);
      node.refreshAt = refreshDue(step, iface, node);
      break;
  }
}

/**
 * THE state change: counts it, reports it once with its reason, re-arms the deadlines of the new
 * state and updates the carrier. Setting the current state again only re-arms the deadlines.
 */
export function setState(
  ctx: CoreContext,
  step: Step,
  iface: CarpInterface,
  node: VirtualHost,
  to: CarpState,
  reason: TransitionReason,
): void {
  const from = node.state;
  if (from !== to) {
    node.state = to;
    if (to === 'INIT') node.masterAdverInterval = null;
    node.lastTransition = { reason, at: step.now };
    countTransition(node.stats, to);
    if (reason === 'preempt' || reason === 'preempt-priority') node.stats.preempts++;
    step.out.push({ kind: 'state', ifname: iface.name, vhid: node.vhid, from, to, reason });
  }
  armTimers(ctx, step, iface, node);
  iface.updateLink(step.out);
}

function currentValues(ctx: CoreContext, iface: CarpInterface, node: VirtualHost): AdvertisedValues {
  return { advbase: iface.advbase, advskew: nodeEffectiveAdvskew(ctx, node), demote: ctx.demotion.demoteCount(iface) };
}

/** One advertisement round in the node's protocol; `bowOut`: CARP 255/255, VRRP priority 0. */
function round(ctx: CoreContext, step: Step, iface: CarpInterface, node: VirtualHost, bowOut: boolean): readonly AdvertiseAction[] {
  const vrrp = iface.vrrp;
  if (vrrp !== null) return buildVrrpAdvertisements(iface, vrrp, node, bowOut ? 0 : vrrpPriority(ctx, iface, vrrp));
  const values = bowOut ? bowOutValues(ctx.demotion.demoteCount(iface)) : currentValues(ctx, iface, node);
  return buildAdvertisements(ctx, step.now, iface, node, values);
}

/**
 * The node that sends gratuitous ARP / NA: the leader, and only in balancing none; the balancing
 * modes send none on any transition (docs/protocol.md §3.8, §4.2).
 */
export function isAnnouncer(iface: CarpInterface, node: VirtualHost): boolean {
  return iface.leader === node && BALANCING_MODES[iface.balancingInForce].gratuitousAnnouncements;
}

/** Gratuitous ARP / NA for virtual addresses, with the MAC they are answered with. */
function announce(
  step: Step,
  iface: CarpInterface,
  node: VirtualHost,
  occasion: AnnounceAction['occasion'],
  addresses: readonly IpAddress[] = iface.virtualAddresses(),
): void {
  const carpdev = iface.carpdev;
  if (carpdev === null || !isAnnouncer(iface, node)) return;
  const push = (mac: MacAddress | null, list: readonly IpAddress[]): void => {
    if (list.length === 0 || mac === null) return;
    step.out.push({ kind: 'announce', ifname: iface.name, carpdev, vhid: node.vhid, mac, addresses: list.map(copyAddress), occasion });
  };
  if (iface.vrrp === null) return push(linkLayerOf(iface).wireMac, addresses);
  // VRRPv3: each family's addresses with the family's virtual MAC (RFC 5798 7.3).
  for (const family of [4, 6] as const) push(vrrpVirtualMac(family, node.vhid), addresses.filter((a) => a.family === family));
}

/** An announcement round now and the delayed one after two more advertisements (OpenBSD sc_delayed_arp). */
function announceRounds(step: Step, iface: CarpInterface, node: VirtualHost, occasion: 'takeover' | 'mac-changed'): void {
  if (!isAnnouncer(iface, node)) return;
  announce(step, iface, node, occasion);
  node.delayedAnnounce = DELAYED_ANNOUNCE_ROUNDS;
}

/** Addresses that appear while the leader is MASTER are announced at once. */
export function announceAdded(step: Step, iface: CarpInterface, added: readonly IpAddress[]): void {
  const leader = iface.leader;
  if (leader?.state === 'MASTER') announce(step, iface, leader, 'address-added', added);
}

/**
 * After a change of the nodes or the balancing mode: a node that no longer announces (a lower vhid
 * became the leader, or a balancing mode is in force) drops its pending delayed round; a MASTER that
 * has just become the announcer announces now, since neighbours know the addresses by another MAC.
 */
export function followAnnouncer(step: Step, iface: CarpInterface, before: VirtualHost | undefined): void {
  for (const node of iface.nodes) {
    if (!isAnnouncer(iface, node)) node.delayedAnnounce = null;
    else if (node !== before && node.state === 'MASTER') announceRounds(step, iface, node, 'mac-changed');
  }
}

/**
 * After a configuration change: the garp-refresh rounds follow the setting and the announcer. A
 * node that no longer refreshes stops; one that starts (or whose interval changed) counts from
 * now; the others keep their schedule.
 */
export function followRefresh(step: Step, iface: CarpInterface, intervalChanged: boolean): void {
  for (const node of iface.nodes) {
    const due = refreshDue(step, iface, node);
    if (due === null || node.refreshAt === null || intervalChanged) node.refreshAt = due;
  }
}

/**
 * The master-down routine (carp_master_down, OpenBSD-current order): MASTER, an advertisement per
 * active family, the gratuitous ARP / NA round (the announcer only) with a second round scheduled,
 * and the advertisement timer (armed by setState).
 */
export function becomeMaster(ctx: CoreContext, step: Step, iface: CarpInterface, node: VirtualHost, reason: TransitionReason): void {
  setState(ctx, step, iface, node, 'MASTER', reason);
  step.out.push(...round(ctx, step, iface, node, false));
  node.lastRoundAt = step.now;
  announceRounds(step, iface, node, 'takeover');
}

/** An advertisement round right now and a fresh advertisement timer (demotion changed). */
export function advertiseNow(ctx: CoreContext, step: Step, iface: CarpInterface, node: VirtualHost): void {
  if (node.state !== 'MASTER') return;
  step.out.push(...round(ctx, step, iface, node, false));
  node.lastRoundAt = step.now;
  node.advertiseAt = step.now + adInterval(ctx, iface, node);
}

/** The periodic round; the delayed announcement follows the second one after a takeover. */
function advertisementTimer(ctx: CoreContext, step: Step, iface: CarpInterface, node: VirtualHost): void {
  advertiseNow(ctx, step, iface, node);
  if (node.delayedAnnounce === null) return;
  node.delayedAnnounce--;
  if (node.delayedAnnounce <= 0) {
    node.delayedAnnounce = null;
    announce(step, iface, node, 'delayed');
  }
}

export function fireTimer(ctx: CoreContext, step: Step, iface: CarpInterface, node: VirtualHost, kind: TimerKind): void {
  if (kind === 'garp-refresh') {
    node.refreshAt = refreshDue(step, iface, node);
    if (node.refreshAt !== null) announce(step, iface, node, 'refresh');
    return;
  }
  if (kind === 'advertise') {
    if (node.state === 'MASTER') advertisementTimer(ctx, step, iface, node);
    else node.advertiseAt = null;
    return;
  }
  if (node.state === 'BACKUP') becomeMaster(ctx, step, iface, node, 'master-down');
  else node.masterDownAt[kind === 'master-down-4' ? 4 : 6] = null;
}

/**
 * Takes a node to INIT. A MASTER first bows out (255/255, current demote) when `bowOut` allows
 * and it has an address to authenticate with; no advertisement is scheduled after it.
 */
export function stopNode(
  ctx: CoreContext,
  step: Step,
  iface: CarpInterface,
  node: VirtualHost,
  reason: TransitionReason,
  bowOut: boolean,
): void {
  if (bowOut && node.state === 'MASTER') step.out.push(...round(ctx, step, iface, node, true));
  setState(ctx, step, iface, node, 'INIT', reason);
}

/** Restarts the master-down timer of one family, if that family is active. */
function restartMasterDown(ctx: CoreContext, step: Step, iface: CarpInterface, node: VirtualHost, family: Family): void {
  if (iface.activeFamilies().includes(family)) {
    node.masterDownAt[family] = step.now + masterDown(ctx, iface, node);
  }
}

/**
 * After an address change of a BACKUP: a family that became active starts its master-down timer,
 * one that is no longer active stops it, the others keep running.
 */
export function restartFamilyTimers(
  ctx: CoreContext,
  step: Step,
  iface: CarpInterface,
  node: VirtualHost,
  activeBefore: readonly Family[],
): void {
  if (node.state !== 'BACKUP') return;
  const active = iface.activeFamilies();
  for (const family of [4, 6] as const) {
    if (!active.includes(family)) node.masterDownAt[family] = null;
    else if (!activeBefore.includes(family)) node.masterDownAt[family] = step.now + masterDown(ctx, iface, node);
  }
}

/**
 * The VRRPv3 rules for an advertisement that passed every guard (vrrp-rules.ts). A backup that
 * follows a master, or a master that yields, learns the master's interval (RFC 5798 6.4.2).
 */
export function applyVrrpAdvertisement(
  ctx: CoreContext,
  step: Step,
  iface: CarpInterface,
  node: VirtualHost,
  ad: Vrrp3Advertisement,
  family: Family,
  senderHigher: boolean,
): void {
  const vrrp = iface.vrrp;
  if (vrrp === null) return;
  const ours = vrrpPriority(ctx, iface, vrrp);
  const outcome = decideVrrp(node.state, { preempt: ctx.settings.preempt, ours, theirs: ad.priority, senderHigher });
  switch (outcome.kind) {
    case 'ignore':
      return;
    case 'advertise-now':
      advertiseNow(ctx, step, iface, node);
      return;
    case 'master-down-after-skew':
      if (iface.activeFamilies().includes(family)) node.masterDownAt[family] = step.now + skewTime(ours, masterInterval(vrrp, node));
      return;
    case 'follow-master':
      node.masterAdverInterval = ad.intervalCentiseconds;
      restartMasterDown(ctx, step, iface, node, family);
      return;
    case 'transition':
      if (outcome.to === 'MASTER') return becomeMaster(ctx, step, iface, node, outcome.reason);
      node.masterAdverInterval = ad.intervalCentiseconds;
      setState(ctx, step, iface, node, 'BACKUP', outcome.reason);
      return;
  }
}

/** The state rules for an advertisement that passed every guard (receive-rules.ts). */
export function applyAdvertisement(
  ctx: CoreContext,
  step: Step,
  iface: CarpInterface,
  node: VirtualHost,
  ad: DecodedCarp,
  family: Family,
): void {
  const ours = { advbase: iface.advbase, advskew: nodeEffectiveAdvskew(ctx, node) };
  const theirs = { advbase: ad.advbase, advskew: ad.advskew };
  const outcome = decide(node.state, {
    preempt: ctx.settings.preempt,
    ours,
    theirs,
    demoteOurs: ctx.demotion.demoteCount(iface),
    demoteTheirs: ad.demote,
    bowOut: isBowOut(ad),
    willTimeOut: masterWillTimeOut({ ...ours, effectiveAdvskew: ours.advskew, masterDown: masterDown(ctx, iface, node) }, theirs),
  });
  switch (outcome.kind) {
    case 'ignore':
      return;
    case 'restart-master-down':
      restartMasterDown(ctx, step, iface, node, family);
      return;
    case 'transition':
      // Going BACKUP sends nothing (OpenBSD, FreeBSD); setState starts the master-down timers.
      if (outcome.to === 'MASTER') becomeMaster(ctx, step, iface, node, outcome.reason);
      else setState(ctx, step, iface, node, 'BACKUP', outcome.reason);
      return;
  }
}
