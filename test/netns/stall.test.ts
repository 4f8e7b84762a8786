import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

describe('netns: the MASTER`s carpd stopped for 4 s (kill -STOP, kill -CONT)', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('stall');
    await lab.startDaemon('h1');
    await lab.startDaemon('h2');
    await lab.configureCarp('h1', 'vhid 1 pass secret carpdev eth0 advskew 0');
    await lab.configureCarp('h2', 'vhid 1 pass secret carpdev eth0 advskew 100');
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('answers nothing seconds late after it resumes, and counts what it discarded', async () => {
    const ping = lab.startPing(VIP4, 20);
    await sleep(500);
    const pid = lab.daemonPid('h1');
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGSTOP');
    await sleep(4000);
    process.kill(pid, 'SIGCONT');
    await sleep(2000);
    const statistics = await ping.stop();
    const max = Number(/rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/([\d.]+)\//.exec(statistics)?.[1]);
    assert.ok(max < 1000, `the slowest reply took ${max} ms:\n${statistics}`);
    assert.match(await lab.ctl('h1', 'carp0', 'stats'), /\t[1-9]\d* frames discarded unread after the daemon stalled\n/);
    assert.match(lab.logOf('h1'), /carpd did not run for \d\.\d s, longer than a master-down interval/);
  });
});
