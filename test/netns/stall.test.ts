import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { AD_PRINT_ARGS, parseAds } from './carp-ads';
import { CarpLab, VIP4 } from './carp-lab';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** h1 MASTER (advskew 0), h2 BACKUP (advskew 100), advbase 1. */
async function stallPair(tag: string): Promise<CarpLab> {
  const lab = await CarpLab.create(tag);
  await lab.startPair('vhid 1 pass secret carpdev eth0');
  return lab;
}

/** kill -STOP the daemon of `host` for `ms`, then kill -CONT; returns the time of the CONT (ms). */
async function stopFor(lab: CarpLab, host: string, ms: number): Promise<number> {
  const pid = lab.daemonPid(host);
  assert.ok(pid !== undefined);
  process.kill(pid, 'SIGSTOP');
  await sleep(ms);
  const continued = Date.now();
  process.kill(pid, 'SIGCONT');
  return continued;
}

describe('netns: the MASTER`s carpd stopped for 4 s (kill -STOP, kill -CONT)', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await stallPair('stall');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('answers nothing seconds late after it resumes, and counts what it discarded', async () => {
    const ping = lab.startPing(VIP4, 20);
    await sleep(500);
    await stopFor(lab, 'h1', 4000);
    await sleep(2000);
    const statistics = await ping.stop();
    const max = Number(/rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/([\d.]+)\//.exec(statistics)?.[1]);
    assert.ok(max < 1000, `the slowest reply took ${max} ms:\n${statistics}`);
    assert.match(await lab.ctl('h1', 'carp0', 'stats'), /\t[1-9]\d* frames discarded unread after the daemon stalled\n/);
    assert.match(lab.logOf('h1'), /carpd did not run for \d\.\d s, longer than a master-down interval/);
  });
});

/** Capture times (ms) of what `host` put on the bridge that answers for the VIP: echo replies, ARP. */
function answerTimes(output: string): number[] {
  return output
    .split('\n')
    .map((line) => /^(\d+\.\d+) /.exec(line)?.[1])
    .filter((at): at is string => at !== undefined)
    .map((at) => Number(at) * 1000);
}

describe('netns: after a 4 s kill -STOP of the MASTER`s carpd, the pair never has two masters', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await stallPair('stall2');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('the stalled MASTER steps down silently on CONT: no advertisement, no answer, h2 stays MASTER', async () => {
    // What each host sends, captured on its own bridge port (both answer with the same virtual MAC).
    const answerFilter = `(src host ${VIP4} and icmp[icmptype] == icmp-echoreply) or (arp and arp[14:4] == 0x${VIP4.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join('')})`;
    const captures = {
      ads1: new Capture(lab, 'lan', ['-i', 'p-h1', '-Q', 'in', ...AD_PRINT_ARGS, 'ip proto 112']),
      ads2: new Capture(lab, 'lan', ['-i', 'p-h2', '-Q', 'in', ...AD_PRINT_ARGS, 'ip proto 112']),
      answers1: new Capture(lab, 'lan', ['-i', 'p-h1', '-Q', 'in', '-tt', answerFilter]),
      answers2: new Capture(lab, 'lan', ['-i', 'p-h2', '-Q', 'in', '-tt', answerFilter]),
    };
    await Promise.all(Object.values(captures).map((c) => c.started()));
    const ping = lab.startPing(VIP4, 20);
    await sleep(500);
    const continued = await stopFor(lab, 'h1', 4000);
    await sleep(3000);
    await ping.stop();
    const [ads1, ads2, answers1, answers2] = await Promise.all([
      captures.ads1.stop(),
      captures.ads2.stop(),
      captures.answers1.stop(),
      captures.answers2.stop(),
    ]);
    const h1Ads = parseAds(ads1).filter((ad) => ad.at >= continued);
    assert.deepEqual(h1Ads, [], `h1 advertised after CONT:\n${ads1}\n${lab.logOf('h1')}`);
    const h2Ads = parseAds(ads2);
    assert.ok(h2Ads.length >= 3, `h2 took over and advertises:\n${ads2}`);
    const h1Answers = answerTimes(answers1);
    const h2Answers = answerTimes(answers2);
    assert.ok(h1Answers.length > 0 && h2Answers.length > 0, `both answered in turn:\nh1\n${answers1}\nh2\n${answers2}`);
    const h1Last = Math.max(...h1Answers);
    const h2First = Math.min(...h2Answers);
    assert.ok(h1Last < h2First, `h1 answered ${(h1Last - h2First).toFixed(0)} ms after h2 began to:\nh1\n${answers1}\nh2\n${answers2}`);
    assert.equal(await lab.state('h1'), 'BACKUP');
    assert.equal(await lab.state('h2'), 'MASTER');
    const status = await lab.status('h1');
    assert.equal(status.demote, 1, 'h1 demoted itself');
    assert.equal(status.nodes[0]?.lastTransition?.reason, 'stalled');
    assert.match(lab.logOf('h1'), /carp0 vhid 1 stepped down to BACKUP without advertising/);
  });
});
