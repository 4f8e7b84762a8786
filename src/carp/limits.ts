/**
 * Value ranges (docs/protocol.md §3.9). One table, used by the state machine, the CLI grammar and
 * the config files, so every refusal quotes the same range.
 */
import { CarpError } from './errors';

export interface Range {
  readonly min: number;
  readonly max: number;
}

export const LIMITS = {
  vhid: { min: 1, max: 255 },
  /** OpenBSD allows 0 (sub-second intervals); FreeBSD needs >= 1 (docs/protocol.md §3.9). */
  advbase: { min: 0, max: 255 },
  /** 255 is reserved for bow-out advertisements. */
  advskew: { min: 0, max: 254 },
  /** OpenBSD's carp_group_demote_adj keeps a group counter within one byte. */
  groupDemote: { min: 0, max: 255 },
  /** `garp-refresh SECONDS` (ours): 0 turns the periodic announcements off; at most an hour. */
  garpRefresh: { min: 0, max: 3600 },
  /** OpenBSD: up to 32 carpnodes per carp interface. */
  carpnodes: { min: 1, max: 32 },
  /** `carpver`: 2 is CARP, 3 is VRRPv3 (FreeBSD 14.1's carp(4)). */
  carpver: { min: 2, max: 3 },
  /** `vrrpprio`: 0 is the bow-out and 255 the address owner (RFC 5798 5.2.4), neither configurable. */
  vrrpprio: { min: 1, max: 254 },
  /** `vrrpinterval`: centiseconds in 12 bits (RFC 5798 5.2.7). */
  vrrpinterval: { min: 1, max: 4095 },
} as const satisfies Record<string, Range>;

/**
 * carp0 ... carp9999, without leading zeros. The unit number also names the interface's policy
 * routing table (4200 + N, src/kernel/policy-routing-plan.ts), so two names must never share one.
 */
export const CARP_UNIT_MAX = 9999;
export const CARP_INTERFACE_NAME = /^carp(0|[1-9][0-9]{0,3})$/;
export const CARP_INTERFACE_NAMES = `carp0 to carp${CARP_UNIT_MAX}, without leading zeros`;

export const DEFAULT_ADVBASE = 1;
export const DEFAULT_ADVSKEW = 0;
export const DEFAULT_CARPVER = 2;
/** RFC 5798 6.1: Priority 100, Advertisement_Interval 100 centiseconds (FreeBSD's defaults too). */
export const DEFAULT_VRRP_PRIORITY = 100;
export const DEFAULT_VRRP_INTERVAL = 100;

/** Returns `value` if it is an integer within `range`, else throws `out-of-range` naming the range. */
export function checkRange(what: string, value: number, range: Range): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new CarpError('out-of-range', `${what} ${value} is out of range: valid values are ${range.min}-${range.max}`);
  }
  return value;
}
