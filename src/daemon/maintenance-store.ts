/**
 * Maintenance mode kept across restarts and reboots: one small JSON file in the state directory
 * (/var/lib/carpd, which unlike /run survives a reboot), replaced atomically: written to a
 * temporary file, flushed to disk, renamed over the old one, and the directory flushed, so that a
 * power cut leaves the old file or the new one, never a torn one. Root-only: the directory is
 * created 0700 and the file 0600.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from './describe-error';

export const MAINTENANCE_FILE = 'maintenance.json';
const VERSION = 1;

/**
 * What the file says. A missing file means off (a host that was never put in maintenance). A file
 * that cannot be read or understood means ON, with the problem: an administrator who put the host
 * in maintenance did so to work on it, and a carpd that forgot it would take the addresses back
 * in the middle of the work; a demoted host still becomes MASTER when no peer answers, so the
 * wrong guess this way costs no outage. `carpctl maintenance on|off` writes a good file again.
 */
export interface MaintenanceLoad {
  readonly on: boolean;
  /** Why the file could not be used, or null. */
  readonly problem: string | null;
}

/** The file could not be written: the command that asked fails with this code, nothing changed. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  readonly code = 'state-file';
}

export class MaintenanceStore {
  constructor(
    /** The state directory; the file is its MAINTENANCE_FILE. */
    private readonly dir: string,
  ) {}

  get path(): string {
    return join(this.dir, MAINTENANCE_FILE);
  }

  load(): MaintenanceLoad {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { on: false, problem: null };
      return { on: true, problem: `cannot be read: ${describeError(e)}` };
    }
    const on = parseMaintenance(text);
    return on === null ? { on: true, problem: `is not a version ${VERSION} maintenance file` } : { on, problem: null };
  }

  /** Throws when the file cannot be written; the old file is then left as it was. */
  save(on: boolean): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.new`;
    try {
      const fd = openSync(temporary, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify({ version: VERSION, maintenance: on })}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
    } catch (e: unknown) {
      discard(temporary);
      throw new StateFileError(`cannot write ${this.path}: ${describeError(e)}`);
    }
    syncDirectory(this.dir);
  }
}

/** A temporary file left by a failed write; nothing to do when there is none (or it is no file). */
function discard(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Nothing of ours is there.
  }
}

/** The rename itself reaches the disk only with the directory (ext4, xfs); best effort. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The file is in place; a file system that cannot flush a directory gives no more guarantee.
  }
}

function parseMaintenance(text: string): boolean | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { version, maintenance } = parsed as { version?: unknown; maintenance?: unknown };
  return version === VERSION && typeof maintenance === 'boolean' ? maintenance : null;
}
