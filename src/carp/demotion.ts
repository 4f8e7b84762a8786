/**
 * Demotion (docs/protocol.md §3.5), both styles at once so that every kind of peer sees it:
 * - OpenBSD: a counter per interface group (every carp interface is in `carp` plus its configured
 *   groups) and a private count per interface. The demote count sent in byte 4 is the sum of the
 *   interface's group counters, or its private count when that sum is 0, clamped to one byte.
 * - FreeBSD: one global net.inet.carp.demotion added to every advskew (see timing.ts).
 * Every change of a counter is reported as a DemotionAction.
 */
import { CarpError } from './errors';
import { LIMITS } from './limits';
import type { Action, DemotionReason } from './types';

/** The group every carp interface is in; it exists even when empty (OpenBSD carpattach). */
export const CARP_GROUP = 'carp';

/**
 * What maintenance mode adds, in both styles: 240 to the `carp` group (byte 4 of every interface,
 * far above the small counts of automatic demotion) and to net.inet.carp.demotion (FreeBSD and
 * ucarp peers only see advskew, which rises to 240), as pfSense's persistent CARP maintenance
 * mode adds 240 to net.inet.carp.demotion.
 */
export const MAINTENANCE_DEMOTION = 240;

/** What demotion needs to know of a carp interface. */
export interface DemotionMember {
  /** Every group of the interface, `carp` first. */
  readonly memberOf: readonly string[];
  /** OpenBSD's private demote count of the interface. */
  privateDemote: number;
}

export class DemotionCounters {
  private readonly groups = new Map<string, number>([[CARP_GROUP, 0]]);
  private freebsdTotal = 0;
  private maintenanceOn = false;
  /** Called once, just before the next change of a counter (see watchNextChange). */
  private beforeChange: (() => void) | null = null;

  /**
   * `callback` runs once, just before the next change of any counter (a group, a private count or
   * the FreeBSD total), while everything still has its old value: a caller that only needs the
   * old values when something changes takes them then instead of before every call.
   */
  watchNextChange(callback: (() => void) | null): void {
    this.beforeChange = callback;
  }

  /** Whether maintenance mode adds MAINTENANCE_DEMOTION to the counters. */
  get maintenance(): boolean {
    return this.maintenanceOn;
  }

  /**
   * Maintenance mode on or off: MAINTENANCE_DEMOTION added to, or taken from, the `carp` group
   * and the FreeBSD total. Like any automatic demotion the group counter never goes below 0, so
   * an administrator's -carpdemote meanwhile is not undone twice. No action when nothing changed.
   */
  setMaintenance(on: boolean, out: Action[]): void {
    if (on === this.maintenanceOn) return;
    this.maintenanceOn = on;
    const delta = on ? MAINTENANCE_DEMOTION : -MAINTENANCE_DEMOTION;
    this.adjustGroup(CARP_GROUP, delta, 'maintenance', out);
    this.adjustFreebsd(delta, 'maintenance', out);
  }

  /** net.inet.carp.demotion. */
  get freebsd(): number {
    return this.freebsdTotal;
  }

  has(group: string): boolean {
    return this.groups.has(group);
  }

  counter(group: string): number {
    return this.groups.get(group) ?? 0;
  }

  /** `carp` first, then the others by name. */
  groupNames(): string[] {
    const others = [...this.groups.keys()].filter((g) => g !== CARP_GROUP).sort();
    return [CARP_GROUP, ...others];
  }

  /** A group comes into existence when the first interface joins it. */
  createGroup(group: string): void {
    if (!this.groups.has(group)) this.groups.set(group, 0);
  }

  /** A group nobody is in any more is forgotten with its counter (OpenBSD); `carp` stays. */
  deleteGroup(group: string): void {
    if (group !== CARP_GROUP) this.groups.delete(group);
  }

  /**
   * An automatic adjustment: the counter never goes below 0 (OpenBSD carp_group_demote_adj).
   * No action when nothing changed.
   */
  adjustGroup(group: string, delta: number, reason: DemotionReason, out: Action[]): void {
    const from = this.counter(group);
    const to = Math.max(0, from + delta);
    if (to === from) return;
    this.noteChange();
    this.groups.set(group, to);
    out.push({ kind: 'demotion', group, from, to, reason });
  }

  /** carpdemote / -carpdemote: the group must exist and the result must stay within one byte. */
  adjustGroupByAdmin(group: string, delta: number, out: Action[]): void {
    if (!this.groups.has(group)) {
      throw new CarpError('bad-value', `no interface group "${group}": existing groups are ${this.groupNames().join(', ')}`);
    }
    if (!Number.isInteger(delta)) {
      throw new CarpError('out-of-range', `demotion adjustment ${delta} is not an integer`);
    }
    const { min, max } = LIMITS.groupDemote;
    const to = this.counter(group) + delta;
    if (to < min || to > max) {
      throw new CarpError(
        'out-of-range',
        `group ${group} demotion ${this.counter(group)} + ${delta} = ${to} is out of range: valid values are ${min}-${max}`,
      );
    }
    this.adjustGroup(group, delta, 'admin', out);
  }

  adjustFreebsd(delta: number, reason: DemotionReason, out: Action[]): void {
    if (delta === 0) return;
    this.noteChange();
    const from = this.freebsdTotal;
    this.freebsdTotal = from + delta;
    out.push({ kind: 'demotion', group: null, from, to: this.freebsdTotal, reason });
  }

  /** The demote count of byte 4 (OpenBSD carp_group_demote_count). */
  demoteCount(member: DemotionMember): number {
    const sum = member.memberOf.reduce((total, group) => total + this.counter(group), 0);
    const count = sum === 0 ? member.privateDemote : sum;
    return Math.min(Math.max(count, 0), 255);
  }

  /** An automatic OpenBSD adjustment of an interface: its private count and all its groups. */
  adjustMember(member: DemotionMember, delta: number, reason: DemotionReason, out: Action[]): void {
    const privateDemote = Math.max(0, member.privateDemote + delta);
    if (privateDemote !== member.privateDemote) this.noteChange();
    member.privateDemote = privateDemote;
    for (const group of member.memberOf) this.adjustGroup(group, delta, reason, out);
  }

  /** Joining a group brings the interface's private count into it. */
  join(member: DemotionMember, group: string, out: Action[]): void {
    this.createGroup(group);
    this.adjustGroup(group, member.privateDemote, 'group-membership', out);
  }

  /** Leaving a group takes the interface's private count out of it. */
  leave(member: DemotionMember, group: string, out: Action[]): void {
    this.adjustGroup(group, -member.privateDemote, 'group-membership', out);
  }

  private noteChange(): void {
    const callback = this.beforeChange;
    this.beforeChange = null;
    callback?.();
  }
}
