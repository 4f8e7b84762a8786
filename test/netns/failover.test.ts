import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

/** h2's master-down interval: 3 * advbase + advskew/256 s (docs/protocol.md §3.2, classic). */
const BACKUP_MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;
/** What the issue allows on top of the protocol bound: timer and relay latency of a real host. */
const SLACK_MS = 300;

describe('netns: failover when the master loses its link', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('fail');
    await lab.startPair('vhid 7 pass secret carpdev eth0');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('the backup becomes MASTER and the client reaches the VIP again within master-down + 0.3 s', async () => {
    const outage = await lab.cableCutOutage(VIP4, BACKUP_MASTER_DOWN_MS);
    // The master's last advertisement went out at most one interval before the cut, so the
    // bound counted from the cut is master-down + slack.
    assert.ok(outage <= BACKUP_MASTER_DOWN_MS + SLACK_MS, `client outage ${outage} ms`);
  });

  it('the master without link is INIT and demoted (OpenBSD carpdev demotion)', async () => {
    const status = await lab.status('h1');
    assert.equal(status.nodes[0]?.state, 'INIT');
    assert.equal(status.demote, 1);
    assert.equal(status.nodes[0]?.lastTransition?.reason, 'carpdev-down');
  });

  it('back on the LAN, the old master stays BACKUP while preempt is off', async () => {
    await lab.net.exec('lan', 'ip', ['link', 'set', 'p-h1', 'up']);
    await lab.waitState('h1', 'BACKUP');
    assert.equal((await lab.status('h1')).demote, 0);
    await lab.holds('h2 MASTER, h1 BACKUP', async () => (await lab.state('h2')) === 'MASTER' && (await lab.state('h1')) === 'BACKUP', 2500);
  });

  it('with net.inet.carp.preempt=1 it takes over at the slower master`s next advertisement', async () => {
    for (const host of ['h1', 'h2']) {
      assert.match(await lab.ctl(host, 'sysctl', 'net.inet.carp.preempt=1'), /^net\.inet\.carp\.preempt: 0 -> 1$/m);
    }
    await lab.waitState('h1', 'MASTER', 2000);
    await lab.waitState('h2', 'BACKUP', 2000);
    assert.equal((await lab.status('h1')).nodes[0]?.lastTransition?.reason, 'preempt');
  });
});
