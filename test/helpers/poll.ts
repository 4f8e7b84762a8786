/**
 * Waiting on real systems (processes, kernel state) in real-kernel tests, the demo and the
 * benchmark: poll with a deadline instead of sleeping for a fixed time.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `condition` until it holds; returns how long that took; throws after `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000, pollMs = 50): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Fails as soon as `condition` stops holding during `durationMs` (for "stays BACKUP"). */
export async function holds(what: string, condition: () => Promise<boolean>, durationMs: number, pollMs = 100): Promise<void> {
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    if (!(await condition())) throw new Error(`${what} stopped holding`);
    await sleep(pollMs);
  }
}

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: { exitCode: number | null; signalCode: NodeJS.Signals | null; once(event: 'exit', listener: () => void): unknown }): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}
