/**
 * The automatic demotions (docs/protocol.md §3.5, §3.11), each applied in both styles at once:
 * - carpdev: while a configured interface's carpdev is not running, OpenBSD +1 on the interface
 *   (private count and every group) and FreeBSD +ifdown_demotion_factor per node;
 * - send errors: after 3 x nodes consecutive failed sends OpenBSD +1 and FreeBSD
 *   +senderr_demotion_factor, undone after as many consecutive successes.
 * Each demotion remembers the amount it added, so undoing it subtracts exactly that even when a
 * factor was changed in between.
 */
import type { CarpInterface } from './carp-interface';
import type { CoreContext } from './context';
import type { Step } from './state-machine';
import type { VirtualHost } from './virtual-host';

/** OpenBSD CARP_SENDAD_MAX_ERRORS / CARP_SENDAD_MIN_SUCCESS: 3 per carpnode. */
function sendStreakLength(iface: CarpInterface): number {
  return 3 * Math.max(1, iface.nodes.length);
}

/** Undoes the FreeBSD carpdev demotion of one node (recovered, removed or destroyed). */
export function releaseNodeDemotion(ctx: CoreContext, step: Step, node: VirtualHost): void {
  if (node.carpdevDemotion === null) return;
  ctx.demotion.adjustFreebsd(-node.carpdevDemotion, 'carpdev-restored', step.out);
  node.carpdevDemotion = null;
}

function syncCarpdevDemotion(ctx: CoreContext, step: Step, iface: CarpInterface, exists: boolean): void {
  const carpdev = iface.carpdev;
  const down = exists && carpdev !== null && iface.nodes.length > 0 && !ctx.isCarpdevRunning(carpdev);
  if (down !== iface.carpdevSuppressed) {
    iface.carpdevSuppressed = down;
    ctx.demotion.adjustMember(iface, down ? 1 : -1, down ? 'carpdev' : 'carpdev-restored', step.out);
  }
  for (const node of iface.nodes) {
    if (!down) {
      releaseNodeDemotion(ctx, step, node);
    } else if (node.carpdevDemotion === null) {
      node.carpdevDemotion = ctx.settings.ifdownDemotionFactor;
      ctx.demotion.adjustFreebsd(node.carpdevDemotion, 'carpdev', step.out);
    }
  }
}

/**
 * Brings the automatic demotions of an interface in line with its state: the carpdev demotion
 * holds iff it has a carpdev that is not running and at least one node; an interface without
 * nodes sends nothing, so it has no send-error demotion either.
 */
export function syncDemotion(ctx: CoreContext, step: Step, iface: CarpInterface): void {
  syncCarpdevDemotion(ctx, step, iface, true);
  if (iface.nodes.length === 0) clearSendErrorDemotion(ctx, step, iface);
}

function clearSendErrorDemotion(ctx: CoreContext, step: Step, iface: CarpInterface): void {
  if (iface.sendErrorDemotion !== null) {
    ctx.demotion.adjustMember(iface, -1, 'snderrors-cleared', step.out);
    ctx.demotion.adjustFreebsd(-iface.sendErrorDemotion, 'snderrors-cleared', step.out);
    iface.sendErrorDemotion = null;
  }
  iface.sendErrors = 0;
  iface.sendSuccesses = 0;
}

/** Counts one send outcome of the interface (OpenBSD carp_send_ad error accounting). */
export function countSendResult(ctx: CoreContext, step: Step, iface: CarpInterface, ok: boolean): void {
  const streak = sendStreakLength(iface);
  if (!ok) {
    iface.sendSuccesses = 0;
    iface.sendErrors = Math.min(iface.sendErrors + 1, Number.MAX_SAFE_INTEGER);
    if (iface.sendErrors >= streak && iface.sendErrorDemotion === null) {
      iface.sendErrorDemotion = ctx.settings.senderrDemotionFactor;
      ctx.demotion.adjustMember(iface, 1, 'snderrors', step.out);
      ctx.demotion.adjustFreebsd(iface.sendErrorDemotion, 'snderrors', step.out);
    }
    return;
  }
  if (iface.sendErrorDemotion === null) {
    iface.sendErrors = 0;
    return;
  }
  iface.sendSuccesses++;
  if (iface.sendSuccesses >= streak) clearSendErrorDemotion(ctx, step, iface);
}

/**
 * Everything a destroyed interface added to the counters, taken out again: its carpdev and
 * send-error demotions, then its private count from each of its groups.
 */
export function releaseInterfaceDemotion(ctx: CoreContext, step: Step, iface: CarpInterface): void {
  syncCarpdevDemotion(ctx, step, iface, false);
  clearSendErrorDemotion(ctx, step, iface);
  for (const group of iface.memberOf) ctx.demotion.leave(iface, group, step.out);
}
