import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

/** h1 preferred (advskew 0) and preempting; h2 not preempting, so only the demote byte moves it. */
const H1_CONFIG = {
  'carp0.conf': `vhid 9 pass secret carpdev eth0 advskew 0\ninet ${VIP4}/24\n`,
  'sysctl.conf': 'net.inet.carp.preempt=1\n',
};
const H2_CONFIG = { 'carp0.conf': `vhid 9 pass secret carpdev eth0 advskew 100\ninet ${VIP4}/24\n` };

/** h2's master-down interval is 3 s + 100/256 s: a takeover within this did not wait for it. */
const BEFORE_MASTER_DOWN_MS = 2000;

describe('netns: maintenance mode with two real carpd', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('maint');
    await lab.startDaemon('h1', { config: H1_CONFIG });
    await lab.startDaemon('h2', { config: H2_CONFIG });
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('on: the peer is MASTER within a master-down interval, and status shows the demotion', async () => {
    const started = Date.now();
    assert.equal(await lab.ctl('h1', 'maintenance', 'on'), 'maintenance mode: on (demoted by 240)\n');
    await lab.waitState('h2', 'MASTER', BEFORE_MASTER_DOWN_MS);
    await lab.waitState('h1', 'BACKUP', 1000);
    const tookOver = Date.now() - started;
    process.stdout.write(`      h2 MASTER ${tookOver} ms after carpctl maintenance on was started (carpctl and polling included)\n`);
    assert.equal((await lab.status('h2')).nodes[0]?.lastTransition?.reason, 'master-demoted');
    assert.equal((await lab.status('h1')).demote, 240);
    assert.match(await lab.ctl('h1', 'carp0'), /\tcarp: maintenance mode \(demoted by 240\)\n/);
    assert.match(lab.logOf('h1'), /maintenance mode on: every carp interface is demoted by 240/);
    assert.ok(tookOver < BEFORE_MASTER_DOWN_MS, `took ${tookOver} ms`);
  });

  it('kill -9 and a new carpd: still in maintenance, h2 stays MASTER', async () => {
    await lab.stopDaemon('h1', 'SIGKILL');
    await lab.startDaemon('h1', { config: H1_CONFIG });
    assert.equal(await lab.ctl('h1', 'maintenance'), 'maintenance mode: on (demoted by 240)\n');
    await lab.waitState('h1', 'BACKUP');
    await lab.holds('h2 MASTER, h1 BACKUP', async () => (await lab.state('h2')) === 'MASTER' && (await lab.state('h1')) === 'BACKUP', 4000);
    assert.equal((await lab.status('h1')).demote, 240);
  });

  it('off: h1 preempts and is MASTER again, and the client reaches the address', async () => {
    assert.equal(await lab.ctl('h1', 'maintenance', 'off'), 'maintenance mode: off\n');
    await lab.waitState('h1', 'MASTER', 3000);
    await lab.waitState('h2', 'BACKUP', 1000);
    assert.equal((await lab.status('h1')).demote, 0);
    assert.match((await lab.net.exec('cl', 'ping', ['-c', '1', '-W', '1', VIP4])).stdout, /1 received/);
  });
});
