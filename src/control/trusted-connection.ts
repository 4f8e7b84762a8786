/**
 * The client's way into carpd: a connection on which nothing is written until the socket path
 * and the process listening on it have passed the rule of socket-trust.ts (issue 13, finding 1).
 * The path is resolved first and then checked and connected to as resolved, so a symlink changed
 * in between cannot lead elsewhere; the kernel says who listens (SO_PEERCRED, in the addon).
 */
import { closeSync, constants } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { connectUnixSocket } from '../native/binding';
import { type PathEntry, ROOT_UID, pathRefusal, peerRefusal } from './socket-trust';

/** The socket at the path is not carpd's as far as carpctl can tell; the message says why. */
export class UntrustedSocketError extends Error {
  override readonly name = 'UntrustedSocketError';
}

/**
 * Connects to the daemon at `path`. Throws UntrustedSocketError, or the system error (with its
 * code: ENOENT, EACCES, ECONNREFUSED, ENOTSOCK, ...) of resolving, inspecting or connecting.
 */
export async function connectTrusted(path: string, callerUid = process.getuid?.() ?? ROOT_UID): Promise<Socket> {
  const resolved = await realpath(path);
  const entries = await pathEntries(resolved);
  if (((entries[0]?.mode ?? 0) & constants.S_IFMT) !== constants.S_IFSOCK) {
    // Coded like the system errors, for the same message as a failed connect().
    throw Object.assign(new Error(`${resolved} is not a socket`), { code: 'ENOTSOCK' });
  }
  const named = resolved === path ? path : `${path} (${resolved})`;
  const pathProblem = pathRefusal(named, entries, callerUid);
  if (pathProblem !== null) throw new UntrustedSocketError(pathProblem);
  const { fd, peer } = connectUnixSocket(resolved);
  const peerProblem = peerRefusal(named, peer, callerUid);
  if (peerProblem !== null) {
    closeSync(fd);
    throw new UntrustedSocketError(peerProblem);
  }
  return new Socket({ fd, readable: true, writable: true });
}

/** The file at `resolved` and every directory above it, nearest first. */
async function pathEntries(resolved: string): Promise<PathEntry[]> {
  const entries: PathEntry[] = [];
  for (let current = resolved; ; current = dirname(current)) {
    const info = await lstat(current);
    entries.push({ path: current, uid: info.uid, mode: info.mode });
    if (dirname(current) === current) return entries;
  }
}
