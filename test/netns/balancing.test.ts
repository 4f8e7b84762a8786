import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { CarpLab, SUBNET4, VIP4 } from './carp-lab';

const PORT = 7000;
/** Client source addresses: one flow each (the IP fold of balancing ip hashes source and destination). */
const SOURCES = Array.from({ length: 8 }, (_, i) => `${SUBNET4}.${101 + i}`);
/** master-down of a node with advskew 100: 3 x 1 s + 100/256 s. */
const MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;

/** carpnodes on every host: host i preferred (advskew 0) for node i, 100 for the others. */
function carpnodes(hosts: readonly string[], host: string): string {
  return hosts.map((h, i) => `${i + 1}:${h === host ? 0 : 100}`).join(',');
}

/** Each host answers TCP connections to the VIP with its own name, then closes. */
function startResponders(lab: CarpLab, hosts: readonly string[]): ChildProcess[] {
  return hosts.map((host) =>
    lab.net.spawn(host, 'socat', [`TCP-LISTEN:${PORT},bind=${VIP4},reuseaddr,fork`, `SYSTEM:echo ${host}`]),
  );
}

/** Who answers a TCP connection from `source`: the one line the responder wrote. */
async function answerer(lab: CarpLab, source: string): Promise<string> {
  const { stdout } = await lab.net.exec('cl', 'socat', ['-u', '-T', '2', `TCP:${VIP4}:${PORT},bind=${source},connect-timeout=2`, 'STDOUT'], 10_000);
  return stdout.trim();
}

async function split(lab: CarpLab): Promise<string[]> {
  const answers: string[] = [];
  for (const source of SOURCES) answers.push(await answerer(lab, source));
  return answers;
}

async function balancedLab(tag: string, hosts: readonly string[], mode: string): Promise<CarpLab> {
  const lab = await CarpLab.create(tag, hosts);
  try {
    for (const source of SOURCES) await lab.net.exec('cl', 'ip', ['addr', 'add', `${source}/24`, 'dev', 'eth0']);
    for (const host of hosts) {
      await lab.startDaemon(host, { config: { 'sysctl.conf': 'net.inet.carp.preempt=1\n' } });
      await lab.configureCarp(host, `carpnodes ${carpnodes(hosts, host)} balancing ${mode} pass lbsecret carpdev eth0`);
    }
    startResponders(lab, hosts);
    for (const [i, host] of hosts.entries()) {
      await lab.waitFor(`${host} MASTER of node ${i + 1}`, async () => (await lab.status(host)).nodes[i]?.state === 'MASTER', 10_000);
    }
  } catch (e: unknown) {
    await lab.cleanup();
    throw e;
  }
  return lab;
}

describe('netns: load balancing through real carpN devices', function () {
  before(function () {
    const reason = netnsUnavailableReason();
    if (reason) this.skip();
  });

  describe('balancing ip, two hosts', () => {
    let lab: CarpLab;

    before(async () => {
      lab = await balancedLab('lbip', ['h1', 'h2'], 'ip');
    });

    after(async () => {
      await lab?.cleanup();
    });

    it('answers every flow from exactly one host, both hosts carrying a share', async () => {
      const synAcks = new Capture(lab, 'lan', ['-e', '-i', 'br0', `src host ${VIP4} and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)`]);
      await synAcks.started();
      const answers = await split(lab);
      await new Promise((done) => setTimeout(done, 500));
      const lines = (await synAcks.stop()).trim().split('\n');
      // One SYN-ACK per connection: no second host answered any of them.
      assert.equal(lines.length, SOURCES.length, lines.join('\n'));
      for (const source of SOURCES) assert.equal(lines.filter((l) => l.includes(`> ${source}.`)).length, 1, source);
      const share = ['h1', 'h2'].map((h) => answers.filter((a) => a === h).length);
      process.stdout.write(`      split over ${SOURCES.length} flows: h1 ${share[0]}, h2 ${share[1]}\n`);
      assert.ok(answers.every((a) => a === 'h1' || a === 'h2'), `answers: ${answers.join(' ')}`);
      assert.ok(share.every((n) => n > 0), `answers: ${answers.join(' ')}`);
      assert.deepEqual(await split(lab), answers, 'a flow always reaches the same host');
    });

    it('answers each ping once: the parents` own stacks ignore unicast IP in the multicast frames', async () => {
      const replies = new Capture(lab, 'lan', ['-i', 'br0', `src host ${VIP4} and icmp[icmptype] == icmp-echoreply`]);
      await replies.started();
      for (const source of SOURCES) await lab.net.exec('cl', 'ping', ['-c', '1', '-W', '2', '-I', source, VIP4]);
      await new Promise((done) => setTimeout(done, 500));
      const lines = (await replies.stop()).trim().split('\n');
      for (const source of SOURCES) assert.equal(lines.filter((l) => l.includes(`> ${source}:`)).length, 1, `${source}:\n${lines.join('\n')}`);
    });

    it('resolves the VIP to the multicast MAC on the client', async () => {
      const { stdout } = await lab.net.exec('cl', 'ip', ['neigh', 'show', VIP4]);
      assert.match(stdout, /lladdr 01:00:5e:00:01:01/);
    });

    it('gives a failed host`s flows to the survivor within the master-down bound, and back on return', async () => {
      const before = await split(lab);
      await lab.net.sh('lan', 'ip link set p-h1 down');
      const cut = Date.now();
      await lab.waitFor('h2 MASTER of node 1', async () => (await lab.status('h2')).nodes[0]?.state === 'MASTER', MASTER_DOWN_MS + 2000);
      const took = Date.now() - cut;
      assert.ok(took < MASTER_DOWN_MS + 1000, `took over after ${took} ms`);
      assert.deepEqual(await split(lab), SOURCES.map(() => 'h2'));
      await lab.net.sh('lan', 'ip link set p-h1 up');
      await lab.waitFor('h1 MASTER of node 1 again', async () => (await lab.status('h1')).nodes[0]?.state === 'MASTER', 10_000);
      await lab.waitFor('h2 BACKUP of node 1 again', async () => (await lab.status('h2')).nodes[0]?.state === 'BACKUP', 5_000);
      assert.deepEqual(await split(lab), before, 'the returning host takes its share back');
    });
  });

  it('balancing ip, three hosts: every flow answered by one host, every host a share', async () => {
    const lab = await balancedLab('lb3', ['h1', 'h2', 'h3'], 'ip');
    try {
      const answers = await split(lab);
      for (const host of ['h1', 'h2', 'h3']) assert.ok(answers.includes(host), `answers: ${answers.join(' ')}`);
    } finally {
      await lab.cleanup();
    }
  });

  it('balancing ip-stealth: a capture shows no frame with a virtual MAC as its source', async () => {
    const lab = await balancedLab('lbst', ['h1', 'h2'], 'ip-stealth');
    try {
      const capture = new Capture(lab, 'lan', ['-e', '-i', 'br0', 'ether src 00:00:5e:00:01:01 or ether src 00:00:5e:00:01:02']);
      await capture.started();
      const answers = await split(lab);
      assert.ok(['h1', 'h2'].every((h) => answers.includes(h)), `answers: ${answers.join(' ')}`);
      await new Promise((done) => setTimeout(done, 1500));
      assert.equal((await capture.stop()).trim(), '');
    } finally {
      await lab.cleanup();
    }
  });

  it('balancing arp: different clients learn the address from different hosts', async () => {
    const lab = await balancedLab('lbarp', ['h1', 'h2'], 'arp');
    try {
      const learned = new Map<string, string>();
      for (let k = 1; k <= 6; k++) {
        const client = `c${k}`;
        await lab.net.addNamespace(client);
        await lab.net.plug(client, 'eth0', 'lan', 'br0', `02:77:00:00:01:${k.toString(16).padStart(2, '0')}`);
        await lab.net.exec(client, 'ip', ['addr', 'add', `${SUBNET4}.${120 + k}/24`, 'dev', 'eth0']);
        await lab.net.exec(client, 'ping', ['-c', '1', '-W', '2', VIP4]);
        const { stdout } = await lab.net.exec(client, 'ip', ['neigh', 'show', VIP4]);
        learned.set(client, /lladdr (\S+)/.exec(stdout)?.[1] ?? 'none');
      }
      const macs = new Set(learned.values());
      assert.deepEqual([...macs].sort(), ['00:00:5e:00:01:01', '00:00:5e:00:01:02'], `learned: ${[...learned].join(' ')}`);
    } finally {
      await lab.cleanup();
    }
  });
});
