/**
 * `passfile PATH`: the passphrase is the first line of a file (UTF-8, the line break and a CR
 * before it removed), so it never sits on a command line or in a world-readable configuration.
 * Used by carpctl before sending and by the daemon for the configuration files.
 */
import { resolve } from 'node:path';
import { ConfigError } from './grammar';
import type { InterfaceSettings, ResolvedInterfaceSettings } from './settings';
import { checkOwnership, openOnTrustedPath } from './trusted-path';

/** A passphrase file is one short line; anything much larger is the wrong file. */
export const MAX_PASSFILE_BYTES = 4096;

/** Group and other permission bits: any of them lets another user read or replace the secret. */
export const SHARED_MODE_BITS = 0o077;

/**
 * The passphrase of `path`, which must be owned by root or the reading user, on a trusted path
 * (ownership.ts), and private to its owner: root's carpctl and carpd must not use a secret that
 * another user can read or change.
 */
export async function readPassfile(path: string): Promise<string> {
  const subject = { label: `passfile ${path}`, code: 'bad-passfile' } as const;
  const handle = await openOnTrustedPath(path, subject).catch((e: unknown) => {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('bad-passfile', `passfile ${path}: ${describeOpenError(e)}`);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ConfigError('bad-passfile', `passfile ${path} is not a regular file`);
    checkOwnership(path, info, 'secret', subject);
    const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
    if ((info.mode & SHARED_MODE_BITS) !== 0) {
      const risk = 'users other than its owner can read or change it';
      throw new ConfigError('bad-passfile', `passfile ${path} is mode ${mode}: ${risk}; run chmod 600 ${path}`);
    }
    if (info.size > MAX_PASSFILE_BYTES) {
      const limit = `a passfile holds one line (at most ${MAX_PASSFILE_BYTES} bytes)`;
      throw new ConfigError('bad-passfile', `passfile ${path} is ${info.size} bytes: ${limit}`);
    }
    return firstLine(path, (await handle.readFile()).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** `settings` with a `passfile` replaced by its passphrase; a relative path is taken from `baseDir`. */
export async function resolvePassfile(settings: InterfaceSettings, baseDir: string): Promise<ResolvedInterfaceSettings> {
  const { pass, ...rest } = settings;
  if (pass === undefined) return rest;
  if (pass.kind !== 'file') return { ...rest, pass };
  return { ...rest, pass: { kind: 'text', text: await readPassfile(resolve(baseDir, pass.path)) } };
}

function firstLine(path: string, content: string): string {
  const newline = content.indexOf('\n');
  const line = newline < 0 ? content : content.slice(0, newline);
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === '') {
    throw new ConfigError('bad-passfile', `passfile ${path}: the first line is empty; it must hold the passphrase`);
  }
  return text;
}

function describeOpenError(e: unknown): string {
  const code = e instanceof Error && 'code' in e ? String(e.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot open it (${e instanceof Error ? e.message : String(e)})`;
  }
}
