/**
 * The configuration directory (default /etc/carp), read at start and on reload:
 * - `carpN.conf`: the words of `carpctl carpN ...` on any number of lines, plus `inet ADDR/PLEN`
 *   and `inet6 ADDR/PLEN`; `state`, `create`, `destroy` and `stats` are refused. The interface
 *   name is the file name. A word starting with `#` begins a comment to the end of the line (so a
 *   passphrase may contain `#`, but not begin with it or contain spaces: use passfile for those).
 * - `sysctl.conf`: `name=value` lines and comments.
 * - A file named like `carp*.conf` that is not `carpN.conf` (carp.conf, carpX.conf) is an error,
 *   since it was surely meant to configure an interface. Every other file name is ignored.
 *
 * Each file is validated as a whole before anything of it is returned: a bad file gives one
 * `file:line: reason` and nothing else, so the daemon can apply the good files and report the bad.
 * `passfile` is resolved here (relative to the directory) with the same check as carpctl's.
 * The directory, every file and the directories on the way to them must pass the ownership rule
 * (ownership.ts): carpd does what they say, so no other user may be able to change them.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CARP_INTERFACE_NAME, CARP_INTERFACE_NAMES } from '../carp/limits';
import type { IpPrefix } from '../wire/address';
import { ConfigError, parseCarpInterfaceName, parseSysctlAssignment } from './grammar';
import { SettingsBuilder } from './parse-words';
import { SHARED_MODE_BITS, resolvePassfile } from './passfile';
import type { InterfaceFileConfig, InterfaceSettings, ResolvedInterfaceSettings, SysctlAssignment } from './settings';
import { checkOwnership, checkTrustedDirectory, openOnTrustedPath } from './trusted-path';

export const DEFAULT_CONFIG_DIR = '/etc/carp';
export const SYSCTL_FILE = 'sysctl.conf';

/** carpN.conf for every valid carpN (CARP_INTERFACE_NAME without its anchors). */
const INTERFACE_FILE = new RegExp(`^(${CARP_INTERFACE_NAME.source.slice(1, -1)})\\.conf$`);
const MEANT_AS_INTERFACE_FILE = /^carp.*\.conf$/;
/** Configuration files are a few lines; a huge one is a mistake, not something to parse. */
const MAX_FILE_BYTES = 1 << 20;

export type ConfigFileResult =
  | { readonly kind: 'interface'; readonly file: string; readonly config: InterfaceFileConfig }
  | { readonly kind: 'sysctl'; readonly file: string; readonly assignments: readonly SysctlAssignment[] }
  | { readonly kind: 'error'; readonly file: string; readonly message: string };

export interface ConfigDirectoryOptions {
  /**
   * Checks one sysctl.conf assignment against the daemon's catalog and throws (with a message
   * naming the valid values) to refuse it, so a bad value refuses the whole file before any is set.
   */
  readonly checkSysctl?: (assignment: SysctlAssignment) => void;
}

/**
 * One result per relevant file, interface files in numeric order (carp2 before carp10), then
 * sysctl.conf. Throws ConfigError only when the directory itself cannot be read or is refused.
 */
export async function readConfigDirectory(dir: string, options: ConfigDirectoryOptions = {}): Promise<ConfigFileResult[]> {
  const names = await listTrustedDirectory(dir);
  const collator = new Intl.Collator('en', { numeric: true });
  const results: ConfigFileResult[] = [];
  for (const name of [...names].sort((a, b) => collator.compare(a, b))) {
    const file = join(dir, name);
    if (INTERFACE_FILE.test(name)) results.push(await settle(file, () => readInterfaceFile(file)));
    else if (MEANT_AS_INTERFACE_FILE.test(name)) {
      const message = `${file}: not a carp interface file name: name it carpN.conf, for carpN from ${CARP_INTERFACE_NAMES}`;
      results.push({ kind: 'error', file, message });
    }
  }
  if (names.includes(SYSCTL_FILE)) {
    const file = join(dir, SYSCTL_FILE);
    results.push(await settle(file, () => readSysctlFile(file, options)));
  }
  return results;
}

/** The names in `dir`, once it and the directories on the way to it passed the ownership rule. */
async function listTrustedDirectory(dir: string): Promise<string[]> {
  const subject = { label: `configuration directory ${dir}`, code: 'bad-file' } as const;
  try {
    await checkTrustedDirectory(dir, subject);
    return await readdir(dir);
  } catch (e: unknown) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('bad-file', `${subject.label}: ${errorText(e)}`);
  }
}

async function settle(file: string, read: () => Promise<ConfigFileResult>): Promise<ConfigFileResult> {
  try {
    return await read();
  } catch (e: unknown) {
    if (e instanceof ConfigError) return { kind: 'error', file, message: e.message };
    throw e;
  }
}

/** Reads and validates one `carpN.conf`; throws ConfigError `file:line: reason`. */
async function readInterfaceFile(file: string): Promise<Extract<ConfigFileResult, { kind: 'interface' }>> {
  const ifname = interfaceNameOf(file);
  const { text, mode } = await readTrustedFile(file);
  const parsed = parseInterfaceFile(file, text);
  if (parsed.settings.pass?.kind === 'text') refuseSharedSecret(file, mode);
  let settings: ResolvedInterfaceSettings;
  try {
    settings = await resolvePassfile(parsed.settings, dirname(file));
  } catch (e: unknown) {
    if (e instanceof ConfigError) throw new ConfigError(e.code, `${file}:${parsed.passfileLine}: ${e.message}`);
    throw e;
  }
  return { kind: 'interface', file, config: { ifname, file, settings, addresses: parsed.addresses } };
}

/** A file that holds a passphrase in clear must be readable by its owner only, as a passfile. */
function refuseSharedSecret(file: string, mode: number): void {
  if ((mode & SHARED_MODE_BITS) === 0) return;
  const octal = (mode & 0o7777).toString(8).padStart(4, '0');
  const risk = 'it holds a passphrase that users other than its owner can read or change';
  throw new ConfigError('bad-file', `${file} is mode ${octal}: ${risk}; run chmod 600 ${file} (or use passfile)`);
}

function interfaceNameOf(file: string): string {
  const name = basename(file);
  try {
    return parseCarpInterfaceName(INTERFACE_FILE.exec(name)?.[1] ?? name);
  } catch (e: unknown) {
    if (e instanceof ConfigError) throw new ConfigError(e.code, `${file}: ${e.message}`);
    throw e;
  }
}

export interface ParsedInterfaceFile {
  /** As written: a `passfile` is still a path here. */
  readonly settings: InterfaceSettings;
  readonly addresses: readonly IpPrefix[];
  /** The line of the `passfile` word, for messages about the file it names. */
  readonly passfileLine: number;
}

/** Parses the text of a `carpN.conf` (no file access); throws ConfigError `file:line: reason`. */
export function parseInterfaceFile(file: string, text: string): ParsedInterfaceFile {
  const builder = new SettingsBuilder('file');
  forEachLine(file, text, (words, line) => builder.addWords(words, line));
  return { settings: builder.settings(), addresses: builder.addresses(), passfileLine: builder.passfileLine };
}

/** Reads and validates `sysctl.conf`; throws ConfigError `file:line: reason`. */
async function readSysctlFile(
  file: string,
  options: ConfigDirectoryOptions = {},
): Promise<Extract<ConfigFileResult, { kind: 'sysctl' }>> {
  return { kind: 'sysctl', file, assignments: parseSysctlFile(file, (await readTrustedFile(file)).text, options) };
}

/** Parses the text of a sysctl.conf; a name set twice is refused (writes to demotion add up). */
export function parseSysctlFile(file: string, text: string, options: ConfigDirectoryOptions = {}): SysctlAssignment[] {
  const assignments: SysctlAssignment[] = [];
  const lines = new Map<string, number>();
  forEachLine(file, text.replace(/[ \t]*=[ \t]*/g, '='), (words, line) => {
    const [word, extra] = words;
    if (word === undefined) return;
    if (extra !== undefined) throw new ConfigError('bad-value', 'one name=value per line');
    const assignment = parseSysctlAssignment(word);
    const first = lines.get(assignment.name);
    if (first !== undefined) {
      throw new ConfigError('repeated-word', `${assignment.name} is set twice (first on line ${first}): set it once`);
    }
    checkWithCatalog(assignment, options);
    lines.set(assignment.name, line);
    assignments.push(assignment);
  });
  return assignments;
}

function checkWithCatalog(assignment: SysctlAssignment, options: ConfigDirectoryOptions): void {
  try {
    options.checkSysctl?.(assignment);
  } catch (e: unknown) {
    throw new ConfigError('bad-value', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Calls `handle` with the words of every line that has any (comments removed); a ConfigError it
 * throws gets the `file:line: ` prefix.
 */
function forEachLine(file: string, text: string, handle: (words: readonly string[], line: number) => void): void {
  text.split('\n').forEach((raw, index) => {
    const all = raw.trim().split(/\s+/).filter((w) => w !== '');
    const comment = all.findIndex((w) => w.startsWith('#'));
    const words = comment < 0 ? all : all.slice(0, comment);
    if (words.length === 0) return;
    try {
      handle(words, index + 1);
    } catch (e: unknown) {
      if (e instanceof ConfigError) throw new ConfigError(e.code, `${file}:${index + 1}: ${e.message}`);
      throw e;
    }
  });
}

/** The text of a regular file that passed the ownership rule, and its mode for refuseSharedSecret. */
async function readTrustedFile(file: string): Promise<{ text: string; mode: number }> {
  try {
    const subject = { label: file, code: 'bad-file' } as const;
    const handle = await openOnTrustedPath(file, subject);
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ConfigError('bad-file', `${file}: not a regular file`);
      checkOwnership(file, info, 'file', subject);
      if (info.size > MAX_FILE_BYTES) {
        throw new ConfigError('bad-file', `${file}: ${info.size} bytes is too large for a configuration file`);
      }
      return { text: await handle.readFile('utf8'), mode: info.mode };
    } finally {
      await handle.close();
    }
  } catch (e: unknown) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('bad-file', `${file}: ${errorText(e)}`);
  }
}

function errorText(e: unknown): string {
  const code = e instanceof Error && 'code' in e ? String(e.code) : '';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return e instanceof Error ? e.message : String(e);
}
