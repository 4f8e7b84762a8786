import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { CarpLab, SUBNET4, SUBNET6, VIP6 } from './carp-lab';

const DUAL4 = `${SUBNET4}.60`;
const DUAL6 = `${SUBNET6}60`;

describe('netns: IPv6 VIPs (neighbour discovery instead of ARP)', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('six');
    await lab.startDaemon('h1');
    await lab.startDaemon('h2');
    for (const [host, skew] of [['h1', 0], ['h2', 100]] as const) {
      await lab.configureCarp(host, `vhid 11 pass secret carpdev eth0 advskew ${skew}`, [`${VIP6}/64`]);
      await lab.ctl(host, 'carp1', 'create', 'vhid', '12', 'pass', 'secret', 'carpdev', 'eth0', 'advskew', String(skew));
      await lab.net.exec(host, 'ip', ['addr', 'add', `${DUAL4}/24`, 'dev', 'carp1']);
      await lab.net.exec(host, 'ip', ['addr', 'add', `${DUAL6}/64`, 'dev', 'carp1']);
    }
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h1', 'MASTER', 10_000, 'carp1');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('an IPv6-only VIP answers ping, and the client`s neighbour entry is the virtual MAC', async () => {
    const { stdout } = await lab.net.exec('cl', 'ping', ['-6', '-c', '3', '-i', '0.2', '-W', '1', VIP6]);
    assert.match(stdout, /3 received/);
    const neigh = JSON.parse((await lab.net.exec('cl', 'ip', ['-j', '-6', 'neigh', 'show', VIP6])).stdout) as { lladdr?: string }[];
    assert.equal(neigh[0]?.lladdr, '00:00:5e:00:01:0b');
  });

  it('carpN has no automatic link-local address (it would be the same on every node)', async () => {
    const { stdout } = await lab.net.exec('h1', 'ip', ['-6', '-j', 'addr', 'show', 'dev', 'carp0']);
    const addresses = (JSON.parse(stdout) as { addr_info: { local: string }[] }[])[0]?.addr_info.map((a) => a.local);
    assert.deepEqual(addresses, [VIP6]);
  });

  it('a bow-out moves an IPv6 VIP with a client gap under 0.2 s', async () => {
    const probe = lab.startPing(VIP6, 10);
    try {
      await lab.waitFor('replies', () => Promise.resolve(probe.repliesAfter(0) >= 5));
      const start = Date.now();
      await lab.ctl('h1', 'carp0', 'down');
      await lab.waitState('h2', 'MASTER', 1000);
      await lab.waitFor('replies after the takeover', () => Promise.resolve(probe.repliesAfter(start) >= 20), 3000);
      const gap = probe.longestGapAfter(start) ?? Infinity;
      assert.ok(gap < 200, `client gap ${gap} ms`);
    } finally {
      await probe.stop();
    }
    await lab.ctl('h1', 'carp0', 'up');
  });

  it('a vhid with both families answers on both and advertises over both, with one HMAC', async () => {
    assert.match((await lab.net.exec('cl', 'ping', ['-4', '-c', '2', '-W', '1', DUAL4])).stdout, /2 received/);
    assert.match((await lab.net.exec('cl', 'ping', ['-6', '-c', '2', '-W', '1', DUAL6])).stdout, /2 received/);
    // Two intervals of h1's advertisements on both vhids: carp0 (IPv6 only) and carp1 (both).
    const capture = new Capture(lab, 'lan', ['-i', 'p-h1', '-Q', 'in', '-T', 'carp', '-c', '6', 'ip proto 112 or ip6 proto 112']);
    await capture.started();
    const text = await capture.finished(5000);
    const v4 = text.split('\n').filter((l) => l.includes('> 224.0.0.18: CARPv2-advertise 36: vhid=12'));
    const v6 = text.split('\n').filter((l) => l.includes('> ff02::12: CARPv2-advertise 36: vhid=12'));
    assert.ok(v4.length >= 1 && v6.length >= 1, text);
    const status = await lab.status('h2', 'carp1');
    assert.equal(status.nodes[0]?.state, 'BACKUP');
    assert.ok((status.nodes[0]?.stats.ipackets ?? 0) > 0 && (status.nodes[0]?.stats.ipackets6 ?? 0) > 0);
    assert.equal(status.nodes[0]?.stats.badauth, 0);
  });
});
