/**
 * What a valid advertisement does to a virtual host, as a table (docs/protocol.md §3.4, the
 * OpenBSD-current form with the demote byte; against FreeBSD and ucarp peers, which send demote 0,
 * it reduces to the classic rules). The rules of a state are tried in order; the first that
 * matches decides, otherwise the state's default applies.
 */
import { compareTiming, type Timing } from './timing';
import type { CarpState, TransitionReason } from './types';

export interface RuleInput {
  readonly preempt: boolean;
  /** (our advbase, our effective advskew). */
  readonly ours: Timing;
  /** (advbase, advskew) of the advertisement. */
  readonly theirs: Timing;
  /** Our interface's demote count (d_ours) and byte 4 of the advertisement (d_theirs). */
  readonly demoteOurs: number;
  readonly demoteTheirs: number;
  /** The advertisement is a bow-out (255/255). */
  readonly bowOut: boolean;
  /** timing.ts masterWillTimeOut for this advertisement. */
  readonly willTimeOut: boolean;
}

export type RuleOutcome =
  | { readonly kind: 'transition'; readonly to: 'MASTER' | 'BACKUP'; readonly reason: TransitionReason }
  /** Restart the master-down timer of the family the advertisement arrived on. */
  | { readonly kind: 'restart-master-down' }
  | { readonly kind: 'ignore' };

interface Rule {
  readonly when: (input: RuleInput) => boolean;
  readonly outcome: RuleOutcome;
}

const IGNORE: RuleOutcome = { kind: 'ignore' };
const toBackup = (reason: TransitionReason): RuleOutcome => ({ kind: 'transition', to: 'BACKUP', reason });
const toMaster = (reason: TransitionReason): RuleOutcome => ({ kind: 'transition', to: 'MASTER', reason });

export const RECEIVE_RULES: Readonly<Record<CarpState, { readonly rules: readonly Rule[]; readonly otherwise: RuleOutcome }>> = {
  INIT: { rules: [], otherwise: IGNORE },
  MASTER: {
    rules: [
      // Deliberate deviation: OpenBSD would yield to a less-demoted bow-out, which leaves nobody
      // MASTER since its sender is leaving. We stay.
      { when: (i) => i.bowOut, outcome: IGNORE },
      {
        when: (i) => compareTiming(i.ours, i.theirs) >= 0 && i.demoteTheirs <= i.demoteOurs,
        outcome: toBackup('better-master'),
      },
      { when: (i) => i.demoteTheirs < i.demoteOurs, outcome: toBackup('less-demoted-master') },
    ],
    otherwise: IGNORE,
  },
  BACKUP: {
    rules: [
      {
        when: (i) => i.preempt && compareTiming(i.ours, i.theirs) < 0 && i.demoteTheirs >= i.demoteOurs,
        outcome: toMaster('preempt'),
      },
      { when: (i) => i.demoteTheirs > i.demoteOurs, outcome: toMaster('master-demoted') },
      { when: (i) => i.willTimeOut, outcome: toMaster('master-will-time-out') },
    ],
    otherwise: { kind: 'restart-master-down' },
  },
};

/**
 * The outcome for a node in `state`. A bow-out that makes us MASTER is reported as `bow-out`
 * whichever rule fired (with preempt on, the preempt rule matches a bow-out first): the sender
 * is leaving, it is not being preempted.
 */
export function decide(state: CarpState, input: RuleInput): RuleOutcome {
  const table = RECEIVE_RULES[state];
  const outcome = table.rules.find((rule) => rule.when(input))?.outcome ?? table.otherwise;
  if (input.bowOut && outcome.kind === 'transition' && outcome.to === 'MASTER') return toMaster('bow-out');
  return outcome;
}
