import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { AD_PRINT_ARGS, parseAds } from './carp-ads';
import { CarpLab, SUBNET4, VIP4 } from './carp-lab';
import { UCARP, Ucarp } from './ucarp';

const STRICT = { 'sysctl.conf': 'net.inet.carp.strict_counter=1\n' };
/** The strict counter's time: its upper 48 bits (src/carp/replay-window.ts). */
const timeOf = (counter: bigint): number => Number(counter >> 16n);

async function replaysCounted(lab: CarpLab, host: string): Promise<number> {
  const stats = await lab.ctl(host, 'carp0', 'stats');
  const line = /\t(\d+) discarded: counter seen before or too far from our clock/.exec(stats);
  assert.ok(line, stats);
  return Number(line[1]);
}

describe('netns: net.inet.carp.strict_counter=1 on two carpd hosts', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('strict');
    await lab.startDaemon('h1', { config: STRICT });
    await lab.startDaemon('h2', { config: STRICT });
    await lab.configureCarp('h1', 'vhid 1 pass secret carpdev eth0 advskew 0');
    await lab.configureCarp('h2', 'vhid 1 pass secret carpdev eth0 advskew 100');
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('the MASTER sends timestamps that move forward, the BACKUP accepts every one and stays BACKUP', async () => {
    const capture = new Capture(lab, 'lan', ['-i', 'br0', ...AD_PRINT_ARGS, 'ip proto 112']);
    await capture.started();
    await lab.holds('h1 MASTER, h2 BACKUP', async () => (await lab.state('h1')) === 'MASTER' && (await lab.state('h2')) === 'BACKUP', 4000);
    const ads = parseAds(await capture.stop()).filter((ad) => ad.source === `${SUBNET4}.1`);
    assert.ok(ads.length >= 3, `${ads.length} advertisements`);
    for (let i = 1; i < ads.length; i++) assert.ok((ads[i]?.counter ?? 0n) > (ads[i - 1]?.counter ?? 0n), 'every counter is larger');
    for (const ad of ads) assert.ok(Math.abs(timeOf(ad.counter) - ad.at) < 1000, `counter time ${timeOf(ad.counter)}, sent at ${ad.at}`);
    assert.equal(await replaysCounted(lab, 'h2'), 0);
  });

  it('a failover still works: the BACKUP takes over when the MASTER`s carpd stops', async () => {
    await lab.stopDaemon('h1', 'SIGKILL');
    await lab.waitState('h2', 'MASTER', 5000);
    assert.equal(await replaysCounted(lab, 'h2'), 0);
  });
});

describe('netns: net.inet.carp.strict_counter=1 against ucarp (not compatible: docs/protocol.md §2.7)', function () {
  let lab: CarpLab;
  let ucarp: Ucarp | undefined;

  before(async function () {
    const reason = netnsUnavailableReason() ?? (existsSync(UCARP) ? null : `needs ${UCARP} (Debian package ucarp)`);
    if (reason) return this.skip();
    lab = await CarpLab.create('strictuc');
    await lab.startDaemon('h1', { config: STRICT });
  });

  after(async () => {
    await ucarp?.stop();
    await lab?.cleanup();
  });

  it('ucarp`s random counters are dropped, so carpd takes over; once ucarp adopts our counter, its +1 is accepted again', async () => {
    ucarp = await Ucarp.start(lab, 'h2', { vhid: 12, pass: 'secret', advskew: 0, srcip: `${SUBNET4}.2`, vip: VIP4 });
    await ucarp.waitState('MASTER', 5000);
    await lab.configureCarp('h1', 'vhid 12 pass secret carpdev eth0 advskew 100');
    // ucarp is MASTER and advertises every second, yet carpd hears nothing it accepts: it takes
    // over once a master-down interval (3.39 s) has passed. Counted, not polled: ucarp may adopt
    // our first counter and send its +1 within moments, which ends carpd's turn as MASTER below.
    await lab.waitFor('h1 carp0 MASTER once', async () => ((await lab.status('h1')).nodes[0]?.stats.toMaster ?? 0) >= 1, 6000);
    assert.equal(ucarp.state, 'MASTER', 'ucarp checks no counter and ignores our worse advskew: two masters');
    assert.ok((await replaysCounted(lab, 'h1')) >= 2, 'its advertisements were dropped as replays');
    // ucarp adopts the counter of our advertisement and sends it + 1: a fresh timestamp to us.
    await lab.waitState('h1', 'BACKUP', 4000);
    assert.equal((await lab.status('h1')).nodes[0]?.lastTransition?.reason, 'better-master');
  });
});
