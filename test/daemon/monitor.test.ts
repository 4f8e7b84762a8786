/**
 * `carpctl monitor` in-process (docs/carpctl.8.md MONITOR): the real carpctl code path against
 * carpd on fake time. Events travel over a real socket, so the tests wait for lines in real time.
 */
import assert from 'node:assert/strict';
import type { MonitorEventDto } from '../../src/control/protocol';
import { waitFor } from '../helpers/poll';
import { type DaemonLab, LAB_EPOCH, type MonitorRun } from './lab';
import { pairLab } from './scenarios';

function lines(run: MonitorRun): string[] {
  return run.stdout().split('\n').filter(Boolean);
}

async function linesOf(run: MonitorRun, count: number): Promise<string[]> {
  await waitFor(`${count} monitor lines`, () => Promise.resolve(lines(run).length >= count), 5000, 10);
  return lines(run);
}

/** The wall-clock stamp carpd gives an event at fake time `at`. */
function stamp(at: number): string {
  return new Date(LAB_EPOCH + at).toISOString();
}

describe('carpd in-process: carpctl monitor', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  it('prints a failover as a time-stamped line and ends with status 0 on ^C', async () => {
    lab = await pairLab(true);
    const monitor = await lab.monitor(2);
    await lab.crash(1);
    await lab.until(() => lab.state(2) === 'MASTER', 5000);
    const at = lab.world.scheduler.clock.now();
    assert.deepEqual(await linesOf(monitor, 1), [`${stamp(at)} carp0 vhid 1 BACKUP -> MASTER (master down timer expired)`]);
    const run = await monitor.interrupt();
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.equal(lines(monitor).length, 1);
  });

  it('prints JSON lines with -j: a demotion and the failover it causes, on both hosts', async () => {
    lab = await pairLab(true);
    const master = await lab.monitor(1, '-j');
    const backup = await lab.monitor(2, '-j');
    await lab.ok(1, '-g', 'carp', 'carpdemote', '2');
    const demoted = lab.world.scheduler.clock.now();
    await lab.until(() => lab.state(1) === 'BACKUP' && lab.state(2) === 'MASTER', 5000);
    const parse = async (run: MonitorRun, count: number): Promise<MonitorEventDto[]> =>
      (await linesOf(run, count)).map((line) => JSON.parse(line) as MonitorEventDto);
    const withoutTime = (events: MonitorEventDto[]): unknown[] => events.map(({ time: _time, ...rest }) => rest);
    const onMaster = await parse(master, 2);
    assert.deepEqual(withoutTime(onMaster), [
      { kind: 'demotion', group: 'carp', from: 0, to: 2, reason: 'admin', text: 'set by administrator' },
      { kind: 'state', ifname: 'carp0', vhid: 1, from: 'MASTER', to: 'BACKUP', reason: 'less-demoted-master', text: 'less demoted master seen' },
    ]);
    assert.equal(onMaster[0]?.time, stamp(demoted));
    assert.deepEqual(withoutTime(await parse(backup, 1)), [
      { kind: 'state', ifname: 'carp0', vhid: 1, from: 'BACKUP', to: 'MASTER', reason: 'master-demoted', text: 'master is more demoted' },
    ]);
    for (const run of [master, backup]) assert.equal((await run.interrupt()).status, 0);
  });

  it('prints a demotion counter change as a line', async () => {
    lab = await pairLab(true);
    const monitor = await lab.monitor(2);
    await lab.ok(2, '-g', 'carp', 'carpdemote', '3');
    const at = lab.world.scheduler.clock.now();
    await lab.ok(2, '-g', 'carp', '-carpdemote', '3');
    assert.deepEqual(await linesOf(monitor, 2), [
      `${stamp(at)} group carp demote 0 -> 3 (set by administrator)`,
      `${stamp(at)} group carp demote 3 -> 0 (set by administrator)`,
    ]);
    await monitor.interrupt();
  });

  it('prints interfaces created, destroyed, and deleted outside carpd', async () => {
    lab = await pairLab(true);
    const monitor = await lab.monitor(1);
    await lab.ok(1, 'carp1', 'create');
    const created = lab.world.scheduler.clock.now();
    await lab.ok(1, 'carp1', 'destroy');
    await lab.ok(1, 'carp2', 'create');
    lab.world.host(1).kernel.deleteLink('carp2');
    await lab.until(() => !lab.daemon(1).service.isCarpInterface('carp2'), 1000);
    assert.deepEqual(await linesOf(monitor, 4), [
      `${stamp(created)} carp1 created`,
      `${stamp(created)} carp1 destroyed`,
      `${stamp(created)} carp2 created`,
      `${stamp(created)} carp2 vanished (its device was deleted outside carpd)`,
    ]);
    await monitor.interrupt();
  });

  it('shows the shutdown transition, then exits 2 when carpd stops', async () => {
    lab = await pairLab(true);
    const monitor = await lab.monitor(1);
    await lab.stop(1);
    const run = await monitor.done;
    assert.equal(run.status, 2);
    assert.match(run.stdout, /^\S+ carp0 vhid 1 MASTER -> INIT \(daemon shutting down\)\n$/);
    assert.match(run.stderr, /^carpctl: carpd at \S+ closed the monitor connection: it stopped/);
  });

  it('refuses words after monitor', async () => {
    lab = await pairLab(false);
    const run = await lab.carpctl(1, 'monitor', 'carp0');
    assert.equal(run.status, 1);
    assert.equal(run.stderr, 'carpctl: monitor takes no words, not "carp0"\n');
  });
});
