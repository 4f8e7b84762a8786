/**
 * A hostile host floods the segment of a CARP pair for 30 s at 5,000 frames a second (issue 9):
 * broken and forged advertisements for the pair's vhid, ARP and neighbour solicitations for its
 * addresses. Neither host may change state; every frame must be counted under its reason (less
 * what the kernel dropped from a full socket queue, which is measured, not guessed); carpd's
 * resident memory must stay flat and its log bounded. A long test: about 40 s.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseIp, parseMac } from '../../src/wire/address';
import type { DaemonCountersDto } from '../../src/control/protocol';
import { netnsUnavailableReason } from '../helpers/netns';
import { exited, sleep } from '../helpers/poll';
import { CarpLab, SUBNET4, SUBNET6, VIP4, VIP6 } from './carp-lab';
import { type Tally, floodKinds, parseTarget } from './flood-frames';
import { residentBytes } from './process-memory';
import { socketDrops } from './socket-drops';

const VHID = 7;
const RATE = 5000;
const SECONDS = 30;
const SENDER = join(__dirname, 'flood-sender.js');
const ATTACKER = { mac: parseMac('02:77:00:00:00:66'), ipv4: parseIp(`${SUBNET4}.66`), ipv6: parseIp(`${SUBNET6}66`) };
/** Growth of VmRSS after the first 5 s that still counts as flat: garbage collection comes in waves. */
const RSS_GROWTH_LIMIT = 20 * 1024 * 1024;
const WARM_UP_MS = 5000;
/**
 * Drop records are rate-limited to one per carpdev, vhid and reason in 10 s (carp-event-log.ts):
 * five logged reasons (badttl, badauth, badver, badsum, hdrops) in the four windows 30 s touch.
 */
const LOG_LINE_LIMIT = 5 * 4;

type Counters = Record<Tally, number>;

function tallies(counters: DaemonCountersDto): Counters {
  const node = counters.interfaces.find((i) => i.name === 'carp0')?.nodes[0]?.stats;
  const carpdev = counters.carpdevs.find((d) => d.name === 'eth0')?.protocol;
  const relay = counters.interfaces.find((i) => i.name === 'carp0')?.dataPlane;
  assert.ok(node && carpdev && relay, 'carp0 on eth0 has counters');
  return {
    'node.badttl': node.badttl,
    'node.badauth': node.badauth,
    'carpdev.badver': carpdev.badver,
    'carpdev.badsum': carpdev.badsum,
    'carpdev.hdrops': carpdev.hdrops,
    // The master lets ARP and NS for its addresses into carp0, the backup drops them.
    relay: relay.framesIn + relay.droppedNotMaster,
  };
}

describe('netns: a hostile host floods the pair for 30 s', function () {
  this.timeout(120_000);
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('flood');
    await lab.net.addNamespace('ev');
    await lab.net.plug('ev', 'eth0', 'lan', 'br0', '02:77:00:00:00:66');
    await lab.net.sh('ev', `ip addr add ${SUBNET4}.66/24 dev eth0 && ip addr add ${SUBNET6}66/64 dev eth0 nodad`);
    await lab.startDaemon('h1');
    await lab.startDaemon('h2');
    const addresses = [`${VIP4}/24`, `${VIP6}/64`];
    await lab.configureCarp('h1', `vhid ${VHID} pass secret carpdev eth0 advskew 0`, addresses);
    await lab.configureCarp('h2', `vhid ${VHID} pass secret carpdev eth0 advskew 100`, addresses);
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
    // The master announces the VIPs again with its second periodic advertisement; that gratuitous
    // ARP and NA would be counted with the flood's.
    await lab.waitFor('the second announcement', async () => ((await lab.status('h1')).nodes[0]?.stats.opackets ?? 0) >= 3);
    // Every drop may be logged (LOG_DEBUG and up): only the rate limit keeps the log short.
    for (const host of ['h1', 'h2']) await lab.ctl(host, 'sysctl', 'net.inet.carp.log=7');
  });

  after(async () => {
    await lab?.cleanup();
  });

  const counters = async (host: string): Promise<DaemonCountersDto> =>
    (JSON.parse(await lab.ctl(host, '-j', 'stats')) as { counters: DaemonCountersDto }).counters;

  it('changes no state, counts every frame under its reason, keeps memory flat and the log short', async () => {
    const kinds = floodKinds(ATTACKER, parseTarget(VHID, VIP4, VIP6));
    const file = join(lab.dir, 'flood.json');
    await writeFile(file, JSON.stringify(kinds.map((k) => ({ kind: k.kind, hex: k.frame.toString('hex') }))));
    const hosts = ['h1', 'h2'] as const;
    const pids = hosts.map((h) => lab.daemonPid(h) as number);
    const before = await Promise.all(hosts.map(counters));
    const dropsBefore = await Promise.all(hosts.map((h) => socketDrops(lab, h, pids[hosts.indexOf(h)] as number)));
    const logBefore = hosts.map((h) => lab.logOf(h).split('\n').length);

    const sender = lab.net.spawn('ev', process.execPath, [SENDER, 'eth0', file, String(RATE), String(SECONDS)]);
    let report = '';
    sender.stdout?.on('data', (chunk: Buffer) => (report += chunk.toString()));
    const done = exited(sender);
    const rss: number[][] = [[], []];
    const start = Date.now();
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      assert.equal(await lab.state('h1'), 'MASTER', `h1 left MASTER ${Date.now() - start} ms into the flood`);
      assert.equal(await lab.state('h2'), 'BACKUP', `h2 left BACKUP ${Date.now() - start} ms into the flood`);
      if (Date.now() - start >= WARM_UP_MS) for (const [i, pid] of pids.entries()) rss[i]?.push(await residentBytes(pid));
      await sleep(500);
    }
    assert.equal(sender.exitCode, 0, `the sender failed: ${report}`);
    const { sent, seconds } = JSON.parse(report) as { sent: Record<string, number>; seconds: number };
    await sleep(1000);

    const expected = new Map<Tally, number>();
    for (const k of kinds) expected.set(k.tally, (expected.get(k.tally) ?? 0) + (sent[k.kind] ?? 0));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    console.log(`      sent ${total} frames in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s): ${JSON.stringify(sent)}`);
    for (const [i, host] of hosts.entries()) {
      const after = await counters(host);
      const counted = tallies(after);
      const base = tallies(before[i] as DaemonCountersDto);
      const dropped = (await socketDrops(lab, host, pids[i] as number)) - (dropsBefore[i] as number);
      let missing = 0;
      for (const [tally, n] of expected) {
        const got = counted[tally] - base[tally];
        assert.ok(got <= n, `${host}: ${got} counted as ${tally}, only ${n} sent`);
        missing += n - got;
      }
      assert.equal(missing, dropped, `${host}: ${missing} frames not counted, the kernel dropped ${dropped} from carpd's socket`);
      const node = after.interfaces[0]?.nodes[0]?.stats;
      const node0 = (before[i] as DaemonCountersDto).interfaces[0]?.nodes[0]?.stats;
      assert.deepEqual([node?.toMaster, node?.toBackup, node?.toInit], [node0?.toMaster, node0?.toBackup, node0?.toInit], `${host} made a transition`);
      const samples = rss[i] as number[];
      const growth = Math.max(...samples) - (samples[0] as number);
      const logLines = lab.logOf(host).split('\n').length - (logBefore[i] as number);
      console.log(
        `      ${host}: counted ${total - missing}, kernel dropped ${dropped}; VmRSS ${((samples[0] as number) / 2 ** 20).toFixed(1)} MiB ` +
          `after warm-up, +${(growth / 2 ** 20).toFixed(1)} MiB at most; ${logLines} log lines`,
      );
      assert.ok(growth < RSS_GROWTH_LIMIT, `${host}: VmRSS grew by ${growth} bytes`);
      assert.ok(logLines <= LOG_LINE_LIMIT, `${host}: ${logLines} log lines during the flood:\n${lab.logOf(host).split('\n').slice(-logLines).join('\n')}`);
    }
  });
});
