import assert from 'node:assert/strict';
import type { Millis } from '../../src/carp/types';
import type { TimerApi } from '../../src/daemon/driver';
import { LoopMonitor } from '../../src/daemon/loop-monitor';

/** Timers that fire only when the test says so. */
class ManualTimers implements TimerApi {
  pending: { callback: () => void; handle: NodeJS.Timeout }[] = [];

  setTimeout(callback: () => void): NodeJS.Timeout {
    const handle = { id: Symbol('timer') } as unknown as NodeJS.Timeout;
    this.pending.push({ callback, handle });
    return handle;
  }

  clearTimeout(timer: NodeJS.Timeout): void {
    this.pending = this.pending.filter((t) => t.handle !== timer);
  }
}

describe('daemon/loop-monitor: catchUp', () => {
  let now: Millis;
  let timers: ManualTimers;
  let stalls: Millis[];
  let monitor: LoopMonitor;

  beforeEach(() => {
    now = 0;
    timers = new ManualTimers();
    stalls = [];
    monitor = new LoopMonitor({ now: () => now }, timers, 250, (lag) => {
      stalls.push(lag);
      monitor.catchUp();
    }, () => 1000);
    monitor.start();
  });

  it('does nothing while the check is at most an interval overdue', () => {
    now = 500;
    monitor.catchUp();
    assert.deepEqual(stalls, []);
    assert.equal(timers.pending.length, 1);
  });

  it('after the process did not run, runs the check at once: the stall is reported once, one timer stays', () => {
    now = 4250;
    monitor.catchUp();
    monitor.catchUp();
    assert.deepEqual(stalls, [4000]);
    assert.equal(timers.pending.length, 1, 'the overdue check timer was replaced, not doubled');
    assert.equal(monitor.loopLag.stalls, 1);
  });

  it('before start and after stop, does nothing', () => {
    monitor.stop();
    now = 10_000;
    monitor.catchUp();
    assert.deepEqual(stalls, []);
  });
});
