import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { CarpLab, SUBNET4, VIP4 } from './carp-lab';

const PASS = 'mekmitasdigoat';
const PORT = 7000;
const INTERFACES = ['carp0', 'carp1', 'carp2'];
/** Clients c1..c6 at 10.77.0.121..126, each in a namespace of its own: ARP is cached per host. */
const CLIENTS = Array.from({ length: 6 }, (_, i) => ({ name: `c${i + 1}`, address: `${SUBNET4}.${121 + i}`, mac: `02:77:00:00:01:0${i + 1}` }));
/** master-down of a vhid whose advskew is 100: 3 x 1 s + 100/256 s. */
const MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;

/** OBSD-3.5/MirBSD on a little-endian host: the address bytes as a little-endian word, mod count. */
function legacyIndex(address: string): number {
  return Buffer.from(address.split('.').map(Number)).readUInt32LE(0) % INTERFACES.length;
}

/** carpK has vhid K+1; h1 is preferred for vhids 1 and 3, h2 for vhid 2. */
const masterOf = (index: number): string => (index % 2 === 0 ? 'h1' : 'h2');

async function resolvedMac(lab: CarpLab, client: string): Promise<string> {
  const { stdout } = await lab.net.exec(client, 'ip', ['neigh', 'show', VIP4]);
  return /lladdr (\S+)/.exec(stdout)?.[1] ?? 'none';
}

/** Who answers a TCP connection from `client`: the one line the responder wrote. */
async function answerer(lab: CarpLab, client: string): Promise<string> {
  const { stdout } = await lab.net.exec(client, 'socat', ['-u', '-T', '2', `TCP:${VIP4}:${PORT},connect-timeout=2`, 'STDOUT'], 10_000);
  return stdout.trim();
}

/** When carpd logged a takeover (by default on a master-down timeout), after `since` (epoch ms). */
function takeoverTimes(log: string, since: number, byReason: (reason: string | undefined) => boolean = (reason) => reason === 'master-down'): number[] {
  return log
    .split('\n')
    .flatMap((line) => {
      const record = /^\{/.test(line) ? (JSON.parse(line) as { time?: string; to?: string; reason?: string }) : {};
      return record.to === 'MASTER' && byReason(record.reason) && record.time !== undefined ? [Date.parse(record.time)] : [];
    })
    .filter((at) => at >= since);
}

/**
 * Waits out the gratuitous ARP that a new MASTER repeats two advertisements after taking over
 * (docs/protocol.md §3): it points every client that hears it at that member, so a client that
 * resolved the address before it would not show the member its address selects.
 */
async function announcementsDone(lab: CarpLab): Promise<void> {
  const last = Math.max(...['h1', 'h2'].flatMap((host) => takeoverTimes(lab.logOf(host), 0, () => true)));
  const delayedRound = last + 2 * 1000 + 500;
  await new Promise((done) => setTimeout(done, Math.max(0, delayedRound - Date.now())));
}

describe('netns: net.inet.carp.arpbalance=1 through real carpN devices (three interfaces, two hosts)', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) this.skip();
    lab = await CarpLab.create('lgarp');
    try {
      for (const host of ['h1', 'h2']) {
        // preempt: whichever host is configured first takes every vhid; each must get its own back.
        await lab.startDaemon(host, { config: { 'sysctl.conf': 'net.inet.carp.preempt=1\n' } });
        for (const [k, ifname] of INTERFACES.entries()) {
          const skew = masterOf(k) === host ? [] : ['advskew', '100'];
          await lab.ctl(host, ifname, 'create');
          await lab.ctl(host, ifname, 'vhid', String(k + 1), ...skew, 'pass', PASS, 'carpdev', 'eth0');
          await lab.net.exec(host, 'ip', ['addr', 'add', `${VIP4}/24`, 'dev', ifname]);
        }
        await lab.ctl(host, 'sysctl', 'net.inet.carp.arpbalance=1');
        lab.net.spawn(host, 'socat', [`TCP-LISTEN:${PORT},bind=${VIP4},reuseaddr,fork`, `SYSTEM:echo ${host}`]);
      }
      for (const [k, ifname] of INTERFACES.entries()) await lab.waitState(masterOf(k), 'MASTER', 10_000, ifname);
      await announcementsDone(lab);
      for (const client of CLIENTS) {
        await lab.net.addNamespace(client.name);
        await lab.net.plug(client.name, 'eth0', 'lan', 'br0', client.mac);
        await lab.net.exec(client.name, 'ip', ['addr', 'add', `${client.address}/24`, 'dev', 'eth0']);
      }
    } catch (e: unknown) {
      await lab.cleanup();
      throw e;
    }
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('answers each client`s ARP once, with the MAC of the member its address selects, and the member`s MASTER serves it', async () => {
    const replies = new Capture(lab, 'lan', ['-e', '-i', 'br0', 'arp[6:2] == 2 and arp src host ' + VIP4]);
    await replies.started();
    const seen: string[] = [];
    for (const client of CLIENTS) {
      const index = legacyIndex(client.address);
      const { stdout } = await lab.net.exec(client.name, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', VIP4]);
      assert.doesNotMatch(stdout, /DUP!/, `${client.address}: a ping was answered twice\n${stdout}`);
      assert.equal(await resolvedMac(lab, client.name), `00:00:5e:00:01:0${index + 1}`, `${client.address} selects member ${index}`);
      assert.equal(await answerer(lab, client.name), masterOf(index), `${client.address}: TCP served by the MASTER of member ${index}`);
      seen.push(`${client.address}->carp${index}@${masterOf(index)}`);
    }
    await new Promise((done) => setTimeout(done, 500));
    const lines = (await replies.stop()).trim().split('\n');
    for (const client of CLIENTS) {
      assert.equal(lines.filter((line) => line.includes(`> ${client.mac}`)).length, 1, `${client.address}:\n${lines.join('\n')}`);
    }
    process.stdout.write(`      ${seen.join(' ')}\n`);
    assert.deepEqual(new Set(seen.map((s) => s.split('@')[1])), new Set(['h1', 'h2']), 'both hosts carry a share');
  });

  it('leaves every client to h2 once h1`s cable is pulled, within the master-down interval', async () => {
    const cut = Date.now();
    await lab.net.sh('lan', 'ip link set p-h1 down');
    for (const ifname of ['carp0', 'carp2']) await lab.waitState('h2', 'MASTER', MASTER_DOWN_MS + 5000, ifname);
    // carpd's own log says when it took over: polling with carpctl lags on a loaded machine.
    const took = takeoverTimes(lab.logOf('h2'), cut).map((at) => at - cut);
    assert.equal(took.length, 2, lab.logOf('h2'));
    process.stdout.write(`      h2 took carp0 and carp2 over ${took.join(' and ')} ms after the cut\n`);
    assert.ok(took.every((ms) => ms < MASTER_DOWN_MS + 1000), `took over after ${took.join(' and ')} ms`);
    for (const client of CLIENTS) {
      await lab.net.exec(client.name, 'ip', ['neigh', 'flush', 'dev', 'eth0']);
      assert.equal(await answerer(lab, client.name), 'h2', client.address);
      assert.equal(await resolvedMac(lab, client.name), `00:00:5e:00:01:0${legacyIndex(client.address) + 1}`, client.address);
    }
  });
});
