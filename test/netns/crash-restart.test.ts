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

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

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

  const failoversToH2 = (): number => (lab.logOf('h2').match(/BACKUP -> MASTER/g) ?? []).length;

  /**
   * kill -9 of h1's carpd, then carpd started again after the unit's delay, as systemd does;
   * `forget` removes its state journal first (the behaviour before there was one). Returns the
   * client's longest silence.
   */
  async function crashAndRestart(forget: boolean): Promise<number> {
    const ping = lab.startPing(VIP4, 20);
    await lab.waitFor('the client reaches the VIP', () => Promise.resolve(ping.repliesAfter(Date.now() - 500) > 5), 5000);
    const killed = Date.now();
    await lab.stopDaemon('h1', 'SIGKILL');
    if (forget) await lab.net.sh('h1', `rm -f ${lab.dir}/h1-run/state.json`);
    await sleep(RESTART_DELAY_MS);
    await lab.startDaemon('h1', { config: BOOT_CONFIG });
    await lab.waitState('h1', 'MASTER', 8000);
    await lab.waitFor('replies again', () => Promise.resolve(ping.repliesAfter(Date.now() - 300) > 3), 8000);
    await ping.stop();
    return ping.longestGapAfter(killed) ?? Number.POSITIVE_INFINITY;
  }

  it(`resumes as MASTER: the client is without replies for less than ${GOAL_MS} ms, and the BACKUP never takes over`, async () => {
    const failovers = failoversToH2();
    const gap = await crashAndRestart(false);
    process.stdout.write(`      client without replies: ${Math.round(gap)} ms (restart delay ${RESTART_DELAY_MS} ms)\n`);
    const decisions = lab.logOf('h1').split('\n').filter((l) => /resumes as MASTER|starts as BACKUP/.test(l));
    assert.ok(gap < GOAL_MS, `gap ${gap} ms\n${decisions.join('\n')}`);
    assert.equal(failoversToH2(), failovers, 'no failover: never two masters');
    assert.match(decisions.join('\n'), /carp0: vhid 1 resumes as MASTER/);
  });

  it('without the journal (as before), the same crash costs a whole failover', async () => {
    const failovers = failoversToH2();
    const gap = await crashAndRestart(true);
    process.stdout.write(`      without the journal: ${Math.round(gap)} ms\n`);
    assert.ok(failoversToH2() > failovers, 'h2 took over when its master-down timer ran out');
    assert.ok(gap > 2500, `gap ${gap} ms: the backup's master-down interval`);
  });
});
