import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

/** The bound for a planned failover as the client sees it. */
const BOW_OUT_GAP_MS = 200;

describe('netns: a MASTER that goes down bows out (advbase 255, advskew 255)', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('bow');
    await lab.startPair('vhid 9 pass secret carpdev eth0');
  });

  after(async () => {
    await lab?.cleanup();
  });

  async function measureTakeover(goDown: () => Promise<unknown>, newMaster: string): Promise<number> {
    const probe = lab.startPing(VIP4, 10);
    try {
      await lab.waitFor('the client to reach the VIP', () => Promise.resolve(probe.repliesAfter(0) >= 5));
      const start = Date.now();
      await goDown();
      await lab.waitState(newMaster, 'MASTER', 1000);
      await lab.waitFor('replies after the takeover', () => Promise.resolve(probe.repliesAfter(start) >= 20), 3000);
      return probe.longestGapAfter(start) ?? Infinity;
    } finally {
      await probe.stop();
    }
  }

  it('`carpctl carp0 down` on the master: the backup takes over at once; the client gap is under 0.2 s', async () => {
    const gap = await measureTakeover(() => lab.ctl('h1', 'carp0', 'down'), 'h2');
    assert.ok(gap < BOW_OUT_GAP_MS, `client gap ${gap} ms`);
    assert.equal((await lab.status('h2')).nodes[0]?.lastTransition?.reason, 'bow-out');
    const h1 = await lab.status('h1');
    assert.equal(h1.adminUp, false);
    assert.equal(h1.nodes[0]?.state, 'INIT');
    assert.equal(h1.nodes[0]?.stats.bowOutsSent, 1);
  });

  it('`carpctl carp0 up` brings it back as BACKUP', async () => {
    await lab.ctl('h1', 'carp0', 'up');
    await lab.waitState('h1', 'BACKUP');
    const link = JSON.parse((await lab.net.exec('h1', 'ip', ['-j', 'link', 'show', 'carp0'])).stdout) as { flags: string[] }[];
    assert.ok(link[0]?.flags.includes('UP'));
  });

  it('`ip link set carp0 down` on the master does the same', async () => {
    const gap = await measureTakeover(() => lab.net.exec('h2', 'ip', ['link', 'set', 'carp0', 'down']), 'h1');
    assert.ok(gap < BOW_OUT_GAP_MS, `client gap ${gap} ms`);
    assert.equal((await lab.status('h1')).nodes[0]?.lastTransition?.reason, 'bow-out');
    assert.equal((await lab.status('h2')).adminUp, false);
  });
});
