/**
 * Every refusal of the interface grammar that a word after `pass` can trigger, as the words that
 * follow `vhid 5 pass Leaky`: the passphrase meant is "Leaky" and all of them (a passphrase with
 * spaces, split by the file or by a missing quote), so no refusal may print any of it. Shared by
 * the grammar, file, boot-log and carpctl tests.
 */
import type { ConfigErrorCode, WordContext } from '../../src/config/grammar';

export interface LeakCase {
  /** The passphrase's first word, when not FIRST_WORD: one that looks like a keyword. */
  readonly first?: string;
  /** The words after the passphrase's first word. */
  readonly after: readonly string[];
  /** The refusal expected, so each row is known to take the path it names. */
  readonly code: ConfigErrorCode;
  /** Where the words are refused this way; both when absent. */
  readonly only?: WordContext;
}

export const FIRST_WORD = 'Leaky';

const carpnodes = (count: number): string => Array.from({ length: count }, (_, i) => `${i + 1}:0`).join(',');

export const LEAK_CASES: readonly LeakCase[] = [
  { after: ['SecondHalf', 'carpdev', 'eth0'], code: 'unknown-word' },
  { first: 'carpdev', after: ['eth0'], code: 'unknown-word' },
  { first: 'advskew', after: ['Zq7tail'], code: 'unknown-word' },
  { after: ['adv', '5'], code: 'ambiguous-word' },
  { after: ['carp', 'eth0'], code: 'ambiguous-word' },
  { after: ['advskew'], code: 'missing-value' },
  { after: ['vhid'], code: 'missing-value' },
  { after: ['advskew', 'Zq7many'], code: 'bad-value' },
  { after: ['advskew', '999'], code: 'out-of-range' },
  { after: ['carpdev', 'Zq7/eth'], code: 'bad-value' },
  { after: ['carpdev', 'carp77'], code: 'bad-value' },
  { after: ['carpnodes', 'Zq7-1'], code: 'bad-value' },
  { after: ['carpnodes', '255:0'], code: 'out-of-range' },
  { after: ['carpnodes', '7:0,7:9'], code: 'bad-value' },
  { after: ['carpnodes', carpnodes(33)], code: 'out-of-range' },
  { after: ['carpnodes', '1:0,2:0'], code: 'repeated-word' },
  { after: ['balancing', 'Zq7fast'], code: 'unknown-word' },
  { after: ['balancing', 'ip-'], code: 'ambiguous-word' },
  { after: ['group', 'Zq7!grp'], code: 'bad-value' },
  { after: ['group', 'Zq7grp1'], code: 'bad-value' },
  { after: ['-group', 'carp'], code: 'bad-value' },
  { after: ['group', 'Zq7grp', '-group', 'Zq7grp'], code: 'repeated-word' },
  { after: ['group', 'Zq7grp', 'group', 'Zq7grp'], code: 'repeated-word' },
  { after: ['vhid', '6'], code: 'repeated-word' },
  { after: ['down', 'up'], code: 'repeated-word' },
  { after: ['pass', 'Zq7again'], code: 'repeated-word' },
  { after: ['-pass'], code: 'repeated-word' },
  { after: ['passfile', 'Zq7.key'], code: 'repeated-word' },
  { after: ['create'], code: 'not-allowed' },
  { after: ['stats'], code: 'not-allowed' },
  { after: ['destroy'], code: 'not-allowed' },
  { after: ['state', 'backup'], code: 'not-allowed', only: 'file' },
  { after: ['state', 'Zq7side'], code: 'unknown-word', only: 'command' },
  { after: ['inet', 'Zq7.0.2.1/24'], code: 'bad-value' },
  { after: ['Zq7.0.2.1/24'], code: 'unknown-word' },
  { after: ['inet', '2001:db8::77/64'], code: 'bad-value' },
  { after: ['inet6', '192.0.2.77'], code: 'bad-value' },
  { after: ['192.0.2.77', 'inet6'], code: 'bad-value' },
  { after: ['inet', '192.0.2.77/24', 'inet', '192.0.2.77/25'], code: 'repeated-word' },
  { after: ['inet6', 'inet', '192.0.2.77'], code: 'repeated-word' },
  { after: ['inet'], code: 'missing-value' },
  { after: ['in', '192.0.2.77'], code: 'ambiguous-word' },
  { after: ['192.0.2.77/99'], code: 'bad-value' },
  { after: ['192.0.2.777'], code: 'bad-value' },
  { after: ['2001:db8::zz7'], code: 'bad-value' },
  { after: ['192.0.2.77', '192.0.2.78'], code: 'repeated-word' },
  { after: ['192.0.2.77', 'netmask', 'Zq7mask'], code: 'bad-value' },
  { after: ['192.0.2.77', 'netmask', '255.255.0.255'], code: 'bad-value' },
  { after: ['192.0.2.77/24', 'netmask', '255.255.255.0'], code: 'repeated-word' },
  { after: ['2001:db8::77', 'netmask', '255.255.255.0'], code: 'bad-value' },
  { after: ['netmask', '255.255.255.0'], code: 'missing-value' },
  { after: ['prefixlen', '999'], code: 'out-of-range' },
  { after: ['192.0.2.77', 'prefixlen', '64'], code: 'out-of-range' },
  { after: ['alias'], code: 'missing-value' },
  { after: ['alias', 'alias', '192.0.2.77'], code: 'repeated-word' },
  { after: ['-alias'], code: 'missing-value', only: 'command' },
  { after: ['-alias', '192.0.2.77'], code: 'not-allowed', only: 'file' },
  { after: ['alias', '-alias', '192.0.2.77'], code: 'repeated-word', only: 'command' },
];

export function casesFor(context: WordContext): readonly LeakCase[] {
  return LEAK_CASES.filter((c) => c.only === undefined || c.only === context);
}

/** The words of the line or command, from `vhid`. */
export function leakWords(leak: LeakCase): string[] {
  return ['vhid', '5', 'pass', leak.first ?? FIRST_WORD, ...leak.after];
}

/** Left out of the passphrase meant: every such message names `pass` by design. */
const PASS_KEYWORDS = new Set(['pass', '-pass', 'passfile']);

/**
 * Every substring of 3 characters of the passphrase meant that `message` holds after its
 * `prefix` (the file name and line, or "carpctl: "); none means nothing of it was printed.
 */
export function leakedFragments(message: string, leak: LeakCase, prefix: RegExp): string[] {
  const text = message.replace(prefix, '');
  const words = [leak.first ?? FIRST_WORD, ...leak.after].filter((w) => !PASS_KEYWORDS.has(w));
  return words.flatMap((word) =>
    Array.from({ length: Math.max(0, word.length - 2) }, (_, i) => word.slice(i, i + 3)).filter((g) => text.includes(g)),
  );
}
