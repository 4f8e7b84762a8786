/**
 * Refusals of the words after `pass`. A passphrase with a space cannot be written in a file line
 * (and is easily left unquoted on a command line): `pass Leaky SecondHalf` takes "Leaky" and
 * refuses "SecondHalf". Any word after `pass` may thus be part of the passphrase, so such a
 * refusal names the word's position and what is wrong with it, never the word, a candidate it
 * abbreviates, or the valid words (which would show what it was compared with).
 */
import { ConfigError, type ConfigErrorCode, type WordContext } from './grammar';

const WHAT_IS_WRONG: Record<ConfigErrorCode, string> = {
  'unknown-word': 'is not a known word',
  'ambiguous-word': 'is an ambiguous abbreviation',
  'missing-value': 'needs a value after it',
  'bad-value': 'is not a valid value',
  'out-of-range': 'is out of range',
  'repeated-word': 'repeats or contradicts another setting',
  'not-allowed': 'is not allowed here',
  'bad-passfile': 'is refused',
  'bad-file': 'is refused',
};

const HOW_TO_WRITE: Record<WordContext, string> = {
  file: 'a passphrase in a file is one word: use passfile for one with spaces',
  command: 'quote a passphrase with spaces, or use passfile',
};

/** `error`, refusing the `position`th word after `pass` (the passphrase is the 1st), without its text. */
export function refusalAfterPass(error: ConfigError, position: number, context: WordContext): ConfigError {
  return new ConfigError(
    error.code,
    `the ${ordinal(position)} word after pass ${WHAT_IS_WRONG[error.code]}; words after pass are left out, ` +
      `as they may be part of the passphrase (${HOW_TO_WRITE[context]})`,
  );
}

/** 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const ones = n % 10;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  if (ones === 1) return `${n}st`;
  if (ones === 2) return `${n}nd`;
  if (ones === 3) return `${n}rd`;
  return `${n}th`;
}
