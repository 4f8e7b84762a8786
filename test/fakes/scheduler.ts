/**
 * The event loop of the fake world: one queue of tasks on a FakeClock. Timers (the daemon's
 * TimerApi), "fd readable" and "netlink message arrived" are all tasks; they run in time order
 * (ties in the order they were queued), the clock jumping to each task's time. Between two tasks
 * the scheduler gives Node one event-loop turn, so promise continuations of the code under test
 * (an `await` on a kernel call, say) run before the next task, as they would before the next I/O
 * callback of a real loop. No real time passes.
 */
import type { Millis } from '../../src/carp/types';
import type { TimerApi } from '../../src/daemon/driver';
import { FakeClock } from '../sim/clock';

/** Far more than any test needs at one instant; reaching it means a busy loop. */
const DEFAULT_TASK_LIMIT = 100_000;
/** Node clamps a delay outside [1, 2^31 - 1] to 1 ms (lib/internal/timers.js). */
const TIMEOUT_MAX = 2 ** 31 - 1;

interface Task {
  at: Millis;
  readonly run: () => void;
  readonly label: string;
}

export interface SchedulerOptions {
  readonly clock?: FakeClock;
  /** How many tasks one advance/runUntil/settle may run before it declares a busy loop. */
  readonly taskLimit?: number;
}

/** One turn of the real event loop: every pending promise continuation runs, no time passes. */
function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A timer handle with the methods of Node's Timeout, so code that calls `unref()` or `refresh()`
 * on what setTimeout returned works on the fake too.
 */
class FakeTimeout implements NodeJS.Timeout {
  private referenced = true;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly task: Task,
    private readonly delay: Millis,
    private readonly id: number,
  ) {}

  close(): this {
    this.scheduler.cancel(this.task);
    return this;
  }

  hasRef(): boolean {
    return this.referenced;
  }

  ref(): this {
    this.referenced = true;
    return this;
  }

  unref(): this {
    this.referenced = false;
    return this;
  }

  refresh(): this {
    this.scheduler.cancel(this.task);
    this.scheduler.enqueue(this.task, this.scheduler.clock.now() + this.delay);
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.id;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  _onTimeout(): void {
    this.task.run();
  }
}

export class Scheduler {
  readonly clock: FakeClock;
  /** setTimeout/clearTimeout on fake time: what the daemon's Driver takes. */
  readonly timers: TimerApi;
  private readonly tasks: Task[] = [];
  private readonly taskLimit: number;
  private timerIds = 0;
  private running = false;

  constructor(options: SchedulerOptions = {}) {
    this.clock = options.clock ?? new FakeClock();
    this.taskLimit = options.taskLimit ?? DEFAULT_TASK_LIMIT;
    this.timers = {
      setTimeout: (callback, ms) => {
        const delay = ms >= 1 && ms <= TIMEOUT_MAX ? ms : 1;
        const task: Task = { at: 0, run: callback, label: `timer of ${delay} ms` };
        this.enqueue(task, this.clock.now() + delay);
        return new FakeTimeout(this, task, delay, ++this.timerIds);
      },
      clearTimeout: (timer) => {
        if (timer instanceof FakeTimeout) timer.close();
      },
    };
  }

  /** Runs `task` at the current time, after the tasks already queued for it. */
  soon(task: () => void, label = 'task'): void {
    this.enqueue({ at: 0, run: task, label }, this.clock.now());
  }

  /** Tasks waiting to run (timers included). */
  get queued(): number {
    return this.tasks.length;
  }

  /** Runs every task due within `ms` from now, then leaves the clock `ms` later. */
  async advance(ms: Millis): Promise<void> {
    const end = this.clock.now() + ms;
    await this.runTasks(end, () => false);
    this.clock.advanceTo(end);
  }

  /**
   * Runs tasks until `predicate` holds (checked first and after each task); fails if it still
   * does not when nothing is left to run within `limitMs`, with the clock at the limit.
   */
  async runUntil(predicate: () => boolean, limitMs: Millis): Promise<void> {
    const end = this.clock.now() + limitMs;
    if (await this.runTasks(end, predicate)) return;
    this.clock.advanceTo(end);
    throw new Error(`scheduler: the condition did not hold within ${limitMs} ms (now ${end} ms)`);
  }

  /** Runs what is due now, including what those tasks queue for now; the clock does not move. */
  async settle(): Promise<void> {
    await this.runTasks(this.clock.now(), () => false);
  }

  /** @internal For FakeTimeout. Behind every task due at or before `at`: ties keep their order. */
  enqueue(task: Task, at: Millis): void {
    task.at = at;
    let index = this.tasks.length;
    while (index > 0 && (this.tasks[index - 1] as Task).at > at) index--;
    this.tasks.splice(index, 0, task);
  }

  /** @internal For FakeTimeout. */
  cancel(task: Task): void {
    const index = this.tasks.indexOf(task);
    if (index >= 0) this.tasks.splice(index, 1);
  }

  /** True when the predicate held; false when no task was due by `end` any more. */
  private async runTasks(end: Millis, predicate: () => boolean): Promise<boolean> {
    if (this.running) throw new Error('scheduler: advance, runUntil or settle is already running');
    this.running = true;
    try {
      const recent: string[] = [];
      await eventLoopTurn();
      for (let ran = 0; !predicate(); ran++) {
        const task = this.tasks[0];
        if (task === undefined || task.at > end) return false;
        if (ran >= this.taskLimit) {
          throw new Error(
            `scheduler: ${this.taskLimit} tasks ran without reaching ${end} ms (now ${this.clock.now()} ms), ` +
              `a busy loop? The last ones: ${recent.join(', ')}`,
          );
        }
        this.tasks.shift();
        recent.push(task.label);
        if (recent.length > 5) recent.shift();
        this.clock.advanceTo(task.at);
        task.run();
        await eventLoopTurn();
      }
      return true;
    } finally {
      this.running = false;
    }
  }
}
