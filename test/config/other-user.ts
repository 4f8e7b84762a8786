/**
 * The user `tester`, to own files the tests expect to be refused as another user's. Only root can
 * give a file away, so elsewhere these tests are skipped with the reason.
 */
import { execFileSync } from 'node:child_process';
import { UNPRIVILEGED_ENV } from '../helpers/netns';

export const OTHER_USER = 'tester';

/**
 * OTHER_USER's uid, for a `before` hook; where files cannot be chowned to it, the hook's tests
 * are skipped and the reason printed.
 */
export function otherUidOrSkip(context: Mocha.Context): number {
  if (process.geteuid?.() !== 0) return skip(context, `needs root (to chown files to ${OTHER_USER})`);
  if (process.env[UNPRIVILEGED_ENV] === '1') return skip(context, `${UNPRIVILEGED_ENV}=1: running as an unprivileged user would`);
  try {
    return Number(execFileSync('id', ['-u', OTHER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return skip(context, `needs a user named ${OTHER_USER}`);
  }
}

function skip(context: Mocha.Context, reason: string): never {
  console.log(`      skipped: ${reason}`);
  return context.skip();
}
