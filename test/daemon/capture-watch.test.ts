import assert from 'node:assert/strict';
import { CAPTURE_CHECK_INTERVAL_MS, CaptureWatch } from '../../src/daemon/capture-watch';
import { createLogger } from '../../src/daemon/logger';
import { Scheduler } from '../fakes/scheduler';
import type { LogRecord } from './lab';

const CARP_INTERFACES = new Map([
  [7, 'carp0'],
  [8, 'carp1'],
]);

describe('daemon/capture-watch', () => {
  let scheduler: Scheduler;
  let listening: Set<number>;
  let readError: Error | null;
  let reads: number;
  let pathEnabled: boolean;
  let handed: string[][];
  let messages: LogRecord[];
  let watch: CaptureWatch;

  beforeEach(() => {
    scheduler = new Scheduler();
    listening = new Set();
    readError = null;
    reads = 0;
    pathEnabled = true;
    handed = [];
    messages = [];
    watch = new CaptureWatch({
      timers: scheduler.timers,
      logger: createLogger('debug', { write: (line: string) => void messages.push(JSON.parse(line) as LogRecord) }),
      captured: () => {
        reads++;
        if (readError !== null) throw readError;
        return new Set(listening);
      },
      carpInterfaceAt: (ifindex) => CARP_INTERFACES.get(ifindex),
      pathEnabled: () => pathEnabled,
      setCaptured: (ifnames) => void handed.push([...ifnames]),
    });
    watch.start();
  });

  afterEach(() => watch.stop());

  const texts = (): string[] => messages.map((m) => m.msg);

  it('hands the relay the carp interfaces under capture at each check, and leaves other interfaces out', async () => {
    listening.add(7).add(2);
    await scheduler.advance(CAPTURE_CHECK_INTERVAL_MS);
    assert.deepEqual(handed, [['carp0']]);
    listening.add(8);
    await scheduler.advance(CAPTURE_CHECK_INTERVAL_MS);
    assert.deepEqual(handed.at(-1), ['carp0', 'carp1']);
    listening.clear();
    await scheduler.advance(CAPTURE_CHECK_INTERVAL_MS);
    assert.deepEqual(handed.at(-1), []);
  });

  it('logs a capture once when it starts and once when it ends', async () => {
    listening.add(7);
    await scheduler.advance(3 * CAPTURE_CHECK_INTERVAL_MS);
    listening.clear();
    await scheduler.advance(3 * CAPTURE_CHECK_INTERVAL_MS);
    assert.deepEqual(texts(), [
      'carp0: a capture listens on carp0: the relay carries its traffic while it lasts, so that the capture sees both directions',
      'carp0: the capture on carp0 ended: the kernel may carry its traffic again',
    ]);
  });

  it('reads nothing while net.inet.carp.fastpath is off', async () => {
    pathEnabled = false;
    listening.add(7);
    await scheduler.advance(5 * CAPTURE_CHECK_INTERVAL_MS);
    assert.equal(reads, 0);
    assert.deepEqual(handed, []);
    pathEnabled = true;
    await scheduler.advance(CAPTURE_CHECK_INTERVAL_MS);
    assert.deepEqual(handed, [['carp0']]);
  });

  it('warns once while the table cannot be read, changes nothing, and goes on checking', async () => {
    listening.add(7);
    await scheduler.advance(CAPTURE_CHECK_INTERVAL_MS);
    readError = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    await scheduler.advance(3 * CAPTURE_CHECK_INTERVAL_MS);
    assert.equal(reads, 4);
    assert.deepEqual(handed, [['carp0']]);
    const warnings = messages.filter((m) => m.level === 40);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.msg ?? '', /cannot tell which interfaces are captured, a capture on a carp interface may miss what it sends: /);
    readError = null;
    listening.clear();
    await scheduler.advance(CAPTURE_CHECK_INTERVAL_MS);
    assert.deepEqual(handed.at(-1), []);
  });

  it('stops checking once stopped', async () => {
    listening.add(7);
    watch.stop();
    await scheduler.advance(5 * CAPTURE_CHECK_INTERVAL_MS);
    assert.equal(reads, 0);
    assert.equal(scheduler.queued, 0);
  });
});
