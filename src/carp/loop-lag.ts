/**
 * A MASTER whose daemon did not run on time (docs/protocol.md §3.12). Its advertisements went out
 * late or not at all, so a backup may be about to take over, or may have done so already.
 * - A lag of at least a third of the shortest master-down interval a backup can have (advbase
 *   seconds: a backup's master-down is 3 x advbase plus its skew) demotes the host, as OpenBSD
 *   demotes a host that cannot send: +1 on the `carp` group and FreeBSD's
 *   senderr_demotion_factor, so that every kind of peer prefers a backup while this host is
 *   unreliable. The demotion is withdrawn once no such lag has been seen for
 *   LOOP_LAG_RECOVERY_MS.
 * - A MASTER node that has not advertised for that shortest master-down interval steps down to
 *   BACKUP at once and sends nothing: a backup has taken over, or will before it hears from us,
 *   and answering or advertising now would make two masters (or steal mastership back with our
 *   old, better advskew). If nobody took over, its master-down timer brings it back.
 */
import type { CarpInterface } from './carp-interface';
import type { CoreContext } from './context';
import { CARP_GROUP } from './demotion';
import { type Step, setState } from './state-machine';
import { masterDownInterval } from './timing';
import { VRRP_MAX_SENT_PRIORITY, vrrpMasterDownInterval } from './vrrp-timing';
import type { Millis } from './types';

/** How long the loop must run on time before the loop-lag demotion is withdrawn. */
export const LOOP_LAG_RECOVERY_MS: Millis = 30_000;

/**
 * The shortest master-down interval a backup of this interface can have: its advskew is 0 or more;
 * with carpver 3 its priority is at most 254, and it times out with our advertised interval.
 */
function shortestBackupMasterDown(ctx: CoreContext, iface: CarpInterface): Millis {
  if (iface.vrrp !== null) return vrrpMasterDownInterval(VRRP_MAX_SENT_PRIORITY, iface.vrrp.intervalCentiseconds);
  return masterDownInterval(ctx.settings.masterdown, iface.advbase, 0);
}

/** The interfaces that run and have a MASTER node: the ones whose backups wait for us. */
function mastering(ctx: CoreContext): CarpInterface[] {
  return [...ctx.interfaces.values()].filter((iface) => iface.haltReason(ctx) === null && iface.nodes.some((n) => n.state === 'MASTER'));
}

/** A third of the shortest backup master-down of any interface this host is MASTER on; null when none. */
export function loopLagLimit(ctx: CoreContext): Millis | null {
  const limits = mastering(ctx).map((iface) => shortestBackupMasterDown(ctx, iface) / 3);
  return limits.length === 0 ? null : Math.min(...limits);
}

/** The loop came back `lagMs` late: step down where a backup may be MASTER, demote if the lag is near. */
export function noteLoopLag(ctx: CoreContext, step: Step, lagMs: Millis): void {
  const limit = loopLagLimit(ctx);
  if (limit === null || lagMs < limit) return;
  for (const iface of mastering(ctx)) {
    const masterDown = shortestBackupMasterDown(ctx, iface);
    for (const node of iface.nodes) {
      const silentFor = step.now - (node.lastRoundAt ?? step.now);
      if (node.state === 'MASTER' && silentFor >= masterDown) setState(ctx, step, iface, node, 'BACKUP', 'stalled');
    }
  }
  const until = step.now + LOOP_LAG_RECOVERY_MS;
  if (ctx.loopLagDemotion !== null) {
    ctx.loopLagDemotion.until = until;
    return;
  }
  const freebsd = ctx.settings.senderrDemotionFactor;
  ctx.loopLagDemotion = { until, freebsd };
  ctx.demotion.adjustGroup(CARP_GROUP, 1, 'loop-lag', step.out);
  ctx.demotion.adjustFreebsd(freebsd, 'loop-lag', step.out);
}

/** Withdraws the loop-lag demotion once its time is up. */
export function expireLoopLagDemotion(ctx: CoreContext, step: Step): void {
  const demotion = ctx.loopLagDemotion;
  if (demotion === null || demotion.until > step.now) return;
  ctx.loopLagDemotion = null;
  ctx.demotion.adjustGroup(CARP_GROUP, -1, 'loop-lag-cleared', step.out);
  ctx.demotion.adjustFreebsd(-demotion.freebsd, 'loop-lag-cleared', step.out);
}
