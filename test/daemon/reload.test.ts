/**
 * carpd in-process: a reload (SIGHUP, through DaemonEnvironment.onReloadRequest) applies only what
 * the files of its configuration directory changed, with no advertisement gap and no state change
 * for what they did not; a directory with a bad file changes nothing.
 */
import assert from 'node:assert/strict';
import { ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { IPPROTO_CARP, decodeCarp } from '../../src/wire/carp';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { DaemonLab } from './lab';
import { PASS, VIP, ipAddr, logged } from './scenarios';

const VIP1 = '10.77.0.51';

function carp0(advskew: number): string {
  return `vhid 1 pass ${PASS} carpdev eth0 advskew ${advskew}\ninet ${VIP}/24\n`;
}

function carp1(advskew: number, address = VIP1): string {
  return `vhid 2 pass ${PASS} carpdev eth0 advskew ${advskew}\ninet ${address}/24\n`;
}

interface SeenAd {
  readonly at: number;
  readonly advskew: number;
}

/** The IPv4 advertisements of `vhid` that host n put on the segment, with their time. */
function advertisements(lab: DaemonLab, n: number, vhid: number): SeenAd[] {
  return lab.world.segment.log.flatMap((entry) => {
    if (!entry.port.startsWith(`host${n}/`)) return [];
    const ethernet = decodeEthernet(entry.frame);
    if (ethernet.etherType !== ETHERTYPE_IPV4) return [];
    const ip = decodeIpv4(entry.frame, ethernet.payloadOffset);
    if (ip.protocol !== IPPROTO_CARP) return [];
    const ad = decodeCarp(entry.frame, ip.payloadOffset);
    return ad.vhid === vhid ? [{ at: entry.at, advskew: ad.advskew }] : [];
  });
}

/** The longest time between two of them. */
function longestGap(ads: readonly SeenAd[]): number {
  return Math.max(...ads.slice(1).map((ad, i) => ad.at - (ads[i] as SeenAd).at));
}

describe('carpd in-process: reload of the configuration directory (SIGHUP)', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 2 });
    await lab.start(1, { config: { 'carp0.conf': carp0(0), 'carp1.conf': carp1(0) } });
    await lab.start(2, { config: { 'carp0.conf': carp0(100), 'carp1.conf': carp1(100) } });
    await lab.until(() => ['carp0', 'carp1'].every((i) => lab.state(1, i) === 'MASTER' && lab.state(2, i) === 'BACKUP'), 10_000);
    await lab.advance(3000);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('leaves an untouched virtual host alone (no state change, no gap in its 1 s rhythm) and applies a changed advskew', async () => {
    const before = (await lab.show(1, 'carp0')).nodes[0];
    const reloadAt = lab.world.scheduler.clock.now();
    const logBefore = lab.log(1).length;
    await lab.editConfig(1, { 'carp1.conf': carp1(50) });
    assert.equal(await lab.hangup(1), true);
    await lab.advance(5000);
    const untouched = advertisements(lab, 1, 1).filter((ad) => ad.at >= reloadAt - 2000);
    assert.ok(untouched.length >= 6, `${untouched.length} advertisements of vhid 1 around the reload`);
    assert.ok(longestGap(untouched) <= 1000, `vhid 1 kept its rhythm: longest gap ${longestGap(untouched)} ms`);
    const after = (await lab.show(1, 'carp0')).nodes[0];
    assert.equal(after?.stats.toMaster, before?.stats.toMaster, 'no transition of vhid 1');
    assert.equal(after?.stats.toBackup, before?.stats.toBackup);
    assert.ok((after?.lastTransition?.secondsAgo ?? 0) >= 8, 'its last transition is the one before the reload');
    assert.equal(lab.state(1, 'carp0'), 'MASTER');
    assert.equal(lab.state(2, 'carp0'), 'BACKUP');
    const changed = advertisements(lab, 1, 2).filter((ad) => ad.at > reloadAt);
    assert.ok(changed.length >= 4 && changed.every((ad) => ad.advskew === 50), 'vhid 2 advertises advskew 50 from the reload on');
    assert.ok(longestGap(changed) <= 1000 + 50 * (1000 / 256) + 1, 'and keeps advertising');
    assert.equal(lab.state(1, 'carp1'), 'MASTER', 'advskew 50 still beats the backup (100): no failover');
    assert.ok(logged(lab, 1).some((m) => m.startsWith('reloaded ')));
    const reloadLog = logged(lab, 1).slice(logBefore);
    assert.deepEqual(reloadLog.filter((m) => m.startsWith('carp0')), [], 'nothing done to carp0');
    assert.ok(reloadLog.some((m) => /^carp1: reconfigured from .*carp1\.conf$/.test(m)), reloadLog.join('\n'));
  });

  it('says RELOADING=1 with MONOTONIC_USEC, then READY=1, to the service manager', async () => {
    const before = lab.notifications(1).messages.length;
    await lab.editConfig(1, { 'carp1.conf': carp1(20) });
    await lab.hangup(1);
    const sent = lab.notifications(1).messages.slice(before).map((m) => m.fields);
    const reloading = sent.findIndex((f) => f.RELOADING === '1');
    const ready = sent.findIndex((f) => f.READY === '1');
    assert.ok(reloading >= 0 && ready > reloading, JSON.stringify(sent));
    assert.equal(sent[reloading]?.MONOTONIC_USEC, String(Math.round(lab.notifications(1).messages[before + reloading]?.at ?? 0) * 1000));
  });

  it('refuses a directory with a bad file as a whole, naming file and line, and leaves everything in force', async () => {
    const before = lab.log(1).length;
    await lab.editConfig(1, { 'carp0.conf': carp0(30), 'carp1.conf': `vhid 2 pass ${PASS} carpdev eth0\nadvskew 300\n` });
    assert.equal(await lab.hangup(1), false);
    await lab.advance(3000);
    const errors = lab.log(1).slice(before).filter((r) => r.level === 50).map((r) => r.msg);
    assert.ok(errors.some((m) => /carp1\.conf:2: advskew 300 is out of range: valid values are 0-254/.test(m)), errors.join('\n'));
    assert.ok(errors.some((m) => /reload of .* refused: .*carp1\.conf cannot be used; nothing was changed/.test(m)), errors.join('\n'));
    assert.equal((await lab.show(1, 'carp0')).nodes[0]?.advskew, 0, 'carp0.conf was good, but nothing of the reload applies');
    assert.equal((await lab.show(1, 'carp1')).nodes[0]?.advskew, 0);
    const status = lab.notifications(1).withField('READY').at(-1)?.fields.STATUS ?? '';
    assert.match(status, /^reload refused, the previous configuration stays/);
    // Fixed, the next reload applies both.
    await lab.editConfig(1, { 'carp1.conf': carp1(40) });
    assert.equal(await lab.hangup(1), true);
    assert.equal((await lab.show(1, 'carp0')).nodes[0]?.advskew, 30);
    assert.equal((await lab.show(1, 'carp1')).nodes[0]?.advskew, 40);
  });

  it('leaves an interface as it was when the daemon refuses its edited file, and applies the others', async () => {
    // vhid 1 is carp0's on eth0: the core refuses it for carp1 (vhids are unique per carpdev).
    await lab.editConfig(1, { 'carp0.conf': carp0(10), 'carp1.conf': `vhid 1 pass ${PASS} carpdev eth0\ninet ${VIP1}/24\n` });
    assert.equal(await lab.hangup(1), true);
    const refused = lab.log(1).find((r) => r.level === 50 && typeof r.file === 'string' && r.file.endsWith('carp1.conf'));
    assert.match(refused?.msg ?? '', /carp1\.conf: refused, carp1 keeps its configuration: /);
    assert.equal((await lab.show(1, 'carp1')).nodes[0]?.vhid, 2);
    assert.equal(lab.state(1, 'carp1'), 'MASTER');
    assert.equal((await lab.show(1, 'carp0')).nodes[0]?.advskew, 10);
  });

  it('creates the interface of a new file, destroys that of a removed one, and moves an edited address', async () => {
    await lab.editConfig(1, {
      'carp1.conf': null,
      'carp2.conf': `vhid 3 pass ${PASS} carpdev eth0\ninet 10.77.0.52/24\n`,
      'carp0.conf': `vhid 1 pass ${PASS} carpdev eth0\ninet 10.77.0.53/24\n`,
    });
    assert.equal(await lab.hangup(1), true);
    await lab.until(() => lab.state(1, 'carp2') === 'MASTER', 10_000);
    assert.equal(lab.world.host(1).kernel.link('carp1'), undefined, 'carp1.conf is gone, and so is carp1');
    assert.ok(logged(lab, 1).some((m) => /^carp1: destroyed, .*carp1\.conf is gone$/.test(m)));
    assert.deepEqual(ipAddr(lab, 1, 'carp0').filter((a) => a.startsWith('10.')), ['10.77.0.53/24']);
    assert.equal(lab.state(1, 'carp0'), 'MASTER');
  });

  it('takes a virtual host away when its vhid is taken out of the file (the MASTER bows out)', async () => {
    await lab.editConfig(1, { 'carp1.conf': `pass ${PASS} carpdev eth0\ninet ${VIP1}/24\n` });
    assert.equal(await lab.hangup(1), true);
    assert.deepEqual((await lab.show(1, 'carp1')).nodes, []);
    await lab.until(() => lab.state(2, 'carp1') === 'MASTER', 1000);
    assert.equal(lab.state(1, 'carp0'), 'MASTER');
  });

  it('reloads on carpctl reload too, which prints why a directory is refused and exits 1', async () => {
    await lab.editConfig(1, { 'carp0.conf': carp0(15) });
    assert.deepEqual(await lab.carpctl(1, 'reload'), { status: 0, stdout: '', stderr: '' });
    assert.equal((await lab.show(1, 'carp0')).nodes[0]?.advskew, 15);
    await lab.editConfig(1, { 'carp0.conf': carp0(25), 'carp1.conf': `vhid 2 advskew 300\n` });
    const refused = await lab.carpctl(1, 'reload');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^carpctl: reload refused, nothing was changed: .*carp1\.conf:1: advskew 300 is out of range: valid values are 0-254\n$/);
    assert.equal((await lab.show(1, 'carp0')).nodes[0]?.advskew, 15);
  });

  it('keeps what carpctl changed on words an edit did not touch', async () => {
    await lab.ok(1, 'carp0', 'advbase', '2');
    await lab.editConfig(1, { 'carp0.conf': carp0(5) });
    assert.equal(await lab.hangup(1), true);
    const carp0Status = await lab.show(1, 'carp0');
    assert.equal(carp0Status.advbase, 2);
    assert.equal(carp0Status.nodes[0]?.advskew, 5);
  });

  it('applies sysctl.conf: a changed value, and the default of a name taken out', async () => {
    await lab.editConfig(1, { 'sysctl.conf': 'net.inet.carp.preempt=1\nnet.inet.carp.demotion=5\n' });
    assert.equal(await lab.hangup(1), true);
    assert.match(await lab.ok(1, 'sysctl', 'net.inet.carp.preempt', 'net.inet.carp.demotion'), /preempt=1\n.*demotion=5\n/);
    await lab.editConfig(1, { 'sysctl.conf': 'net.inet.carp.demotion=2\n' });
    assert.equal(await lab.hangup(1), true);
    assert.match(await lab.ok(1, 'sysctl', 'net.inet.carp.preempt', 'net.inet.carp.demotion'), /preempt=0\n.*demotion=2\n/);
  });
});

describe('carpd in-process: a reload before carpd is ready', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  it('is applied, but says neither RELOADING=1 nor READY=1 while systemd waits for the first READY=1', async () => {
    lab = await DaemonLab.create({ hosts: 1 });
    // Cable out: carp0 stays INIT, so carpd waits (up to --ready-timeout) before READY=1.
    lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
    await lab.start(1, { config: { 'carp0.conf': carp0(0) } });
    await lab.advance(1000);
    await lab.editConfig(1, { 'carp0.conf': carp0(20) });
    assert.equal(await lab.hangup(1), true);
    assert.equal((await lab.show(1, 'carp0')).nodes[0]?.advskew, 20);
    assert.deepEqual(lab.notifications(1).withField('RELOADING'), []);
    assert.deepEqual(lab.notifications(1).withField('READY'), []);
  });
});
