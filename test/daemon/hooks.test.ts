/**
 * Hooks (docs/carpd.8.md HOOKS), in-process: real executables in a real directory run by a carpd on
 * fake time. Hook processes take real time, so the tests wait for their files in real time.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HOOK_TIMEOUT_MS, FAILURE_LOG_INTERVAL_MS } from '../../src/daemon/hook-runner';
import { holds, waitFor } from '../helpers/poll';
import { DaemonLab, type LogRecord } from './lab';
import { configurePair } from './scenarios';

/** A hook that appends `NAME ARGS... reason=$CARP_REASON` to `record` after running `before`. */
function recorder(name: string, record: string, before = ''): string {
  return `#!/bin/sh\n${before}\necho "${name} $1 $2 reason=$CARP_REASON" >> '${record}'\n`;
}

async function lines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('carpd in-process: hooks on state changes', () => {
  let lab: DaemonLab;
  let dir: string;
  let hooks: string;
  let record: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carp-hooks-'));
    hooks = join(dir, 'hooks.d');
    record = join(dir, 'record');
    await mkdir(hooks, { mode: 0o755 });
    lab = await DaemonLab.create({ hosts: 2 });
  });

  afterEach(async () => {
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function hook(name: string, text: string, mode = 0o755): Promise<void> {
    await writeFile(join(hooks, name), text);
    await chmod(join(hooks, name), mode);
  }

  it('runs every executable as `HOOK vhid@ifname STATE`, sorted by name, in the order of the transitions', async () => {
    await hook('20-second', recorder('20-second', record));
    await hook('10-first', recorder('10-first', record));
    await hook('05-not-executable', recorder('05-not-executable', record), 0o644);
    await hook('.hidden', recorder('.hidden', record));
    await lab.start(1, { hooksDir: hooks });
    await lab.start(2);
    await configurePair(lab);
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    await lab.ok(1, 'carp0', 'state', 'backup');
    const expected = [
      '10-first 1@carp0 BACKUP reason=ready',
      '20-second 1@carp0 BACKUP reason=ready',
      '10-first 1@carp0 MASTER reason=master-down',
      '20-second 1@carp0 MASTER reason=master-down',
      '10-first 1@carp0 BACKUP reason=forced',
      '20-second 1@carp0 BACKUP reason=forced',
    ];
    await waitFor('the hooks of three transitions', async () => (await lines(record)).length >= expected.length, 10_000);
    assert.deepEqual(await lines(record), expected);
  });

  it('runs the same hooks for a VRRPv3 vhid (carpver 3): takeover, then the higher priority preempting it', async () => {
    await hook('10-record', recorder('10-record', record));
    await lab.start(1, { hooksDir: hooks });
    await lab.start(2);
    await lab.ok(1, 'sysctl', 'net.inet.carp.preempt=1');
    await lab.ok(2, 'sysctl', 'net.inet.carp.preempt=1');
    const vrrp = (n: number, priority: number): Promise<string> =>
      lab.ok(n, 'carp0', 'create', 'vhid', '7', 'carpver', '3', 'vrrpprio', String(priority), 'vrrpinterval', '10', 'carpdev', 'eth0');
    await vrrp(1, 100);
    lab.world.host(1).kernel.ipAddrAdd('carp0', '10.77.0.50/24');
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    await vrrp(2, 200);
    lab.world.host(2).kernel.ipAddrAdd('carp0', '10.77.0.50/24');
    await lab.until(() => lab.state(2) === 'MASTER' && lab.state(1) === 'BACKUP', 5000);
    const expected = ['10-record 7@carp0 BACKUP reason=ready', '10-record 7@carp0 MASTER reason=master-down', '10-record 7@carp0 BACKUP reason=higher-priority'];
    await waitFor('the hooks of three transitions', async () => (await lines(record)).length >= expected.length, 10_000);
    assert.deepEqual(await lines(record), expected);
  });

  it('does not let a hanging hook delay a failover; it is killed after the timeout and the next hook runs', async () => {
    // On host 2 the BACKUP hook hangs; the MASTER hook queues behind it.
    await hook('10-hang', recorder('10-hang', record, `[ "$2" = BACKUP ] && echo started >> '${record}' && exec sleep 600`));
    await lab.start(1);
    await lab.start(2, { hooksDir: hooks });
    await configurePair(lab);
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
    await waitFor('the BACKUP hook to hang', async () => (await lines(record)).includes('started'), 10_000);
    const hungAt = lab.world.scheduler.clock.now();
    await lab.advance(200);
    await lab.crash(1);
    const crashedAt = lab.world.scheduler.clock.now();
    // advbase 1, advskew 100: master-down 3 + 100/256 s after the last advertisement.
    await lab.until(() => lab.state(2) === 'MASTER', 3391);
    assert.ok(lab.world.scheduler.clock.now() - crashedAt <= 3391);
    await holds('the MASTER hook waiting behind the hanging one', async () => (await lines(record)).length === 1, 1000);
    await lab.advance(hungAt + DEFAULT_HOOK_TIMEOUT_MS - lab.world.scheduler.clock.now() + 10);
    await waitFor('the MASTER hook after the timeout', async () => (await lines(record)).length === 2, 10_000);
    assert.deepEqual(await lines(record), ['started', '10-hang 1@carp0 MASTER reason=master-down']);
    const killed = lab.log(2).filter((r) => r.failure === 'timeout');
    assert.equal(killed.length, 1);
    assert.match(killed[0]?.msg ?? '', /^hook .*\/hooks\.d\/10-hang 1@carp0 BACKUP: killed after 10 s$/);
  });

  it('logs a failing hook once per hook and kind of failure, with the end of what it said', async () => {
    await hook('10-fails', '#!/bin/sh\necho "no route to the load balancer" >&2\nexit 3\n');
    await hook('20-runs', recorder('20-runs', record));
    await lab.start(1, { hooksDir: hooks });
    await lab.ok(1, 'carp0', 'create', 'vhid', '1', 'pass', 'x', 'carpdev', 'eth0');
    lab.world.host(1).kernel.ipAddrAdd('carp0', '10.77.0.50/24');
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    await waitFor('two transitions ran', async () => (await lines(record)).length === 2, 10_000);
    const failures = (): LogRecord[] => lab.log(1).filter((r) => r.failure === 'exit 3');
    assert.equal(failures().length, 1, 'BACKUP and MASTER failed alike: logged once');
    assert.equal(failures()[0]?.msg, `hook ${join(hooks, '10-fails')} 1@carp0 BACKUP: exit status 3; it said: no route to the load balancer`);
    assert.equal(failures()[0]?.level, 40);
    await lab.advance(FAILURE_LOG_INTERVAL_MS);
    await lab.ok(1, 'carp0', 'state', 'backup');
    await waitFor('the third transition ran', async () => (await lines(record)).length >= 3, 10_000);
    await waitFor('the failure logged again', () => Promise.resolve(failures().length === 2), 10_000);
    assert.equal(failures()[1]?.suppressed, 1);
  });

  it('refuses hooks another user could change, as it refuses such configuration files', async () => {
    await hook('10-writable', recorder('10-writable', record), 0o777);
    await hook('20-fine', recorder('20-fine', record));
    await lab.start(1, { hooksDir: hooks });
    await lab.ok(1, 'carp0', 'create', 'vhid', '1', 'pass', 'x', 'carpdev', 'eth0');
    lab.world.host(1).kernel.ipAddrAdd('carp0', '10.77.0.50/24');
    await lab.advance(10);
    await waitFor('the fine hook ran', async () => (await lines(record)).length >= 1, 10_000);
    assert.deepEqual(await lines(record), ['20-fine 1@carp0 BACKUP reason=ready']);
    const refused = lab.log(1).filter((r) => r.failure === 'refused');
    assert.equal(refused.length, 1);
    assert.match(refused[0]?.msg ?? '', /hooks\.d\/10-writable is writable by group and others, so another user could change it: refused; run .*chmod go-w/);

    await chmod(hooks, 0o777);
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    await waitFor('the directory refused', () => Promise.resolve(lab.log(1).filter((r) => r.failure === 'refused').length === 2), 10_000);
    assert.match(lab.log(1).filter((r) => r.failure === 'refused')[1]?.msg ?? '', /^hook hooks directory .*hooks\.d is writable by group and others/);
    assert.deepEqual(await lines(record), ['20-fine 1@carp0 BACKUP reason=ready'], 'nothing runs from a directory others can write');
  });
});
