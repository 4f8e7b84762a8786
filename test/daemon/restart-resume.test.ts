import assert from 'node:assert/strict';
import type { DaemonLab } from './lab';
import { PASS, VIP, pairLab } from './scenarios';

const BOOT_CONFIG = { 'carp0.conf': `vhid 1 pass ${PASS} carpdev eth0 advskew 0\ninet ${VIP}/24\n` };

/** The state transitions host n logged, as "FROM -> TO (reason)". */
function transitions(lab: DaemonLab, n: number): string[] {
  return lab.log(n).flatMap((r) => {
    const m = /state transition \(vhid \d+\): (.*)$/.exec(r.msg);
    return m ? [m[1] as string] : [];
  });
}

describe('carpd in-process: a crashed MASTER restarted at once takes its addresses back without a failover', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(true);
    // Host 1 keeps its configuration in files, as under systemd, so a restart reconfigures it.
    await lab.stop(1);
    await lab.until(() => lab.state(2) === 'MASTER', 1000);
    await lab.start(1, { config: BOOT_CONFIG });
    await lab.ok(1, 'sysctl', 'net.inet.carp.preempt=1');
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 6000);
    await lab.advance(1500);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('resumes as MASTER at once when it comes back within the peers` master-down interval', async () => {
    const backupBefore = transitions(lab, 2).length;
    await lab.crash(1);
    await lab.advance(800);
    await lab.start(1, { config: BOOT_CONFIG });
    assert.equal(lab.state(1), 'MASTER', 'MASTER right after the start');
    await lab.advance(5000);
    assert.equal(lab.state(1), 'MASTER');
    assert.deepEqual(transitions(lab, 2).slice(backupBefore), [], 'the BACKUP never moved: no failover happened');
    assert.ok(lab.log(1).some((r) => /carp0: vhid 1 resumes as MASTER: the previous carpd advertised \d\.\d s ago/.test(r.msg)));
  });

  it('comes back as BACKUP when it returns after a peer may have taken over', async () => {
    await lab.crash(1);
    await lab.until(() => lab.state(2) === 'MASTER', 4000);
    await lab.advance(500);
    await lab.start(1, { config: BOOT_CONFIG });
    assert.equal(lab.state(1), 'BACKUP');
    assert.ok(lab.log(1).some((r) => /carp0: vhid 1 starts as BACKUP: the previous carpd last advertised \d\.\d s ago/.test(r.msg)));
  });

  it('does not resume after an orderly stop, which bowed out', async () => {
    await lab.stop(1);
    await lab.until(() => lab.state(2) === 'MASTER', 100);
    await lab.start(1, { config: BOOT_CONFIG });
    assert.equal(lab.state(1), 'BACKUP');
    assert.ok(!lab.log(1).some((r) => /resumes as MASTER/.test(r.msg)));
  });
});
