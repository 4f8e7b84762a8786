/**
 * The file system side of ownership.ts. A path is resolved (realpath) and every directory from /
 * down to it is checked before it is opened, and the file is then checked on the open handle: once
 * the directories on the way are trusted, no other user can swap what they lead to, so what is
 * read is what was checked. Errors of the file system itself are left to the caller, which words
 * them for its kind of file; refusals by the rule are ConfigErrors.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, type ConfigErrorCode } from './grammar';
import { type OwnershipFacts, type PathRole, describeOwnershipProblem, ownershipProblem } from './ownership';

/** How a refusal names the path the caller was given, and the code it carries. */
export interface Subject {
  readonly label: string;
  readonly code: ConfigErrorCode;
}

/** Opens `path` read-only once the directories on the way passed; the caller checks the file's stat. */
export async function openOnTrustedPath(path: string, subject: Subject): Promise<FileHandle> {
  const real = await realpath(path);
  await checkDirectoriesOnTheWay(real, subject);
  // O_NONBLOCK: a FIFO or device given by mistake must not hang carpctl or the daemon.
  return open(real, constants.O_RDONLY | constants.O_NONBLOCK);
}

/** Refuses `path` (as the caller names it) when its stat breaks the rule for `role`. */
export function checkOwnership(path: string, facts: OwnershipFacts, role: PathRole, subject: Subject): void {
  const problem = ownershipProblem(path, facts, role);
  if (problem !== null) throw new ConfigError(subject.code, describeOwnershipProblem(problem, subject.label));
}

/** The configuration directory, and the directories on the way to it. */
export async function checkTrustedDirectory(path: string, subject: Subject): Promise<void> {
  const real = await realpath(path);
  await checkDirectoriesOnTheWay(real, subject);
  const info = await stat(real);
  if (!info.isDirectory()) throw new ConfigError(subject.code, `${subject.label}: not a directory`);
  checkOwnership(path, info, 'directory', subject);
}

/** From / down, so the problem named first is the one nearest the root. */
async function checkDirectoriesOnTheWay(real: string, subject: Subject): Promise<void> {
  const chain: string[] = [];
  for (let dir = dirname(real); !chain.includes(dir); dir = dirname(dir)) chain.unshift(dir);
  for (const dir of chain) {
    const problem = ownershipProblem(dir, await stat(dir), 'on-the-way');
    if (problem !== null) throw new ConfigError(subject.code, `${subject.label}: ${describeOwnershipProblem(problem)}`);
  }
}
