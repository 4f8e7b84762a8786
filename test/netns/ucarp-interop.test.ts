import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { AD_PRINT_ARGS, parseAds } from './carp-ads';
import { CarpLab, SUBNET4, VIP4, VIP6 } from './carp-lab';
import { UCARP, UCARP_COMPLAINTS, UCARP_RECEIVE_DELAY_MS, Ucarp, type UcarpSettings } from './ucarp';

const VHID = 12;
const PASS = 'secret';
const H1 = `${SUBNET4}.1`;
const H2 = `${SUBNET4}.2`;
const H2_MAC = '02:77:00:00:00:02';
/** Our advertisements and gratuitous ARP come from the virtual MAC; ucarp's ads from …:00:<vhid>. */
const VIRTUAL_MAC = `00:00:5e:00:01:${VHID.toString(16).padStart(2, '0')}`;
const UCARP_AD_MAC = `00:00:5e:00:00:${VHID.toString(16).padStart(2, '0')}`;
/** The skew of whichever side is meant to be BACKUP. */
const BACKUP_ADVSKEW = 100;
/**
 * Master-down with advbase 1: 3 * advbase + advskew/256 s, carpd's classic formula and ucarp's
 * with its default --deadratio 3 (docs/protocol.md §3.2).
 */
const MASTER_DOWN_MS = 3000 + (BACKUP_ADVSKEW * 1000) / 256;
/** A master that starts alone waits its master-down with advskew 0. */
const ALONE_MASTER_DOWN_MS = 3000;
/** Timer and scheduling latency of a real host on top of a protocol interval. */
const SLACK_MS = 300;
/**
 * How early a deadline may be met: timers are armed in whole milliseconds against libuv's
 * millisecond loop clock, while tcpdump stamps frames in microseconds.
 */
const EARLY_MS = 10;
/**
 * A bow-out is acted on at once, which for ucarp means as soon as libpcap hands it the frame:
 * well below its own master-down interval.
 */
const BOW_OUT_REACTION_MS = UCARP_RECEIVE_DELAY_MS + SLACK_MS;

describe('netns: interop with real ucarp (carpd on h1, ucarp on h2)', function () {
  let lab: CarpLab;
  let ucarp: Ucarp | undefined;

  before(async function () {
    const reason = netnsUnavailableReason() ?? (existsSync(UCARP) ? null : `needs ${UCARP} (Debian package ucarp)`);
    if (reason) return this.skip();
    lab = await CarpLab.create('interop');
    await lab.startDaemon('h1');
  });

  afterEach(async () => {
    await ucarp?.stop();
    ucarp = undefined;
    await lab?.carpctl('h1', 'carp0', 'destroy');
  });

  after(async () => {
    await lab?.cleanup();
  });

  const startUcarp = async (settings: Partial<UcarpSettings>): Promise<Ucarp> => {
    ucarp = await Ucarp.start(lab, 'h2', { vhid: VHID, pass: PASS, advskew: 0, srcip: H2, vip: VIP4, ...settings });
    return ucarp;
  };
  const node = async () => {
    const found = (await lab.status('h1')).nodes[0];
    assert.ok(found, 'carp0 has a virtual host');
    return found;
  };
  const clientNeighbour = async (): Promise<string | undefined> => {
    const { stdout } = await lab.net.exec('cl', 'ip', ['-j', 'neigh', 'show', VIP4]);
    return (JSON.parse(stdout) as { lladdr?: string }[])[0]?.lladdr;
  };
  /** Only a gratuitous ARP changes the client's entry this fast (it sends no ARP of its own). */
  const clientLearns = async (mac: string, from: string): Promise<void> => {
    await lab.waitFor(`the client's ARP entry of the VIP to name ${from}`, async () => (await clientNeighbour()) === mac, 1000);
  };
  const clientReachesVip = async (): Promise<void> => {
    await lab.waitFor('the client to reach the VIP', async () => {
      const { stdout } = await lab.net.exec('cl', 'ping', ['-c', '1', '-W', '1', VIP4]).catch(() => ({ stdout: '' }));
      return stdout.includes('1 received');
    }, 5000);
  };

  /** carpd MASTER with advskew 0, then ucarp started as its BACKUP. */
  const carpdMasterUcarpBackup = async (): Promise<Ucarp> => {
    await lab.configureCarp('h1', `vhid ${VHID} pass ${PASS} carpdev eth0 advskew 0`);
    await lab.waitState('h1', 'MASTER', ALONE_MASTER_DOWN_MS + SLACK_MS + 1000);
    return startUcarp({ advskew: BACKUP_ADVSKEW });
  };

  /** ucarp MASTER with advskew 0, then carpd configured as its BACKUP. */
  const ucarpMasterCarpdBackup = async (): Promise<Ucarp> => {
    const peer = await startUcarp({ advskew: 0 });
    await peer.waitState('MASTER', ALONE_MASTER_DOWN_MS + SLACK_MS + 1000);
    await lab.configureCarp('h1', `vhid ${VHID} pass ${PASS} carpdev eth0 advskew ${BACKUP_ADVSKEW}`);
    await lab.waitState('h1', 'BACKUP');
    return peer;
  };

  it('carpd MASTER, ucarp BACKUP: ucarp accepts our advertisements and never takes over', async () => {
    const peer = await carpdMasterUcarpBackup();
    // Were our HMAC, TTL or checksum wrong, ucarp would drop every ad and take over after its
    // master-down interval.
    await lab.holds(
      'ucarp BACKUP and carpd MASTER',
      async () => peer.running && peer.state === 'BACKUP' && (await lab.state('h1')) === 'MASTER',
      MASTER_DOWN_MS + 1500,
    );
    assert.deepEqual(peer.logged(UCARP_COMPLAINTS), [], peer.log);
  });

  it('ucarp MASTER, carpd BACKUP: carpd authenticates ucarp and names it as the master', async () => {
    const peer = await ucarpMasterCarpdBackup();
    const accepted = async (): Promise<number> => (await node()).stats.accepted;
    await lab.waitFor('carpd to accept 3 advertisements', async () => (await accepted()) >= 3, 5000);
    await lab.holds(
      'carpd BACKUP and ucarp MASTER',
      async () => (await lab.state('h1')) === 'BACKUP' && peer.state === 'MASTER',
      MASTER_DOWN_MS + 1000,
    );
    const { stats, master, lastTransition } = await node();
    assert.equal(stats.badauth, 0);
    assert.equal(stats.badttl, 0);
    assert.equal(stats.loop, 0);
    assert.equal(stats.toMaster, 0, 'carpd never took over');
    assert.equal(lastTransition?.reason, 'ready');
    assert.deepEqual({ ...master, secondsAgo: 0 }, { source: H2, advbase: 1, advskew: 0, demote: 0, secondsAgo: 0 });
    assert.deepEqual(peer.logged(UCARP_COMPLAINTS), [], peer.log);
  });

  it('`carp0 down` on the carpd MASTER: its bow-out makes the ucarp BACKUP take over at once', async () => {
    const peer = await carpdMasterUcarpBackup();
    await clientReachesVip();
    assert.equal(await clientNeighbour(), VIRTUAL_MAC, 'the client reached carpd');
    // The bow-out (advskew 255) and ucarp's first advertisement after it.
    const wire = new Capture(lab, 'lan', ['-i', 'br0', ...AD_PRINT_ARGS, '-c', '2', `ip proto 112 and (ip[22] = 255 or src host ${H2})`]);
    await wire.started();
    await lab.ctl('h1', 'carp0', 'down');
    await peer.waitState('MASTER', BOW_OUT_REACTION_MS);
    const [bowOut, takeover] = parseAds(await wire.finished(2000));
    assert.ok(bowOut && takeover, 'two advertisements captured');
    assert.deepEqual(
      { source: bowOut.source, sourceMac: bowOut.sourceMac, advbase: bowOut.advbase, advskew: bowOut.advskew },
      { source: H1, sourceMac: VIRTUAL_MAC, advbase: 255, advskew: 255 },
    );
    assert.deepEqual({ source: takeover.source, sourceMac: takeover.sourceMac }, { source: H2, sourceMac: UCARP_AD_MAC });
    assert.equal(takeover.counter, bowOut.counter + 1n, 'ucarp adopted the counter of our (authenticated) bow-out');
    const reaction = takeover.at - bowOut.at;
    assert.ok(reaction < BOW_OUT_REACTION_MS, `ucarp advertised ${reaction.toFixed(1)} ms after the bow-out (its master-down is ${MASTER_DOWN_MS} ms)`);
    assert.equal(peer.logged(/Putting MASTER DOWN \(going to time out\)/).length, 1, peer.log);
    assert.equal((await node()).stats.bowOutsSent, 1);
    await clientLearns(H2_MAC, 'ucarp on h2 (its gratuitous ARP carries the real MAC)');
    await clientReachesVip();
  });

  it('back up after the bow-out, carpd is BACKUP and accepts ucarp`s adopted counter (no loop)', async () => {
    const peer = await carpdMasterUcarpBackup();
    await lab.ctl('h1', 'carp0', 'down');
    await peer.waitState('MASTER', BOW_OUT_REACTION_MS);
    await lab.ctl('h1', 'carp0', 'up');
    await lab.waitState('h1', 'BACKUP');
    const before = (await node()).stats.accepted;
    await lab.waitFor('carpd to accept 2 advertisements', async () => (await node()).stats.accepted >= before + 2, 5000);
    const { stats } = await node();
    assert.equal(stats.loop, 0);
    assert.equal(stats.badauth, 0);
  });

  it('ucarp stopped while MASTER: carpd takes over after its master-down interval', async () => {
    const peer = await ucarpMasterCarpdBackup();
    await clientReachesVip();
    assert.equal(await clientNeighbour(), H2_MAC, 'the client reached ucarp');
    const ucarpAds = new Capture(lab, 'lan', ['-i', 'br0', ...AD_PRINT_ARGS, `ip proto 112 and src host ${H2}`]);
    const carpdAds = new Capture(lab, 'lan', ['-i', 'br0', ...AD_PRINT_ARGS, '-c', '1', `ip proto 112 and src host ${H1}`]);
    await Promise.all([ucarpAds.started(), carpdAds.started()]);
    // One more advertisement accepted means the capture holds one; the last it holds is then
    // ucarp's last, as a stopped ucarp sends nothing.
    const accepted = (await node()).stats.accepted;
    await lab.waitFor('one more advertisement', async () => (await node()).stats.accepted > accepted, 3000);
    await peer.stop();
    await lab.waitState('h1', 'MASTER', MASTER_DOWN_MS + SLACK_MS + 1000);
    const [first] = parseAds(await carpdAds.finished(2000));
    const last = parseAds(await ucarpAds.stop()).at(-1);
    assert.ok(first && last, 'ucarp`s last and carpd`s first advertisement captured');
    const silence = first.at - last.at;
    assert.ok(silence >= MASTER_DOWN_MS - EARLY_MS && silence <= MASTER_DOWN_MS + SLACK_MS, `carpd took over ${silence.toFixed(1)} ms after ucarp's last advertisement`);
    assert.equal((await node()).lastTransition?.reason, 'master-down');
    await clientLearns(VIRTUAL_MAC, 'carpd (our gratuitous ARP replaces ucarp`s real MAC)');
    await clientReachesVip();
  });

  it('another passphrase on ucarp: each drops the other`s advertisements and both are MASTER (split brain)', async () => {
    await lab.configureCarp('h1', `vhid ${VHID} pass ${PASS} carpdev eth0 advskew 0`);
    await lab.waitState('h1', 'MASTER', ALONE_MASTER_DOWN_MS + SLACK_MS + 1000);
    const peer = await startUcarp({ pass: 'wrong', advskew: BACKUP_ADVSKEW });
    await peer.waitState('MASTER', MASTER_DOWN_MS + SLACK_MS + 1000);
    await lab.waitFor('carpd to count bad auth', async () => (await node()).stats.badauth >= 2, 5000);
    await lab.holds('both MASTER', async () => peer.state === 'MASTER' && (await lab.state('h1')) === 'MASTER', 2500);
    assert.equal((await node()).stats.accepted, 0);
    assert.ok(peer.logged(/Bad digest .* Check vhid, password and virtual IP address/).length > 0, peer.log);
  });

  it('carpd with an IPv6 VIP as well: ucarp rejects its HMAC, which covers both families (docs/protocol.md §2.3)', async () => {
    await lab.configureCarp('h1', `vhid ${VHID} pass ${PASS} carpdev eth0 advskew 0`, [`${VIP4}/24`, `${VIP6}/64`]);
    await lab.waitState('h1', 'MASTER', ALONE_MASTER_DOWN_MS + SLACK_MS + 1000);
    const peer = await startUcarp({ advskew: BACKUP_ADVSKEW });
    await lab.waitFor('ucarp to log a bad digest', () => Promise.resolve(peer.logged(/Bad digest/).length > 0), 3000);
    // Its pcap filter (`src host not <srcip>`) keeps IPv4 only, so our IPv6 ads draw no complaint.
    assert.deepEqual(peer.logged(UCARP_COMPLAINTS).filter((line) => !/Bad digest/.test(line.text)), [], peer.log);
  });
});
