import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

const BOOT_CONFIG = {
  'carp0.conf': `vhid 1 pass secret carpdev eth0 advskew 0\ninet ${VIP4}/24\n`,
  'sysctl.conf': 'net.inet.carp.preempt=1\n',
};
/** systemd's RestartSec in systemd/carpd.service. */
const RESTART_DELAY_MS = 200;
const GOAL_MS = 1500;

describe('netns: kill -9 of the MASTER`s carpd and an automatic restart', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('crash');
    await lab.startDaemon('h1', { config: BOOT_CONFIG });
    await lab.startDaemon('h2', { config: { 'sysctl.conf': 'net.inet.carp.preempt=1\n' } });
    await lab.configureCarp('h2', 'vhid 1 pass secret carpdev eth0 advskew 100');
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
  });

  after(async () => {
    await lab?.cleanup();
  });

  /** kill -9 of h1's carpd, then carpd started again after the unit's delay; the client's longest silence. */
  async function crashAndRestart(): Promise<number> {
    const ping = lab.startPing(VIP4, 20);
    await lab.waitFor('the client reaches the VIP', async () => ping.repliesAfter(Date.now() - 500) > 5, 5000);
    const killed = Date.now();
    await lab.stopDaemon('h1', 'SIGKILL');
    await new Promise((done) => setTimeout(done, RESTART_DELAY_MS));
    await lab.startDaemon('h1', { config: BOOT_CONFIG });
    await lab.waitFor('replies again', async () => ping.repliesAfter(Date.now() - 300) > 3, 8000);
    await new Promise((done) => setTimeout(done, 500));
    await ping.stop();
    return ping.longestGapAfter(killed) ?? Number.POSITIVE_INFINITY;
  }

  it(`resumes as MASTER: the client is without replies for less than ${GOAL_MS} ms, and the BACKUP never takes over`, async () => {
    const gap = await crashAndRestart();
    process.stdout.write(`      client without replies: ${Math.round(gap)} ms (restart delay ${RESTART_DELAY_MS} ms)\n`);
    const decisions = lab.logOf('h1').split('\n').filter((l) => /resume|starts as BACKUP|state transition|journal/.test(l));
    assert.ok(gap < GOAL_MS, `gap ${gap} ms\n${decisions.join('\n')}`);
    assert.equal(await lab.state('h1'), 'MASTER');
    assert.doesNotMatch(lab.logOf('h2'), /BACKUP -> MASTER/, 'no failover: never two masters');
    assert.match(lab.logOf('h1'), /carp0: vhid 1 resumes as MASTER/);
  });

  it('without the journal (as before), the same crash costs a whole failover', async () => {
    const failovers = (lab.logOf('h2').match(/BACKUP -> MASTER/g) ?? []).length;
    const ping = lab.startPing(VIP4, 20);
    await lab.waitFor('the client reaches the VIP', async () => ping.repliesAfter(Date.now() - 500) > 5, 5000);
    const killed = Date.now();
    await lab.stopDaemon('h1', 'SIGKILL');
    // Forget what the crashed carpd knew: the restarted one starts as BACKUP, as it used to.
    await lab.net.sh('h1', `rm -f ${lab.dir}/h1-run/state.json`);
    await new Promise((done) => setTimeout(done, RESTART_DELAY_MS));
    await lab.startDaemon('h1', { config: BOOT_CONFIG });
    // h2 takes over when its master-down timer runs out; h1, preferred, preempts it right back.
    await lab.waitFor('a failover to h2', () => Promise.resolve((lab.logOf('h2').match(/BACKUP -> MASTER/g) ?? []).length > failovers), 6000);
    await lab.waitFor('replies again', async () => ping.repliesAfter(Date.now() - 300) > 3, 8000);
    await ping.stop();
    const gap = ping.longestGapAfter(killed) ?? Number.POSITIVE_INFINITY;
    process.stdout.write(`      without the journal: ${Math.round(gap)} ms\n`);
    assert.ok(gap > 2500, `gap ${gap} ms: the backup's master-down interval`);
  });
});
