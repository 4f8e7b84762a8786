/**
 * Runs the hooks of every state change (docs/carpd.8.md HOOKS): `HOOK vhid@ifname STATE`, as
 * FreeBSD's devd passes `$subsystem $type`. Never in the protocol's way: the core and the event
 * loop go on while hooks run. The hooks of one virtual host run one at a time, in the order of its
 * transitions (a queue per vhid@ifname), each transition's hooks in the order of their names; each
 * hook gets `timeoutMs`, then SIGKILL to its process group. Failures — a refused hook, an exit
 * status other than 0, a signal, the timeout, a hook that cannot be started — are logged at most
 * once per hook and kind of failure every `FAILURE_LOG_INTERVAL_MS`, the next record saying how
 * many were left out, so that a broken hook on a flapping link cannot flood the journal.
 */
import type { ChildProcess } from 'node:child_process';
import type { Millis, StateChangeAction } from '../carp/types';
import type { Clock } from './clock';
import { describeError } from './describe-error';
import type { TimerApi } from './driver';
import type { HookList } from './hook-directory';
import { type SpawnHook, killHook } from './hook-process';
import type { Logger } from './logger';

export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;
export const FAILURE_LOG_INTERVAL_MS = 60_000;
/** Of a failed hook's standard error, the end is logged: at most this many bytes. */
const STDERR_TAIL_BYTES = 512;

export interface HookRunnerDeps {
  readonly dir: string;
  readonly list: (dir: string) => Promise<HookList>;
  readonly spawn: SpawnHook;
  readonly clock: Clock;
  readonly timers: TimerApi;
  readonly logger: Logger;
  readonly timeoutMs: Millis;
}

interface Outcome {
  /** null: the hook succeeded. */
  readonly failure: { readonly kind: string; readonly text: string } | null;
}

export class HookRunner {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly running = new Set<ChildProcess>();
  private readonly lastLogged = new Map<string, { at: Millis; suppressed: number }>();
  private closed = false;

  constructor(private readonly deps: HookRunnerDeps) {}

  /** Queues the hooks of this transition behind the earlier ones of its virtual host. */
  stateChanged(action: StateChangeAction): void {
    if (this.closed) return;
    const key = `${action.vhid}@${action.ifname}`;
    const tail = (this.queues.get(key) ?? Promise.resolve()).then(() => this.runAll(key, action));
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
  }

  /**
   * At stop: lets queued and running hooks finish (those of the shutdown's own transitions among
   * them) for up to `graceMs`, then kills what still runs and drops the rest.
   */
  async stop(graceMs: Millis): Promise<void> {
    let timer: NodeJS.Timeout | null = null;
    const grace = new Promise<void>((done) => (timer = this.deps.timers.setTimeout(done, graceMs)));
    await Promise.race([Promise.all(this.queues.values()), grace]);
    if (timer !== null) this.deps.timers.clearTimeout(timer);
    this.closed = true;
    for (const child of this.running) killHook(child);
  }

  private async runAll(key: string, action: StateChangeAction): Promise<void> {
    if (this.closed) return;
    const { runnable, refused } = await this.deps.list(this.deps.dir);
    for (const hook of refused) this.report(hook.path, hook.kind, `hook ${hook.reason}`);
    for (const hook of runnable) {
      if (this.closed) return;
      const { failure } = await this.runOne(hook, key, action);
      if (failure !== null) this.report(hook, failure.kind, `hook ${hook} ${key} ${action.to}: ${failure.text}`);
    }
  }

  private runOne(hook: string, key: string, action: StateChangeAction): Promise<Outcome> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = this.deps.spawn(hook, [key, action.to], hookEnvironment(action));
      } catch (e: unknown) {
        return resolve({ failure: { kind: 'spawn', text: `cannot be started: ${describeError(e)}` } });
      }
      this.running.add(child);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_BYTES)));
      let timedOut = false;
      const timer = this.deps.timers.setTimeout(() => {
        timedOut = true;
        killHook(child);
      }, this.deps.timeoutMs);
      const finish = (failure: Outcome['failure']): void => {
        this.deps.timers.clearTimeout(timer);
        this.running.delete(child);
        resolve({ failure });
      };
      child.once('error', (e) => finish({ kind: 'spawn', text: `cannot be started: ${describeError(e)}` }));
      child.once('exit', (code, signal) => {
        const said = stderr.trim().split('\n').pop() ?? '';
        const tail = said === '' ? '' : `; it said: ${said}`;
        if (timedOut) finish({ kind: 'timeout', text: `killed after ${this.deps.timeoutMs / 1000} s${tail}` });
        else if (signal !== null) finish({ kind: `signal ${signal}`, text: `killed by ${signal}${tail}` });
        else if (code !== 0) finish({ kind: `exit ${code}`, text: `exit status ${code}${tail}` });
        else finish(null);
      });
    });
  }

  private report(hook: string, kind: string, message: string): void {
    const key = `${hook}\0${kind}`;
    const now = this.deps.clock.now();
    const previous = this.lastLogged.get(key);
    if (previous !== undefined && now - previous.at < FAILURE_LOG_INTERVAL_MS) {
      previous.suppressed++;
      return;
    }
    this.lastLogged.set(key, { at: now, suppressed: 0 });
    this.deps.logger.warn({ hook, failure: kind, suppressed: previous?.suppressed ?? 0 }, message);
  }
}

/** carpd's environment, and the transition in full for hooks that want more than devd's two words. */
function hookEnvironment(action: StateChangeAction): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CARP_IFNAME: action.ifname,
    CARP_VHID: String(action.vhid),
    CARP_STATE: action.to,
    CARP_PREVIOUS_STATE: action.from,
    CARP_REASON: action.reason,
  };
}
