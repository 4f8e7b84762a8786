/**
 * Who may have written the configuration, as sshd's StrictModes asks: carpd runs as root and does
 * what the files say, so a file or directory another user can change is refused. A path is
 * trusted when it is owned by root or by the user reading it (carpd's own user, root in
 * production, so that tests need no root) and not writable by its group or by others. A sticky
 * directory on the way (/tmp) is accepted although everyone may write it: there only an entry's
 * owner may rename or remove it, and the entry is checked in turn. Pure: stat results in, a
 * decision out; trusted-path.ts does the file system side.
 */

/** What of a stat result the rule looks at. */
export interface OwnershipFacts {
  readonly uid: number;
  readonly mode: number;
}

/**
 * - `file`: a configuration file (carpN.conf, sysctl.conf).
 * - `secret`: a passfile; as a file, but the fix also takes the read bits away.
 * - `directory`: the configuration directory, whose every entry is read.
 * - `on-the-way`: a directory on the path to one of them.
 */
export type PathRole = 'file' | 'secret' | 'directory' | 'on-the-way';

export interface OwnershipProblem {
  readonly path: string;
  readonly role: PathRole;
  /** The owner, when it is neither root nor the reading user. */
  readonly owner: number | null;
  /** Who besides the owner may write it. */
  readonly writableBy: 'group' | 'others' | 'group and others' | null;
}

const S_ISVTX = 0o1000;
const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;

/** Root, and the user carpd or carpctl runs as. */
export function trustedOwners(): readonly number[] {
  return [0, process.geteuid?.() ?? 0];
}

/** The problem with `path`, or null when no user outside `trusted` can change what it holds. */
export function ownershipProblem(
  path: string,
  facts: OwnershipFacts,
  role: PathRole,
  trusted: readonly number[] = trustedOwners(),
): OwnershipProblem | null {
  const owner = trusted.includes(facts.uid) ? null : facts.uid;
  const sticky = role === 'on-the-way' && (facts.mode & S_ISVTX) !== 0;
  const writableBy = sticky ? null : writers(facts.mode);
  return owner === null && writableBy === null ? null : { path, role, owner, writableBy };
}

function writers(mode: number): OwnershipProblem['writableBy'] {
  const group = (mode & GROUP_WRITE) !== 0;
  const others = (mode & OTHER_WRITE) !== 0;
  if (group && others) return 'group and others';
  if (group) return 'group';
  return others ? 'others' : null;
}

const RISK: Record<PathRole, string> = {
  file: 'another user could change it',
  secret: 'another user could change it',
  directory: 'another user could add or replace files in it',
  'on-the-way': 'another user could replace what it holds',
};

/**
 * `/etc/carp/carp0.conf is owned by uid 1000 and writable by group, so another user could change
 * it: refused; run chown root:root /etc/carp/carp0.conf && chmod go-w /etc/carp/carp0.conf`;
 * `subject` replaces the path at the start (e.g. "passfile /etc/carp/key").
 */
export function describeOwnershipProblem(problem: OwnershipProblem, subject = problem.path): string {
  const { path, role, owner, writableBy } = problem;
  const faults: string[] = [];
  const fixes: string[] = [];
  if (owner !== null) {
    faults.push(`owned by uid ${owner}`);
    fixes.push(`chown root:root ${path}`);
  }
  if (writableBy !== null) {
    faults.push(`writable by ${writableBy}`);
    fixes.push(role === 'secret' ? `chmod 600 ${path}` : `chmod go-w ${path}`);
  }
  const run = `run ${fixes.join(' && ')}`;
  // A directory on the way may be a home directory that must stay its user's: moving is the fix there.
  const fix = role === 'on-the-way' ? `keep it under directories only root can change, or ${run}` : run;
  return `${subject} is ${faults.join(' and ')}, so ${RISK[role]}: refused; ${fix}`;
}
