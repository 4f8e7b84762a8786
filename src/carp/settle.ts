/**
 * The pass that ends every call of the host (OpenBSD carp_setrun applied to every interface): the
 * running condition decides INIT <-> BACKUP, the automatic demotions follow the state, and MASTER
 * nodes whose demote count or effective advskew changed during the call advertise at once.
 */
import type { CarpInterface } from './carp-interface';
import type { CoreContext } from './context';
import { syncDemotion } from './demotion-sync';
import { type Step, advertiseNow, setState, stopNode } from './state-machine';
import { effectiveAdvskew } from './timing';
import type { CarpState } from './types';
import type { VirtualHost } from './virtual-host';

/** Starts the nodes of running interfaces and stops those of the others. */
export function settle(ctx: CoreContext, step: Step): void {
  for (const iface of ctx.interfaces.values()) {
    const halt = iface.haltReason(ctx);
    for (const node of iface.nodes) {
      if (halt === null && node.state === 'INIT') setState(ctx, step, iface, node, 'BACKUP', 'ready');
      // On carpdev-down the link is gone, so no bow-out is attempted.
      else if (halt !== null && node.state !== 'INIT') stopNode(ctx, step, iface, node, halt, halt !== 'carpdev-down');
    }
    syncDemotion(ctx, step, iface);
  }
}

/** What a call may change that makes MASTERs advertise at once. */
export interface DemotionSnapshot {
  readonly freebsd: number;
  readonly demote: ReadonlyMap<CarpInterface, number>;
  readonly masters: ReadonlySet<VirtualHost>;
}

export function snapshotDemotion(ctx: CoreContext): DemotionSnapshot {
  const masters = new Set<VirtualHost>();
  for (const iface of ctx.interfaces.values()) {
    for (const node of iface.nodes) if (node.state === 'MASTER') masters.add(node);
  }
  return { ...demotionCounts(ctx), masters };
}

/**
 * The snapshot of a call that changes no group membership (receive, sendResults, tick), taken only
 * if the call changes a demotion counter: without a membership change a demote count can only
 * change with a counter, so the counts are read just before the first counter change
 * (DemotionCounters.watchNextChange), and which nodes were MASTER when the call began follows from
 * the first state action of each node in the call. Nearly every such call changes no counter and
 * so costs no pass over the interfaces.
 */
export class DemotionWatch {
  private counts: Omit<DemotionSnapshot, 'masters'> | null = null;

  constructor(private readonly ctx: CoreContext) {
    ctx.demotion.watchNextChange(() => (this.counts = demotionCounts(ctx)));
  }

  /** Stops watching; the snapshot as of the start of the call if a counter changed, else null. */
  finish(step: Step): DemotionSnapshot | null {
    this.ctx.demotion.watchNextChange(null);
    return this.counts === null ? null : { ...this.counts, masters: mastersAtStart(this.ctx, step) };
  }
}

function demotionCounts(ctx: CoreContext): Omit<DemotionSnapshot, 'masters'> {
  const demote = new Map<CarpInterface, number>();
  for (const iface of ctx.interfaces.values()) demote.set(iface, ctx.demotion.demoteCount(iface));
  return { freebsd: ctx.demotion.freebsd, demote };
}

/** The nodes that were MASTER before `step`: a node's state then is the `from` of its first state action. */
function mastersAtStart(ctx: CoreContext, step: Step): Set<VirtualHost> {
  const firstFrom = new Map<string, CarpState>();
  for (const action of step.out) {
    if (action.kind !== 'state') continue;
    const key = `${action.ifname}/${action.vhid}`;
    if (!firstFrom.has(key)) firstFrom.set(key, action.from);
  }
  const masters = new Set<VirtualHost>();
  for (const iface of ctx.interfaces.values()) {
    for (const node of iface.nodes) if ((firstFrom.get(`${iface.name}/${node.vhid}`) ?? node.state) === 'MASTER') masters.add(node);
  }
  return masters;
}

/**
 * Nodes that were and still are MASTER advertise at once, and restart their timer, when their
 * demote count, effective advskew or VRRP priority changed, so that peers see it now (OpenBSD sends at once on
 * 0 -> 1, FreeBSD on every change). A node that just became MASTER has advertised already.
 */
export function advertiseDemotionChanges(ctx: CoreContext, step: Step, before: DemotionSnapshot): void {
  const freebsd = ctx.demotion.freebsd;
  for (const iface of ctx.interfaces.values()) {
    const demoteChanged = before.demote.get(iface) !== ctx.demotion.demoteCount(iface);
    for (const node of iface.nodes) {
      if (node.state !== 'MASTER' || !before.masters.has(node)) continue;
      const skewChanged = effectiveAdvskew(node.advskew, before.freebsd) !== effectiveAdvskew(node.advskew, freebsd);
      // carpver 3 subtracts the FreeBSD total from the priority whatever the advskew.
      const priorityChanged = iface.vrrp !== null && before.freebsd !== freebsd;
      if (demoteChanged || skewChanged || priorityChanged) advertiseNow(ctx, step, iface, node);
    }
  }
}
