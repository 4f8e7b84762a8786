import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

/**
 * The announcement's example, `ifconfig carp0 vhid 1 192.168.1.10` on every host, as
 * `carpctl carp0 vhid 1 10.77.0.50` on this LAN and nothing else: no create, no carpdev, no
 * ip addr. carpd creates carp0, adds the address and takes eth0, the interface in its subnet.
 */
describe('netns: the announcement`s short form on the real kernel', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('short');
    for (const host of ['h1', 'h2']) {
      await lab.startDaemon(host);
      assert.deepEqual(await lab.carpctl(host, 'carp0', 'vhid', '1', VIP4), { code: 0, stdout: '', stderr: '' });
    }
    await lab.waitFor('one MASTER and one BACKUP', async () => {
      const states = [await lab.state('h1'), await lab.state('h2')].sort();
      return states.join(' ') === 'BACKUP MASTER';
    });
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('creates carp0 with the address, as ip addr add would, and chooses eth0 by subnet', async () => {
    for (const host of ['h1', 'h2']) {
      const addresses = JSON.parse((await lab.net.exec(host, 'ip', ['-j', 'addr', 'show', 'dev', 'carp0'])).stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
      assert.deepEqual(addresses[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`), [`${VIP4}/32`], host);
      const status = await lab.status(host);
      assert.equal(status.carpdev, 'eth0', host);
      assert.ok(lab.logOf(host).includes(`carp0: carpdev eth0 chosen: it has 10.77.0.${host === 'h1' ? 1 : 2}/24, whose subnet holds ${VIP4}/32`), lab.logOf(host));
    }
  });

  it('answers ping on the address, from the MASTER with the virtual MAC', async () => {
    const { stdout } = await lab.net.exec('cl', 'ping', ['-c', '3', '-i', '0.2', '-W', '1', VIP4]);
    assert.match(stdout, /3 received/);
    const neigh = JSON.parse((await lab.net.exec('cl', 'ip', ['-j', 'neigh', 'show', VIP4])).stdout) as { lladdr?: string }[];
    assert.equal(neigh[0]?.lladdr, '00:00:5e:00:01:01');
  });

  it('moves the address to the other host when the MASTER goes down', async () => {
    const master = (await lab.state('h1')) === 'MASTER' ? 'h1' : 'h2';
    const backup = master === 'h1' ? 'h2' : 'h1';
    await lab.ctl(master, 'carp0', 'down');
    await lab.waitState(backup, 'MASTER', 2000);
    await lab.net.exec('cl', 'ip', ['neigh', 'flush', 'dev', 'eth0']);
    const { stdout } = await lab.net.exec('cl', 'ping', ['-c', '2', '-i', '0.2', '-W', '1', VIP4]);
    assert.match(stdout, /2 received/);
  });
});
