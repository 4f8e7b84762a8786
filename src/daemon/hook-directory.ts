/**
 * The hooks of a state change (FreeBSD devd's convention, docs/carpd.8.md HOOKS): every
 * executable regular file of the hooks directory whose name does not start with a dot, sorted by
 * name. carpd runs them as root, so they are held to the rule of the configuration files
 * (src/config/ownership.ts): the directory, the directories on the way and each hook must be owned
 * by root and writable by nobody else. A hook is checked on an open handle of its real path, and
 * that path is what runs: once the directories on the way are trusted, nobody can swap it between.
 * Read anew for every state change, so a hook added or removed counts from the next one.
 */
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/grammar';
import { checkOwnership, checkTrustedDirectory, openOnTrustedPath } from '../config/trusted-path';
import { describeError } from './describe-error';

/** A hook that does not run, and why (logged by the runner, once per hook and reason). */
export interface RefusedHook {
  readonly path: string;
  /** A short key for the rate limit: `refused`, `unreadable`. */
  readonly kind: string;
  readonly reason: string;
}

export interface HookList {
  /** Real paths, in the order of their names in the directory. */
  readonly runnable: readonly string[];
  readonly refused: readonly RefusedHook[];
}

const NONE: HookList = { runnable: [], refused: [] };
const EXECUTABLE = 0o111;

export async function listHooks(dir: string): Promise<HookList> {
  let names: string[];
  try {
    await checkTrustedDirectory(dir, { label: `hooks directory ${dir}`, code: 'bad-file' });
    names = await readdir(dir);
  } catch (e: unknown) {
    // No directory, no hooks: the usual case, and nothing to say about it.
    if (isNotFound(e)) return NONE;
    return { runnable: [], refused: [refusal(dir, e)] };
  }
  const runnable: string[] = [];
  const refused: RefusedHook[] = [];
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    const path = join(dir, name);
    try {
      const real = await trustedExecutable(path);
      if (real !== null) runnable.push(real);
    } catch (e: unknown) {
      // Removed between readdir and now: it is simply no longer a hook.
      if (!isNotFound(e)) refused.push(refusal(path, e));
    }
  }
  return { runnable, refused };
}

/** The real path of `path` if it is an executable regular file that passes the rule; null if no hook. */
async function trustedExecutable(path: string): Promise<string | null> {
  const real = await realpath(path);
  const subject = { label: `hook ${path}`, code: 'bad-file' } as const;
  const handle = await openOnTrustedPath(real, subject);
  try {
    const info = await handle.stat();
    if (!info.isFile() || (info.mode & EXECUTABLE) === 0) return null;
    checkOwnership(path, info, 'file', subject);
    return real;
  } finally {
    await handle.close();
  }
}

function refusal(path: string, e: unknown): RefusedHook {
  return e instanceof ConfigError
    ? { path, kind: 'refused', reason: e.message }
    : { path, kind: 'unreadable', reason: `${path}: ${describeError(e)}` };
}

function isNotFound(e: unknown): boolean {
  return e instanceof Error && 'code' in e && e.code === 'ENOENT';
}
