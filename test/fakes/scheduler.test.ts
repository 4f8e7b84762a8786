import assert from 'node:assert/strict';
import { Scheduler } from './scheduler';

describe('fakes: scheduler', () => {
  it('runs timers and soon-tasks in time order, ties in the order they were queued', async () => {
    const scheduler = new Scheduler();
    const ran: string[] = [];
    const at = (label: string) => (): void => {
      ran.push(`${label}@${scheduler.clock.now()}`);
    };
    scheduler.timers.setTimeout(at('t30'), 30);
    scheduler.timers.setTimeout(at('t10a'), 10);
    scheduler.soon(at('soon1'));
    scheduler.timers.setTimeout(at('t10b'), 10);
    scheduler.soon(at('soon2'));
    await scheduler.advance(100);
    assert.deepEqual(ran, ['soon1@0', 'soon2@0', 't10a@10', 't10b@10', 't30@30']);
    assert.equal(scheduler.clock.now(), 100);
  });

  it('queues a soon-task after the tasks already due now, and before later ones', async () => {
    const scheduler = new Scheduler();
    const ran: string[] = [];
    scheduler.timers.setTimeout(() => {
      ran.push('timer');
      scheduler.soon(() => ran.push('soon from timer'));
    }, 5);
    scheduler.timers.setTimeout(() => ran.push('same time'), 5);
    scheduler.timers.setTimeout(() => ran.push('later'), 6);
    await scheduler.advance(10);
    assert.deepEqual(ran, ['timer', 'same time', 'soon from timer', 'later']);
  });

  it('cancels, refreshes and clamps timers as Node does', async () => {
    const scheduler = new Scheduler();
    const fired: number[] = [];
    const cancelled = scheduler.timers.setTimeout(() => fired.push(-1), 10);
    scheduler.timers.clearTimeout(cancelled);
    scheduler.timers.setTimeout(() => fired.push(scheduler.clock.now()), 0);
    const refreshed = scheduler.timers.setTimeout(() => fired.push(scheduler.clock.now()), 20);
    assert.equal(refreshed.hasRef(), true);
    assert.equal(refreshed.unref().hasRef(), false, 'unref() works on the fake handle');
    await scheduler.advance(15);
    refreshed.refresh();
    await scheduler.advance(100);
    assert.deepEqual(fired, [1, 35], 'a delay of 0 waits 1 ms; refresh() restarts the 20 ms');
    assert.equal(scheduler.queued, 0);
  });

  it('lets async code run between tasks, so awaits chained on fake timers finish as time passes', async () => {
    const scheduler = new Scheduler();
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => scheduler.timers.setTimeout(resolve, ms));
    const log: number[] = [];
    const job = async (): Promise<void> => {
      await sleep(100);
      log.push(scheduler.clock.now());
      await Promise.resolve();
      await sleep(100);
      log.push(scheduler.clock.now());
    };
    const done = job();
    await scheduler.advance(150);
    assert.deepEqual(log, [100]);
    await scheduler.advance(100);
    assert.deepEqual(log, [100, 200]);
    await done;
  });

  it('runs a task queued by a continuation at the very end of the window', async () => {
    const scheduler = new Scheduler();
    const ran: string[] = [];
    scheduler.timers.setTimeout(() => {
      void Promise.resolve().then(() => scheduler.soon(() => ran.push(`continued@${scheduler.clock.now()}`)));
    }, 50);
    await scheduler.advance(50);
    assert.deepEqual(ran, ['continued@50']);
  });

  it('runUntil stops when the condition holds, and fails at the limit when it never does', async () => {
    const scheduler = new Scheduler();
    let count = 0;
    const tick = (): void => {
      count++;
      scheduler.timers.setTimeout(tick, 10);
    };
    scheduler.timers.setTimeout(tick, 10);
    await scheduler.runUntil(() => count === 3, 1000);
    assert.equal(scheduler.clock.now(), 30);
    await assert.rejects(scheduler.runUntil(() => count === -1, 100), /did not hold within 100 ms/);
    assert.equal(scheduler.clock.now(), 130);
  });

  it('settle runs only what is due now and leaves the clock alone', async () => {
    const scheduler = new Scheduler();
    const ran: string[] = [];
    scheduler.soon(() => ran.push('now'));
    scheduler.timers.setTimeout(() => ran.push('later'), 1);
    await scheduler.settle();
    assert.deepEqual(ran, ['now']);
    assert.equal(scheduler.clock.now(), 0);
    assert.equal(scheduler.queued, 1);
  });

  it('reports a busy loop instead of hanging', async () => {
    const scheduler = new Scheduler({ taskLimit: 50 });
    const spin = (): void => scheduler.soon(spin, 'spinner');
    scheduler.soon(spin, 'spinner');
    await assert.rejects(scheduler.advance(10), /50 tasks ran without reaching 10 ms .*spinner/);
  });

  it('refuses to run twice at once', async () => {
    const scheduler = new Scheduler();
    const first = scheduler.advance(10);
    await assert.rejects(scheduler.advance(10), /already running/);
    await first;
  });
});
