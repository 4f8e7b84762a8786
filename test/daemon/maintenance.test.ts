import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAINTENANCE_FILE } from '../../src/daemon/maintenance-store';
import { DaemonLab } from './lab';
import { PASS, VIP, logged } from './scenarios';

/**
 * Host n's carp0 as a boot configuration: host 1 is preferred (advskew 0) and preempts; host 2
 * does not, so that only the demote byte can make it take over.
 */
function bootConfig(n: number): Record<string, string> {
  const carp0 = `vhid 1 pass ${PASS} carpdev eth0 advskew ${n === 1 ? 0 : 100}\ninet ${VIP}/24\n`;
  return n === 1 ? { 'carp0.conf': carp0, 'sysctl.conf': 'net.inet.carp.preempt=1\n' } : { 'carp0.conf': carp0 };
}

/** Master-down of host 2 is 3 s + 100/256 s: a takeover well before it did not wait for it. */
const WELL_BEFORE_MASTER_DOWN_MS = 500;

describe('carpd in-process: maintenance mode', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 2 });
    await lab.start(1, { config: bootConfig(1) });
    await lab.start(2, { config: bootConfig(2) });
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 6000);
    await lab.advance(1500);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('on: the peer takes over at once, the demotion shows in status and in the advertisements, and it is logged', async () => {
    assert.equal(await lab.ok(1, 'maintenance'), 'maintenance mode: off\n');
    assert.equal(await lab.ok(1, 'maintenance', 'on'), 'maintenance mode: on (demoted by 240)\n');
    await lab.until(() => lab.state(2) === 'MASTER' && lab.state(1) === 'BACKUP', WELL_BEFORE_MASTER_DOWN_MS);
    const status = await lab.show(1);
    assert.equal(status.demote, 240);
    assert.equal(status.nodes[0]?.effectiveAdvskew, 240);
    assert.match(await lab.ok(1, 'carp0'), /\tcarp: BACKUP carpdev eth0 vhid 1 advbase 1 advskew 0\n\tcarp: maintenance mode \(demoted by 240\)\n/);
    assert.deepEqual(JSON.parse(await lab.ok(1, '-j', 'maintenance')), { maintenance: { on: true, demotion: 240 } });
    // Host 2 (no preempt) saw the demote byte: it took over because the master was more demoted.
    assert.equal((await lab.show(2)).nodes[0]?.lastTransition?.reason, 'master-demoted');
    assert.ok(logged(lab, 1).some((m) => /^maintenance mode on: every carp interface is demoted by 240/.test(m)));
    // It stays so: host 1 does not take MASTER back although preempt is on.
    await lab.advance(10_000);
    assert.equal(lab.state(1), 'BACKUP');
    assert.equal(lab.state(2), 'MASTER');
  });

  it('is kept across a restart and a crash of carpd, and off gives MASTER back (preempt)', async () => {
    await lab.ok(1, 'maintenance', 'on');
    await lab.until(() => lab.state(2) === 'MASTER', WELL_BEFORE_MASTER_DOWN_MS);
    for (const restart of [() => lab.stop(1), () => lab.crash(1)]) {
      await restart();
      await lab.start(1, { config: bootConfig(1) });
      assert.equal(await lab.ok(1, 'maintenance'), 'maintenance mode: on (demoted by 240)\n');
      assert.ok(logged(lab, 1).some((m) => /^maintenance mode is on \(.*maintenance\.json\): every carp interface is demoted by 240$/.test(m)));
      await lab.advance(10_000);
      assert.equal(lab.state(1), 'BACKUP', 'still demoted after the restart');
      assert.equal(lab.state(2), 'MASTER');
      assert.equal((await lab.show(1)).demote, 240);
    }
    assert.equal(await lab.ok(1, 'maintenance', 'off'), 'maintenance mode: off\n');
    // Host 2's next advertisement (every 1 s + 100/256 s) lets host 1 preempt it.
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 1500);
    assert.equal((await lab.show(1)).demote, 0);
    assert.equal((await lab.show(1)).nodes[0]?.lastTransition?.reason, 'preempt');
    assert.ok(logged(lab, 1).some((m) => m.startsWith('maintenance mode off')));
  });

  it('keeps the file root-only, replaced whole', async () => {
    await lab.ok(1, 'maintenance', 'on');
    const dir = await stat(lab.stateDir(1));
    const file = await stat(join(lab.stateDir(1), MAINTENANCE_FILE));
    assert.equal(dir.mode & 0o777, 0o700);
    assert.equal(file.mode & 0o777, 0o600);
  });

  it('starts in maintenance mode, with a clear error, when the file is corrupt', async () => {
    await lab.stop(1);
    await mkdir(lab.stateDir(1), { recursive: true, mode: 0o700 });
    await writeFile(join(lab.stateDir(1), MAINTENANCE_FILE), '{"version":1,"maint');
    await lab.start(1, { config: bootConfig(1) });
    assert.equal(await lab.ok(1, 'maintenance'), 'maintenance mode: on (demoted by 240)\n');
    const error = lab.log(1).find((r) => r.level === 50 && /maintenance\.json/.test(r.msg));
    assert.match(
      error?.msg ?? '',
      /maintenance\.json is not a version 1 maintenance file: carpd starts in maintenance mode to be safe; carpctl maintenance on\|off sets it and rewrites the file$/,
    );
    await lab.advance(5000);
    assert.equal(lab.state(1), 'BACKUP');
    // The administrator's word writes a good file again.
    await lab.ok(1, 'maintenance', 'off');
    await lab.stop(1);
    await lab.start(1, { config: bootConfig(1) });
    assert.equal(await lab.ok(1, 'maintenance'), 'maintenance mode: off\n');
  });

  it('refuses the command and changes nothing when the file cannot be written', async () => {
    await lab.stop(1);
    await lab.start(1, { config: bootConfig(1) });
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    // A directory where the file should be: the rename over it fails.
    await mkdir(join(lab.stateDir(1), MAINTENANCE_FILE), { recursive: true });
    const run = await lab.carpctl(1, 'maintenance', 'on');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /cannot write .*maintenance\.json: /);
    assert.equal(await lab.ok(1, 'maintenance'), 'maintenance mode: off\n');
    assert.equal((await lab.show(1)).demote, 0);
    await lab.advance(3000);
    assert.equal(lab.state(1), 'MASTER');
  });
});
