import assert from 'node:assert/strict';
import type { Action, CarpHostApi, Millis } from '../../src/carp/types';
import { Driver, type TimerApi } from '../../src/daemon/driver';

/** Timers that fire only when the test says so. */
class ManualTimers implements TimerApi {
  pending: { callback: () => void; ms: number; handle: NodeJS.Timeout }[] = [];

  setTimeout(callback: () => void, ms: number): NodeJS.Timeout {
    const handle = { id: Symbol('timer') } as unknown as NodeJS.Timeout;
    this.pending.push({ callback, ms, handle });
    return handle;
  }

  clearTimeout(timer: NodeJS.Timeout): void {
    this.pending = this.pending.filter((t) => t.handle !== timer);
  }

  fire(): void {
    const next = this.pending.shift();
    assert.ok(next, 'no timer armed');
    next.callback();
  }
}

const link = (ifname: string, up: boolean): Action => ({ kind: 'link', ifname, up, masters: up ? [1] : [] });

function fakeHost(deadline: () => Millis | null, tick: (now: Millis) => Action[]): CarpHostApi {
  return { nextDeadline: deadline, tick } as unknown as CarpHostApi;
}

describe('daemon/driver', () => {
  it('executes actions in order, including those fed back while executing', () => {
    const executed: string[] = [];
    const timers = new ManualTimers();
    const execute = (action: Action): void => {
      if (action.kind !== 'link') return;
      executed.push(action.ifname);
      if (action.ifname === 'a') driver.run(() => [link('fed-back', true)]);
    };
    const driver = new Driver(fakeHost(() => null, () => []), { now: () => 0 }, execute, timers);
    driver.run(() => [link('a', true), link('b', true)]);
    assert.deepEqual(executed, ['a', 'b', 'fed-back']);
  });

  it('arms one timer for the next deadline, rounded up, and ticks the core when it fires', () => {
    let now = 1000;
    let deadline: Millis | null = 1003.9;
    const ticks: Millis[] = [];
    const timers = new ManualTimers();
    const host = fakeHost(
      () => deadline,
      (t) => {
        ticks.push(t);
        deadline = null;
        return [];
      },
    );
    const driver = new Driver(host, { now: () => now }, () => undefined, timers);
    driver.run(() => []);
    driver.run(() => []);
    assert.equal(timers.pending.length, 1, 'a second run re-arms instead of adding a timer');
    assert.equal(timers.pending[0]?.ms, 4);
    now = 1004;
    timers.fire();
    assert.deepEqual(ticks, [1004]);
    assert.equal(timers.pending.length, 0, 'no deadline, no timer');
  });

  it('ticks only after the input already waiting was read, so an advertisement that came late still resets master-down', () => {
    let now = 0;
    let masterDownAt: Millis | null = 3390;
    const became: string[] = [];
    const host = {
      nextDeadline: () => masterDownAt,
      tick: (t: Millis): Action[] => {
        if (masterDownAt === null || t < masterDownAt) return [];
        masterDownAt = null;
        became.push('MASTER');
        return [];
      },
    } as unknown as CarpHostApi;
    const afterInput: (() => void)[] = [];
    const timers = Object.assign(new ManualTimers(), { afterPendingInput: (callback: () => void) => afterInput.push(callback) });
    const driver = new Driver(host, { now: () => now }, () => undefined, timers);
    driver.run(() => []);
    // The loop wakes 250 ms late: the timer fires, and the master's advertisement waits to be read.
    now = 3640;
    timers.fire();
    assert.deepEqual(became, [], 'the expired timer did not act before the waiting input');
    driver.run(() => {
      masterDownAt = now + 3390;
      return [];
    });
    afterInput.shift()?.();
    assert.deepEqual(became, [], 'the advertisement read first restarted master-down: still BACKUP');
    assert.equal(timers.pending[0]?.ms, 3390);
  });

  it('runs no deferred tick after stop', () => {
    let ticks = 0;
    const host = { nextDeadline: () => 10, tick: () => (ticks++, []) } as unknown as CarpHostApi;
    const afterInput: (() => void)[] = [];
    const timers = Object.assign(new ManualTimers(), { afterPendingInput: (callback: () => void) => afterInput.push(callback) });
    const driver = new Driver(host, { now: () => 10 }, () => undefined, timers);
    driver.run(() => []);
    timers.fire();
    driver.stop();
    afterInput.shift()?.();
    assert.equal(ticks, 0);
  });

  it('lets a CarpError from the operation reach the caller and executes nothing', () => {
    const executed: Action[] = [];
    const driver = new Driver(fakeHost(() => null, () => []), { now: () => 0 }, (a) => executed.push(a), new ManualTimers());
    assert.throws(() =>
      driver.run(() => {
        throw new Error('vhid 256 is out of range');
      }),
    );
    assert.equal(executed.length, 0);
  });

  it('arms nothing after stop()', () => {
    const timers = new ManualTimers();
    const driver = new Driver(fakeHost(() => 5, () => []), { now: () => 0 }, () => undefined, timers);
    driver.run(() => []);
    driver.stop();
    assert.equal(timers.pending.length, 0);
    driver.run(() => []);
    assert.equal(timers.pending.length, 0);
  });
});

describe('daemon/driver: beforeRun', () => {
  it('runs before the time of the operation is read, so a stall is handled first', () => {
    const order: string[] = [];
    const host = { nextDeadline: () => null } as unknown as CarpHostApi;
    const clock = {
      now: (): Millis => {
        order.push('now');
        return 0;
      },
    };
    const driver = new Driver(host, clock, () => undefined, new ManualTimers(), () => order.push('beforeRun'));
    driver.run((): Action[] => {
      order.push('operation');
      return [];
    });
    assert.deepEqual(order.slice(0, 3), ['beforeRun', 'now', 'operation']);
  });
});

describe('daemon/driver: deferred work and batches', () => {
  it('calls afterActions once the queue is empty, and executes what it feeds back before re-arming', () => {
    const order: string[] = [];
    const timers = new ManualTimers();
    const host = { nextDeadline: () => (order.push('nextDeadline'), null) } as unknown as CarpHostApi;
    let deferred: string[] = [];
    const execute = (action: Action): void => {
      if (action.kind !== 'link') return;
      order.push(`execute ${action.ifname}`);
      if (!action.ifname.startsWith('result')) deferred.push(action.ifname);
    };
    const afterActions = (): void => {
      order.push('afterActions');
      const done = deferred;
      deferred = [];
      for (const name of done) driver.run(() => [link(`result of ${name}`, true)]);
    };
    const driver = new Driver(host, { now: () => 0 }, execute, timers, () => undefined, afterActions);
    driver.run(() => [link('a', true), link('b', true)]);
    assert.deepEqual(order, [
      'execute a',
      'execute b',
      'afterActions',
      'execute result of a',
      'execute result of b',
      'afterActions',
      'nextDeadline',
    ]);
  });

  it('re-arms the timer once at the end of a batch, not after each run in it', () => {
    let deadlines = 0;
    let deadline = 100;
    const host = { nextDeadline: () => (deadlines++, deadline) } as unknown as CarpHostApi;
    const timers = new ManualTimers();
    const driver = new Driver(host, { now: () => 0 }, () => undefined, timers);
    driver.batch(() => {
      for (let i = 0; i < 64; i++) driver.run(() => ((deadline += 10), []));
      assert.equal(timers.pending.length, 0, 'nothing armed inside the batch');
    });
    assert.equal(deadlines, 1);
    assert.deepEqual(timers.pending.map((t) => t.ms), [740], 'armed for the deadline the last run left');
  });

  it('still re-arms at the end of a batch whose handling threw', () => {
    const host = { nextDeadline: () => 5 } as unknown as CarpHostApi;
    const timers = new ManualTimers();
    const driver = new Driver(host, { now: () => 0 }, () => undefined, timers);
    assert.throws(() =>
      driver.batch(() => {
        driver.run(() => []);
        throw new Error('a defect while relaying');
      }),
    );
    assert.equal(timers.pending.length, 1);
    driver.run(() => []);
    assert.equal(timers.pending.length, 1, 'outside a batch a run re-arms at once again');
  });
});
