/**
 * The in-kernel data path (net.inet.carp.fastpath, on by default; src/kernel/fast-path.ts) on a
 * real kernel: the MASTER's carpdev redirects unicast IP to the virtual MAC into carp0, the BACKUP
 * has no redirect, a failover moves it, the sysctl takes it away, neither change loses a frame, a
 * carpd killed with -9 leaves a redirect that takes nothing, and the restarted carpd removes it.
 */
import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

const H2 = 'vhid 1 pass secret carpdev eth0 advskew 100';
/** filterPreference(00:00:5e:00:01:01, IPv4) in src/kernel/fast-path-commands.ts. */
const REDIRECT_PREF = 50514;

describe('netns: the in-kernel data path follows the MASTER', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('fastpath');
    // No sysctl.conf: the path is carpd's default.
    await lab.startPair('vhid 1 pass secret carpdev eth0');
  });

  after(async () => {
    await lab?.cleanup();
  });

  interface RedirectStats {
    readonly packets?: number;
    /** Packets mirred could not deliver, such as to a device without carrier. */
    readonly overlimits?: number;
  }

  /** The counters of our IPv4 redirect on `host`'s eth0, or null when it is not installed. */
  async function redirectStats(host: string): Promise<RedirectStats | null> {
    const { stdout } = await lab.net.exec(host, 'tc', ['-s', '-json', 'filter', 'show', 'dev', 'eth0', 'ingress']);
    const filters = JSON.parse(stdout || '[]') as { pref: number; options?: { actions?: { to_dev?: string; stats?: RedirectStats }[] } }[];
    const action = filters.filter((f) => f.pref === REDIRECT_PREF).flatMap((f) => f.options?.actions ?? [])[0];
    if (action === undefined) return null;
    assert.equal(action.to_dev, 'carp0');
    return action.stats ?? {};
  }

  /** Packets our IPv4 redirect on `host`'s eth0 took so far, or null when it is not installed. */
  async function redirected(host: string): Promise<number | null> {
    const stats = await redirectStats(host);
    return stats === null ? null : (stats.packets ?? 0);
  }

  async function nftRules(host: string): Promise<string> {
    return (await lab.net.exec(host, 'nft', ['list', 'ruleset'])).stdout;
  }

  /** Pings the VIP from the client; rejects on loss, and on a duplicate (the relay and the kernel both delivering). */
  async function pingVip(count = 5): Promise<void> {
    const { stdout } = await lab.net.exec('cl', 'ping', ['-n', '-c', String(count), '-i', '0.05', '-W', '1', VIP4]);
    assert.match(stdout, new RegExp(`${count} packets transmitted, ${count} received`), stdout);
    assert.doesNotMatch(stdout, /DUP!/, stdout);
  }

  /** The relay's count of frames it wrote into carp0 (`carpctl carp0 stats`). */
  async function relayedIn(host: string): Promise<number> {
    const stats = await lab.ctl(host, 'carp0', 'stats');
    const match = /(\d+) frames relayed into the interface/.exec(stats);
    assert.ok(match, stats);
    return Number(match[1]);
  }

  const installed = (host: string) => async (): Promise<boolean> => (await redirected(host)) !== null;
  const removed = (host: string) => async (): Promise<boolean> => (await redirected(host)) === null;

  it('the MASTER redirects in the kernel and answers without duplicates; the BACKUP has no redirect', async () => {
    await lab.waitFor('h1 installs the redirect', installed('h1'));
    const before = (await redirected('h1')) as number;
    const relayedBefore = await relayedIn('h1');
    await pingVip();
    assert.ok(((await redirected('h1')) as number) >= before + 5, 'the echo requests took the redirect');
    // At most an ARP exchange crosses the relay: it leaves the echo requests to the kernel.
    assert.ok((await relayedIn('h1')) - relayedBefore < 5, 'the relay did not carry the echo requests too');
    assert.equal(await redirected('h2'), null);
    assert.match(await nftRules('h1'), /ether daddr 00:00:5e:00:01:01 meta pkttype set host/);
    assert.doesNotMatch(await nftRules('h2'), /pkttype/);
  });

  it('failover: the new MASTER gets the redirect, the old one loses it', async () => {
    await lab.ctl('h1', 'carp0', 'down');
    await lab.waitState('h2', 'MASTER');
    await lab.waitFor('h2 installs the redirect', installed('h2'));
    await lab.waitFor('h1 removes its redirect', removed('h1'));
    assert.doesNotMatch(await nftRules('h1'), /pkttype/);
    const before = (await redirected('h2')) as number;
    await pingVip();
    assert.ok(((await redirected('h2')) as number) >= before + 5);
    await lab.ctl('h1', 'carp0', 'up');
    await lab.waitState('h1', 'BACKUP');
    assert.equal(await redirected('h1'), null);
  });

  it('net.inet.carp.fastpath=0 takes it away and the relay carries the traffic; =1 brings it back', async () => {
    await lab.ctl('h2', 'sysctl', 'net.inet.carp.fastpath=0');
    await lab.waitFor('h2 removes its redirect', removed('h2'));
    await pingVip();
    await lab.ctl('h2', 'sysctl', 'net.inet.carp.fastpath=1');
    await lab.waitFor('h2 installs the redirect again', installed('h2'));
    await pingVip();
  });

  it('the path goes and comes under traffic without a lost frame: it changes filters, never a qdisc', async () => {
    // A qdisc added to or deleted from carp0 or eth0 while they carry traffic can drop a frame
    // they are sending (docs/design.md): so carpd gives carp0 its clsact qdisc when it finds it,
    // and the path only adds and removes filters. tc monitor shows any qdisc change, the pings any loss.
    const monitor = lab.net.spawn('h2', 'tc', ['monitor']);
    const ping = lab.net.spawn('cl', 'ping', ['-n', '-i', '0.002', '-W', '1', VIP4]);
    let events = '';
    let replies = '';
    monitor.stdout?.on('data', (chunk: Buffer) => (events += chunk.toString()));
    ping.stdout?.on('data', (chunk: Buffer) => (replies += chunk.toString()));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await lab.ctl('h2', 'sysctl', 'net.inet.carp.fastpath=0');
      await lab.waitFor('h2 removes its redirect', removed('h2'));
      await lab.ctl('h2', 'sysctl', 'net.inet.carp.fastpath=1');
      await lab.waitFor('h2 installs the redirect again', installed('h2'));
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      ping.kill('SIGINT');
      monitor.kill();
    }
    await new Promise((resolve) => ping.once('close', resolve));
    assert.match(events, /^deleted filter dev eth0 ingress/m, 'the monitor saw the path go');
    assert.match(events, /^added filter dev eth0 ingress/m, 'the monitor saw the path come');
    assert.doesNotMatch(events, /^(deleted )?qdisc /m, events);
    const answered = new Set([...replies.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1])));
    const last = Math.max(...answered);
    const lost = Array.from({ length: last }, (_, i) => i + 1).filter((seq) => !answered.has(seq));
    assert.ok(last > 500, `${last} echo requests answered`);
    assert.deepEqual(lost, [], 'echo requests left unanswered before the last one answered');
  });

  it('after kill -9 the redirect stays but delivers nothing; the restarted carpd removes it before anything else', async () => {
    // h1 steps aside, so that an answer could only come from the host whose carpd died.
    await lab.ctl('h1', 'carp0', 'down');
    await lab.stopDaemon('h2', 'SIGKILL');
    const left = await redirectStats('h2');
    assert.notEqual(left, null, 'nothing removed it: a dead carpd cannot');
    // The TAP lost its carrier with carpd's descriptor, and mirred refuses a device without one.
    const { stdout: link } = await lab.net.exec('h2', 'ip', ['-br', 'link', 'show', 'carp0']);
    assert.match(link, /NO-CARRIER/, link);
    const { stdout: pings } = await lab.net.exec('cl', 'sh', ['-c', `ping -n -c 5 -i 0.1 -W 1 ${VIP4}; true`]);
    assert.match(pings, /5 packets transmitted, 0 received/, pings);
    const refused = ((await redirectStats('h2'))?.overlimits ?? 0) - (left?.overlimits ?? 0);
    assert.ok(refused > 0, 'the echo requests reached the redirect, which refused them');
    await lab.ctl('h1', 'carp0', 'up');
    await lab.waitState('h1', 'MASTER', 10_000);
    await lab.waitFor('h1 installs the redirect', installed('h1'));
    // Without its state journal h2 starts as BACKUP, as a host that was down longer would.
    await lab.net.sh('h2', `rm -f ${lab.dir}/h2-run/state.json`);
    await lab.startDaemon('h2', { config: { 'carp0.conf': `${H2}\ninet ${VIP4}/24\n` } });
    await lab.waitState('h2', 'BACKUP');
    await lab.waitFor('the restarted carpd removes the redirect', removed('h2'));
    assert.doesNotMatch(await nftRules('h2'), /pkttype/);
    const { stdout } = await lab.net.exec('h2', 'tc', ['filter', 'show', 'dev', 'carp0', 'egress']);
    assert.equal(stdout, '', 'carp0 sends nothing past the relay');
    await pingVip();
  });
});
