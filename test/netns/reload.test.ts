/**
 * The real carpd and the real kernel: `kill -HUP` reloads /etc/carp without disturbing what did not
 * change (checked on the bridge), and a carpdev created after carpd started gets its carpN.conf.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DatagramListener, socatUnavailableReason } from '../helpers/datagram-listener';
import { netnsUnavailableReason } from '../helpers/netns';
import { AD_PRINT_ARGS, type CapturedAd, parseAds } from './carp-ads';
import { Capture } from './capture';
import { CarpLab, VIP4 } from './carp-lab';

const VIP4B = '10.77.0.51';

function carp0(advskew: number): string {
  return `vhid 7 pass secret carpdev eth0 advskew ${advskew}\ninet ${VIP4}/24\n`;
}

function carp1(advskew: number): string {
  return `vhid 8 pass secret carpdev eth0 advskew ${advskew}\ninet ${VIP4B}/24\n`;
}

/** The gaps between consecutive advertisements, in ms. */
function gaps(ads: readonly CapturedAd[]): number[] {
  return ads.slice(1).map((ad, i) => Math.round(ad.at - (ads[i] as CapturedAd).at));
}

/** `kill -HUP` of carpd on `host`, as ExecReload= does it. */
async function hangup(lab: CarpLab, host: string): Promise<void> {
  const pid = lab.daemonPid(host);
  if (pid === undefined) throw new Error(`carpd does not run on ${host}`);
  await promisify(execFile)('/bin/kill', ['-HUP', String(pid)]);
}

describe('netns: kill -HUP reloads /etc/carp', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('rld');
    await lab.startDaemon('h1', { config: { 'carp0.conf': carp0(0), 'carp1.conf': carp1(0) } });
    await lab.startDaemon('h2', { config: { 'carp0.conf': carp0(100), 'carp1.conf': carp1(100) } });
    for (const ifname of ['carp0', 'carp1']) {
      await lab.waitState('h1', 'MASTER', 10_000, ifname);
      await lab.waitState('h2', 'BACKUP', 10_000, ifname);
    }
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('keeps the untouched master advertising every second across the reload, and applies the changed advskew', async () => {
    const before = (await lab.status('h1', 'carp0')).nodes[0];
    // What the bridge receives on h1's port is what h1 sent.
    const capture = new Capture(lab, 'lan', ['-i', 'p-h1', '-Q', 'in', ...AD_PRINT_ARGS, 'ip proto 112']);
    await capture.started();
    await new Promise((done) => setTimeout(done, 3000));
    const reloadAt = Date.now();
    await writeFile(join(lab.dir, 'h1-config', 'carp1.conf'), carp1(50), { mode: 0o600 });
    await hangup(lab, 'h1');
    await lab.waitFor('carpd on h1 to reload', () => Promise.resolve(/"msg":"reloaded /.test(lab.logOf('h1'))), 5000);
    await new Promise((done) => setTimeout(done, 4000));
    const ads = parseAds(await capture.stop());
    const untouched = ads.filter((ad) => ad.vhid === 7);
    assert.ok(untouched.length >= 6, `${untouched.length} advertisements of vhid 7`);
    // advbase 1, advskew 0: one every 1000 ms; a gap would be a missed round (2000 ms).
    for (const gap of gaps(untouched)) assert.ok(gap > 800 && gap < 1200, `vhid 7 gaps: ${gaps(untouched).join(' ')} ms`);
    const after = (await lab.status('h1', 'carp0')).nodes[0];
    assert.equal(after?.state, 'MASTER');
    assert.equal(after?.stats.toMaster, before?.stats.toMaster, 'vhid 7 made no transition');
    const changed = ads.filter((ad) => ad.vhid === 8 && ad.at > reloadAt + 500);
    assert.ok(changed.length >= 3 && changed.every((ad) => ad.advskew === 50), `vhid 8 after the reload: ${changed.map((a) => a.advskew).join(' ')}`);
    assert.equal(await lab.state('h1', 'carp1'), 'MASTER');
    assert.equal(await lab.state('h2', 'carp1'), 'BACKUP');
  });
});

describe('netns: kill -HUP as systemd sees it (NOTIFY_SOCKET)', function () {
  let lab: CarpLab;
  let systemd: DatagramListener | undefined;

  before(async function () {
    if (netnsUnavailableReason() || socatUnavailableReason()) return this.skip();
    lab = await CarpLab.create('rldn', ['h1']);
  });

  after(async () => {
    await systemd?.close();
    await lab?.cleanup();
  });

  it('sends RELOADING=1 with MONOTONIC_USEC from the host monotonic clock, then READY=1', async () => {
    systemd = await DatagramListener.bind(join(lab.dir, 'h1-notify.sock'));
    const listener = systemd;
    await lab.startDaemon('h1', { config: { 'carp0.conf': carp0(0) }, env: { ...process.env, NOTIFY_SOCKET: listener.address } });
    await lab.waitFor('READY=1', () => Promise.resolve(listener.lines.includes('READY=1')));
    const sentBefore = listener.lines.length;
    const killedAt = process.hrtime.bigint() / 1000n;
    await hangup(lab, 'h1');
    await lab.waitFor('READY=1 after the reload', () => Promise.resolve(listener.lines.slice(sentBefore).includes('READY=1')), 5000);
    const lines = listener.lines.slice(sentBefore);
    const reloading = lines.indexOf('RELOADING=1');
    assert.ok(reloading >= 0 && lines.indexOf('READY=1') > reloading, lines.join('\n'));
    const usec = BigInt(lines[reloading + 1]?.replace(/^MONOTONIC_USEC=/, '') ?? '0');
    // CLOCK_MONOTONIC is the host's, shared by every namespace: carpd read it just after the kill.
    assert.ok(usec >= killedAt && usec - killedAt < 2_000_000n, `MONOTONIC_USEC ${usec}, kill at ${killedAt}`);
  });
});

describe('netns: a carpdev created after carpd started', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('lcd', ['h1']);
    await lab.startDaemon('h1', { config: { 'carp1.conf': 'vhid 9 pass secret carpdev eth1\ninet 10.88.0.50/24\n' } });
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('waits for it, then applies carp1.conf and runs', async () => {
    assert.equal((await lab.status('h1', 'carp1')).waitingForCarpdev, 'eth1');
    assert.match(await lab.ctl('h1', 'carp1'), /carp: INIT carpdev eth1 \(waiting: no such interface yet\)/);
    // eth1: a second veth from h1 to the bridge, with an address of its own subnet.
    const lan = lab.net.ns('lan');
    await lab.net.exec('h1', 'ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'q-h1', 'netns', lan]);
    await lab.net.sh('lan', 'ip link set q-h1 master br0 && ip link set q-h1 up');
    await lab.net.sh('h1', 'ip addr add 10.88.0.1/24 dev eth1 && ip link set eth1 up');
    await lab.waitState('h1', 'MASTER', 10_000, 'carp1');
    const status = await lab.status('h1', 'carp1');
    assert.equal(status.carpdev, 'eth1');
    assert.equal(status.waitingForCarpdev, undefined);
    assert.match(lab.logOf('h1'), /carp1: carpdev eth1 appeared: applying .*carp1\.conf/);
  });
});
