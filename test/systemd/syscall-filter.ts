/**
 * SystemCallFilter= of the unit as a set of system-call names, expanded with systemd-analyze's own
 * tables (`systemd-analyze syscall-filter`), so a test can compare what carpd really calls (strace)
 * with what the unit lets through.
 */
import { execFileSync } from 'node:child_process';
import { unitValues } from './unit-file';

/** Every group of this systemd (@system-service, ...) with its members, groups included. */
export function syscallGroups(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of execFileSync('systemd-analyze', ['syscall-filter'], { encoding: 'utf8' }).split('\n')) {
    if (line.startsWith('@')) groups.set(line.trim(), (current = []));
    else if (!line.startsWith(' ')) current = null; // the list of unlisted calls that ends the output
    else if (current !== null && !line.trim().startsWith('#') && line.trim() !== '') current.push(line.trim());
  }
  return groups;
}

function expand(name: string, groups: ReadonlyMap<string, readonly string[]>, into = new Set<string>()): Set<string> {
  const members = groups.get(name);
  if (members === undefined) into.add(name);
  else for (const member of members) expand(member, groups, into);
  return into;
}

/**
 * The calls the unit allows: its first SystemCallFilter= is an allow list, each `~` line takes
 * calls away from it (systemd.exec(5)).
 */
export function allowedSyscalls(groups: ReadonlyMap<string, readonly string[]> = syscallGroups()): Set<string> {
  const allowed = new Set<string>();
  for (const value of unitValues('SystemCallFilter')) {
    const deny = value.startsWith('~');
    for (const word of value.replace(/^~/, '').split(/\s+/).filter(Boolean)) {
      for (const call of expand(word, groups)) {
        if (deny) allowed.delete(call);
        else allowed.add(call);
      }
    }
  }
  return allowed;
}
