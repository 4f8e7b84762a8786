/**
 * Whom carpctl may talk to. A `create` or `configure` request carries the passphrase in clear, so
 * carpctl sends nothing until it is sure that carpd's owner, and nobody else, answers on the socket
 * path. The rule, in the spirit of sshd's StrictModes (docs/carpctl.8.md, SECURITY):
 *
 * - Trusted are root and the user running carpctl: a daemon of one's own uid learns nothing its
 *   owner could not read anyway (that is how the tests of an unprivileged user run). Root's carpctl
 *   trusts root alone.
 * - The socket and every directory above it, after symlinks are resolved, belong to a trusted uid:
 *   whoever owns a directory on the way can rename entries in it and put a fake socket there.
 * - No directory on the way is writable by group or others, unless it has the sticky bit (/tmp):
 *   in a sticky directory only an entry's owner (trusted, by the rule above) can rename or remove it.
 * - The socket's own permission bits do not matter: write permission on a socket only says who may
 *   connect, and replacing it needs write permission on its directory.
 * - The process listening on it (SO_PEERCRED) runs as a trusted uid. This is the decisive check;
 *   the path checks refuse an impostor's socket before even connecting to it.
 *
 * POSIX ACLs are not consulted. The functions here decide on facts gathered by
 * trusted-connection.ts and return the refusal as a sentence naming the file or the uid and what to do.
 */
import type { PeerCredentials } from '../native/types';
import { CONTROL_SOCKET_ENV, DEFAULT_CONTROL_SOCKET } from './paths';

export const ROOT_UID = 0;

/** lstat() of one component of the resolved socket path. */
export interface PathEntry {
  readonly path: string;
  readonly uid: number;
  /** st_mode: type and permission bits. */
  readonly mode: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_ISVTX = 0o1000;
const S_IWGRP = 0o020;
const S_IWOTH = 0o002;

const USE_CARPDS_SOCKET = `use carpd's own socket (${DEFAULT_CONTROL_SOCKET} unless --socket or ${CONTROL_SOCKET_ENV} says otherwise)`;

/** The uids whose daemon may be sent requests: root, and the caller. */
export function trustedUids(callerUid: number): readonly number[] {
  return callerUid === ROOT_UID ? [ROOT_UID] : [ROOT_UID, callerUid];
}

/**
 * Why the socket at `socket` cannot be trusted by `callerUid`, or null. `entries` are the socket
 * itself and then every directory up to "/", as lstat() saw them on the resolved path.
 */
export function pathRefusal(socket: string, entries: readonly PathEntry[], callerUid: number): string | null {
  const trusted = trustedUids(callerUid);
  for (const entry of entries) {
    if (!trusted.includes(entry.uid)) {
      return (
        `refusing to talk to ${socket}: ${entry.path} belongs to uid ${entry.uid}, not ${trustedText(callerUid)}, ` +
        `so that user could have put a fake carpd there to read what carpctl sends, passphrases included; ${USE_CARPDS_SOCKET}`
      );
    }
    const writers = unsafeWriters(entry.mode);
    if (writers !== null) {
      const mode = (entry.mode & 0o7777).toString(8).padStart(4, '0');
      return (
        `refusing to talk to ${socket}: directory ${entry.path} is writable by ${writers} (mode ${mode}) and not sticky, ` +
        `so anyone who can write there could have replaced the socket with a fake carpd; ` +
        `make it safe (chmod go-w ${entry.path}) or ${USE_CARPDS_SOCKET}`
      );
    }
  }
  return null;
}

/** Why the process listening on `socket` cannot be trusted by `callerUid`, or null. */
export function peerRefusal(socket: string, peer: PeerCredentials, callerUid: number): string | null {
  if (trustedUids(callerUid).includes(peer.uid)) return null;
  return (
    `refusing to talk to ${socket}: the process listening there (pid ${peer.pid}) runs as uid ${peer.uid}, ` +
    `not ${trustedText(callerUid)}, so it is not carpd and must not see what carpctl sends, passphrases included; ` +
    `run carpd as root, or ${USE_CARPDS_SOCKET}`
  );
}

function trustedText(callerUid: number): string {
  return callerUid === ROOT_UID ? 'root' : `root or you (uid ${callerUid})`;
}

/** "group", "others" or both for a directory that lets them rename its entries; null if none can. */
function unsafeWriters(mode: number): string | null {
  if ((mode & S_IFMT) !== S_IFDIR || (mode & S_ISVTX) !== 0) return null;
  const group = (mode & S_IWGRP) !== 0;
  const others = (mode & S_IWOTH) !== 0;
  if (group && others) return 'group and others';
  if (group) return 'its group';
  return others ? 'others' : null;
}
