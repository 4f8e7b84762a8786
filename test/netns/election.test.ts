import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { CLIENT4, CarpLab, VIP4 } from './carp-lab';

/** A TCP echo server in `host`'s namespace and a client in `cl`'s, both plain node. */
const SERVER = `require('net').createServer((s) => s.pipe(s)).listen(7777, () => console.log('listening'))`;
const CLIENT = `const s = require('net').connect(7777, process.argv[1], () => s.end('through the VIP'));
  s.on('data', (d) => process.stdout.write(d)); s.setTimeout(3000, () => process.exit(2));`;

describe('netns: election and the data path (two carpd hosts, a client)', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('elect');
    await lab.startPair('vhid 7 pass secret carpdev eth0');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('elects exactly one MASTER: the host with the lower advskew', async () => {
    assert.equal(await lab.state('h1'), 'MASTER');
    assert.equal(await lab.state('h2'), 'BACKUP');
    const text = await lab.ctl('h1', 'carp0');
    assert.match(text, /^\tcarp: MASTER carpdev eth0 vhid 7 advbase 1 advskew 0$/m);
    assert.doesNotMatch(text, /secret/);
  });

  it('the client reaches the VIP, and its ARP entry is the virtual MAC 00:00:5e:00:01:07', async () => {
    const { stdout } = await lab.net.exec('cl', 'ping', ['-c', '3', '-i', '0.2', '-W', '1', VIP4]);
    assert.match(stdout, /3 received/);
    const neigh = JSON.parse((await lab.net.exec('cl', 'ip', ['-j', 'neigh', 'show', VIP4])).stdout) as { lladdr?: string }[];
    assert.equal(neigh[0]?.lladdr, '00:00:5e:00:01:07');
  });

  it('a TCP connection to the VIP works and is served by the MASTER', async () => {
    const server = lab.net.spawn('h1', process.execPath, ['-e', SERVER]);
    try {
      await new Promise<void>((ready) => server.stdout?.once('data', () => ready()));
      const { stdout } = await lab.net.exec('cl', process.execPath, ['-e', CLIENT, VIP4]);
      assert.equal(stdout, 'through the VIP');
    } finally {
      server.kill();
    }
  });

  it('only the MASTER answers ARP for the VIP, always with the virtual MAC (checked on the wire)', async () => {
    // Frames the bridge receives on a host's port are the frames that host sent.
    const fromBackup = new Capture(lab, 'lan', ['-i', 'p-h2', '-Q', 'in', '-e', 'arp']);
    const fromMaster = new Capture(lab, 'lan', ['-i', 'p-h1', '-Q', 'in', '-e', 'arp']);
    await Promise.all([fromBackup.started(), fromMaster.started()]);
    for (let i = 0; i < 3; i++) {
      await lab.net.exec('cl', 'ip', ['neigh', 'flush', 'dev', 'eth0']);
      await lab.net.exec('cl', 'ping', ['-c', '1', '-W', '1', VIP4]);
    }
    const [backupSaw, masterSaw] = await Promise.all([fromBackup.stop(), fromMaster.stop()]);
    assert.doesNotMatch(backupSaw, new RegExp(`Reply ${VIP4.replace(/\./g, '\\.')} is-at`), backupSaw);
    const replies = masterSaw.split('\n').filter((l) => l.includes(`Reply ${VIP4} is-at`));
    assert.ok(replies.length >= 3, `the master answered ${replies.length} of 3 requests:\n${masterSaw}`);
    for (const reply of replies) assert.match(reply, /^\S+ 00:00:5e:00:01:07 > .* is-at 00:00:5e:00:01:07/);
    assert.ok(!masterSaw.includes(`${CLIENT4} is-at`), 'the master must not answer for the client');
  });
});
