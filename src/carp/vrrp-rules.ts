/**
 * What a valid VRRPv3 advertisement does to a virtual host, as a table like receive-rules.ts
 * (RFC 5798 6.4.2, 6.4.3; FreeBSD carp(4) with carpver 3). Preemption follows
 * net.inet.carp.preempt, as FreeBSD does, and is immediate: a backup with preempt on takes over at
 * once from a lower-priority master instead of waiting for its master-down timer (docs/protocol.md §8.4).
 */
import type { CarpState, TransitionReason } from './types';

export interface VrrpRuleInput {
  readonly preempt: boolean;
  /** Our advertised (demoted) priority, 1-254. */
  readonly ours: number;
  /** The advertisement's priority: 0 bow-out, 255 address owner. */
  readonly theirs: number;
  /** The sender's address is above ours (the tie-break of RFC 5798 6.4.3). */
  readonly senderHigher: boolean;
}

export type VrrpOutcome =
  | { readonly kind: 'transition'; readonly to: 'MASTER' | 'BACKUP'; readonly reason: TransitionReason }
  /** Learn the master's interval and restart the master-down timer of the family. */
  | { readonly kind: 'follow-master' }
  /** Priority 0: the master leaves; take over after the skew time (RFC 5798 6.4.2). */
  | { readonly kind: 'master-down-after-skew' }
  /** Priority 0 seen by a MASTER: advertise at once so the backups stay (RFC 5798 6.4.3). */
  | { readonly kind: 'advertise-now' }
  | { readonly kind: 'ignore' };

interface VrrpRule {
  readonly when: (input: VrrpRuleInput) => boolean;
  readonly outcome: VrrpOutcome;
}

const BOW_OUT = 0;

export const VRRP_RULES: Readonly<Record<CarpState, { readonly rules: readonly VrrpRule[]; readonly otherwise: VrrpOutcome }>> = {
  INIT: { rules: [], otherwise: { kind: 'ignore' } },
  MASTER: {
    rules: [
      { when: (i) => i.theirs === BOW_OUT, outcome: { kind: 'advertise-now' } },
      { when: (i) => i.theirs > i.ours, outcome: { kind: 'transition', to: 'BACKUP', reason: 'higher-priority' } },
      { when: (i) => i.theirs === i.ours && i.senderHigher, outcome: { kind: 'transition', to: 'BACKUP', reason: 'higher-address' } },
    ],
    otherwise: { kind: 'ignore' },
  },
  BACKUP: {
    rules: [
      { when: (i) => i.theirs === BOW_OUT, outcome: { kind: 'master-down-after-skew' } },
      { when: (i) => i.preempt && i.theirs < i.ours, outcome: { kind: 'transition', to: 'MASTER', reason: 'preempt-priority' } },
    ],
    otherwise: { kind: 'follow-master' },
  },
};

export function decideVrrp(state: CarpState, input: VrrpRuleInput): VrrpOutcome {
  const table = VRRP_RULES[state];
  return table.rules.find((rule) => rule.when(input))?.outcome ?? table.otherwise;
}
