/**
 * Starts one hook: its own process group (so a timeout kills whatever the hook started too), `/`
 * as working directory, no standard input, standard output discarded (carpd's own is the journal's
 * JSON stream), standard error kept for the log when the hook fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export type SpawnHook = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => ChildProcess;

export const spawnHook: SpawnHook = (file, args, env) =>
  spawn(file, [...args], { env, cwd: '/', detached: true, stdio: ['ignore', 'ignore', 'pipe'] });

/** SIGKILL to the hook's process group; the hook may be gone already. */
export function killHook(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: it exited meanwhile.
  }
}
