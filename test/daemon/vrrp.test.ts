import assert from 'node:assert/strict';
import { formatIp, formatMac } from '../../src/wire/address';
import { decodeEthernet } from '../../src/wire/ethernet';
import { parseCarpFrame } from '../../src/wire/frames';
import { decodeVrrp3, looksLikeVrrp3 } from '../../src/wire/vrrp';
import type { Client } from '../fakes/world';
import { DaemonLab } from './lab';
import { VIP, logged } from './scenarios';

/** vrrpinterval 10: 100 ms between advertisements. */
const INTERVAL_CS = 10;
/** A backup at priority 100: 3 * 100 ms + (156 * 10 / 256) cs. */
const MASTER_DOWN_100_MS = 300 + (156 * INTERVAL_CS * 10) / 256;
const SKEW_100_MS = (156 * INTERVAL_CS * 10) / 256;

interface SeenVrrp {
  readonly sourceMac: string;
  readonly source: string;
  readonly destination: string;
  readonly ttl: number;
  readonly vrid: number;
  readonly priority: number;
  readonly interval: number;
  readonly addresses: readonly string[];
}

/** The VRRPv3 advertisements the client saw since `since`, decoded (checksum checked) with the codec. */
function vrrpSeen(client: Client, since = 0): SeenVrrp[] {
  return client.endpoint.received.slice(since).flatMap((frame) => {
    let packet;
    try {
      packet = parseCarpFrame(frame);
    } catch {
      return [];
    }
    if (!looksLikeVrrp3(packet.payload, 0, packet.payload.length, packet)) return [];
    const ad = decodeVrrp3(packet.payload, 0, packet.payload.length, packet);
    return [
      {
        sourceMac: formatMac(decodeEthernet(frame).source),
        source: formatIp(packet.source),
        destination: formatIp(packet.destination),
        ttl: packet.ttl,
        vrid: ad.vrid,
        priority: ad.priority,
        interval: ad.intervalCentiseconds,
        addresses: ad.addresses.map(formatIp),
      },
    ];
  });
}

/** Two daemons with carp0 vhid 7 carpver 3 at the given priorities, vrrpinterval 10. */
async function vrrpLab(priorities: readonly [number, number]): Promise<DaemonLab> {
  const lab = await DaemonLab.create({ hosts: 2 });
  for (const n of [1, 2] as const) {
    await lab.start(n);
    const prio = String(priorities[n - 1]);
    await lab.ok(n, 'carp0', 'create', 'vhid', '7', 'carpver', '3', 'vrrpprio', prio, 'vrrpinterval', String(INTERVAL_CS), 'carpdev', 'eth0');
    lab.world.host(n).kernel.ipAddrAdd('carp0', `${VIP}/24`);
  }
  return lab;
}

describe('carpd in-process: carpver 3 (VRRPv3)', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  it('elects the higher vrrpprio, which sends RFC 5798 advertisements; status and JSON show the vrrp line', async () => {
    lab = await vrrpLab([200, 100]);
    const client = lab.world.addClient('client');
    // As tcpdump would: the client's port takes every frame, the multicast advertisements too.
    client.endpoint.promiscuous = true;
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 2000);
    await lab.advance(1000);
    assert.equal(lab.state(2), 'BACKUP');
    const seen = vrrpSeen(client);
    assert.ok(seen.length >= 9, `${seen.length} advertisements in a second at 100 ms`);
    assert.ok(seen.every((ad) => ad.source === '10.77.0.1'), 'only the master advertises');
    assert.deepEqual(seen[seen.length - 1], {
      sourceMac: '00:00:5e:00:01:07',
      source: '10.77.0.1',
      destination: '224.0.0.18',
      ttl: 255,
      vrid: 7,
      priority: 200,
      interval: INTERVAL_CS,
      addresses: [VIP],
    });
    assert.match(await lab.ok(1, 'carp0'), /\n\tvrrp: MASTER vrid 7 prio 200 interval 10 carpdev eth0\n/);
    assert.match(await lab.ok(2, 'carp0'), /\n\tvrrp: BACKUP vrid 7 prio 100 interval 10 carpdev eth0\n/);
    const json = await lab.show(2);
    assert.equal(json.carpver, 3);
    assert.deepEqual(json.vrrp, { priority: 100, interval: INTERVAL_CS });
    assert.deepEqual(json.nodes[0]?.vrrp, { priority: 100, masterInterval: INTERVAL_CS });
    assert.equal(json.mac, '00:00:5e:00:01:07');
    assert.match(await lab.ok(2, 'carp0', 'explain'), /BACKUP \(priority 100\): the master advertises every 10 cs; preempt is off/);
    assert.match(await lab.ok(1, 'carp0', 'explain'), /MASTER \(priority 200\): no higher priority, nor the same from a higher address/);
  });

  it('breaks a tie of priorities by the higher address (RFC 5798 6.4.3)', async () => {
    lab = await vrrpLab([100, 100]);
    await lab.until(() => lab.state(2) === 'MASTER' && lab.state(1) === 'BACKUP', 2000);
    await lab.advance(1000);
    assert.equal(lab.state(2), 'MASTER', 'host 2 (10.77.0.2) stays MASTER');
    assert.equal(lab.state(1), 'BACKUP');
  });

  it('fails over after a crash of the MASTER`s daemon within 3 * interval + skew', async () => {
    lab = await vrrpLab([200, 100]);
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 2000);
    await lab.advance(250);
    const since = lab.world.scheduler.clock.now();
    await lab.crash(1);
    await lab.until(() => lab.state(2) === 'MASTER', MASTER_DOWN_100_MS + 200);
    const took = lab.world.scheduler.clock.now() - since;
    assert.ok(took <= MASTER_DOWN_100_MS + 1, `took over after ${took} ms`);
  });

  it('hands over within the skew time when the MASTER goes down (priority 0 bow-out)', async () => {
    lab = await vrrpLab([200, 100]);
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 2000);
    await lab.advance(250);
    const since = lab.world.scheduler.clock.now();
    await lab.ok(1, 'carp0', 'down');
    await lab.until(() => lab.state(2) === 'MASTER', MASTER_DOWN_100_MS);
    const took = lab.world.scheduler.clock.now() - since;
    assert.ok(took <= SKEW_100_MS + 1, `took over ${took} ms after the bow-out (skew ${SKEW_100_MS} ms)`);
  });

  it('preempts a lower-priority master at once with net.inet.carp.preempt=1', async () => {
    lab = await vrrpLab([100, 50]);
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 2000);
    await lab.ok(2, 'sysctl', 'net.inet.carp.preempt=1');
    await lab.ok(2, 'carp0', 'vrrpprio', '150');
    await lab.until(() => lab.state(2) === 'MASTER' && lab.state(1) === 'BACKUP', 250);
    assert.equal((await lab.show(2)).nodes[0]?.lastTransition?.reason, 'preempt-priority');
  });

  it('reads the same words from carpN.conf, applies a new vrrpprio on reload and refuses a new carpver there', async () => {
    const file = (words: string): string => `vhid 7 carpver ${words} carpdev eth0\ninet ${VIP}/24\n`;
    lab = await DaemonLab.create({ hosts: 2 });
    await lab.start(1, { config: { 'carp0.conf': file('3 vrrpprio 200 vrrpinterval 10') } });
    await lab.start(2, { config: { 'carp0.conf': file('3 vrrpprio 100 vrrpinterval 10'), 'sysctl.conf': 'net.inet.carp.preempt=1\n' } });
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 3000);
    await lab.editConfig(2, { 'carp0.conf': file('3 vrrpprio 250 vrrpinterval 10') });
    assert.equal(await lab.hangup(2), true, logged(lab, 2).join('\n'));
    await lab.until(() => lab.state(2) === 'MASTER' && lab.state(1) === 'BACKUP', 500);
    await lab.editConfig(2, { 'carp0.conf': file('2') });
    await lab.hangup(2);
    await lab.advance(100);
    assert.deepEqual((await lab.show(2)).vrrp, { priority: 250, interval: INTERVAL_CS }, 'the refused file changed nothing');
    assert.ok(logged(lab, 2).some((msg) => /recreate the vhid to change carpver/.test(msg)), logged(lab, 2).join('\n'));
  });

  it('refuses the CARP words and a change of carpver with a reason, changing nothing', async () => {
    lab = await vrrpLab([200, 100]);
    await lab.until(() => lab.state(1) === 'MASTER', 2000);
    const before = await lab.show(1);
    const refusals: [string[], RegExp][] = [
      [['advskew', '10'], /advskew is refused with carpver 3: VRRPv3 elects by vrrpprio/],
      [['advbase', '2'], /advbase is refused with carpver 3/],
      [['pass', 'secret'], /pass is refused with carpver 3: VRRPv3 has no authentication/],
      [['vhid', '7', 'carpver', '2'], /recreate the vhid to change carpver/],
      [['carpnodes', '7:0,8:0', 'balancing', 'arp'], /carpnodes is refused with carpver 3/],
    ];
    for (const [words, message] of refusals) {
      const run = await lab.carpctl(1, 'carp0', ...words);
      assert.equal(run.status, 1, words.join(' '));
      assert.match(run.stderr, message);
    }
    const refusedV2 = await lab.carpctl(1, 'carp1', 'create', 'vhid', '8', 'vrrpprio', '50', 'carpdev', 'eth0');
    assert.equal(refusedV2.status, 1);
    assert.match(refusedV2.stderr, /vrrpprio is refused with carpver 2/);
    const after = await lab.show(1);
    assert.deepEqual({ ...after, nodes: null, carpdevStats: null, dataPlane: null }, { ...before, nodes: null, carpdevStats: null, dataPlane: null });
    await lab.ok(1, 'carp0', 'vrrpprio', '150');
    assert.deepEqual((await lab.show(1)).vrrp, { priority: 150, interval: INTERVAL_CS });
  });
});
