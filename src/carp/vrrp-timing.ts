/**
 * VRRPv3 timing and priority (RFC 5798 6.1, docs/protocol.md §8.4): intervals in centiseconds,
 * the skew time that lets the backup with the highest priority time out first, and the
 * master-down interval from the interval the master advertises (Master_Adver_Interval).
 */
import type { Millis } from './types';

export const CENTISECOND_MS: Millis = 10;

/** The highest priority we send: 255 means the address owner, which carpd never is (RFC 5798 5.2.4). */
export const VRRP_MAX_SENT_PRIORITY = 254;

/**
 * The priority we advertise: the configured one minus the demotion (FreeBSD's net.inet.carp.demotion
 * plus the interface's demote count), never below 1, since 0 means "leaving", and never above 254.
 */
export function demotedPriority(priority: number, demotion: number): number {
  return Math.min(Math.max(priority - demotion, 1), VRRP_MAX_SENT_PRIORITY);
}

/** Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, here in milliseconds. */
export function skewTime(priority: number, masterIntervalCentiseconds: number): Millis {
  return ((256 - priority) * masterIntervalCentiseconds * CENTISECOND_MS) / 256;
}

/** Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time, in milliseconds. */
export function vrrpMasterDownInterval(priority: number, masterIntervalCentiseconds: number): Millis {
  return 3 * masterIntervalCentiseconds * CENTISECOND_MS + skewTime(priority, masterIntervalCentiseconds);
}
