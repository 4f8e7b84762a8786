/**
 * The one log line of a stall (docs/carpd.8.md, *After a stall*): how late the event loop came
 * back, what was discarded, and what the core did about it (src/carp/loop-lag.ts).
 */
import { LOOP_LAG_RECOVERY_MS } from '../carp/loop-lag';
import type { Action, Millis } from '../carp/types';

/** `discarded`: frames dropped unread after a stall longer than a master-down interval, else null. */
export function describeStall(lagMs: Millis, discarded: number | null, actions: readonly Action[]): string {
  const seconds = (lagMs / 1000).toFixed(1);
  const head =
    discarded === null
      ? `carpd's event loop came back ${seconds} s late`
      : `carpd did not run for ${seconds} s, longer than a master-down interval: ${discarded} frames that waited meanwhile were discarded`;
  const done: string[] = [];
  for (const action of actions) {
    if (action.kind === 'state' && action.reason === 'stalled') {
      done.push(`${action.ifname} vhid ${action.vhid} stepped down to BACKUP without advertising (a backup may have taken over)`);
    }
    if (action.kind === 'demotion' && action.reason === 'loop-lag' && action.group !== null) {
      done.push(`demoted (group ${action.group} ${action.from} -> ${action.to}) until the loop runs on time for ${LOOP_LAG_RECOVERY_MS / 1000} s`);
    }
  }
  return [head, ...done].join('; ');
}
