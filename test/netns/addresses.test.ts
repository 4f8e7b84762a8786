import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, SUBNET4, VIP4 } from './carp-lab';

const SECOND_VIP = `${SUBNET4}.51`;

describe('netns: address changes and hosts that do not authenticate', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('addr', ['h1', 'h2', 'h3']);
    await lab.startPair('vhid 5 pass secret carpdev eth0');
    await lab.startDaemon('h3');
  });

  after(async () => {
    await lab?.cleanup();
  });

  const transitions = async (host: string): Promise<number> => {
    const stats = (await lab.status(host)).nodes[0]?.stats;
    return (stats?.toMaster ?? 0) + (stats?.toBackup ?? 0) + (stats?.toInit ?? 0);
  };

  it('`ip addr add` of a second VIP on both hosts keeps the group stable (the HMAC follows)', async () => {
    const before = [await transitions('h1'), await transitions('h2')];
    for (const host of ['h1', 'h2']) await lab.net.exec(host, 'ip', ['addr', 'add', `${SECOND_VIP}/24`, 'dev', 'carp0']);
    const accepted = async (): Promise<number> => (await lab.status('h2')).nodes[0]?.stats.accepted ?? 0;
    const acceptedBefore = await accepted();
    await lab.waitFor('h2 to accept advertisements over the new address set', async () => (await accepted()) >= acceptedBefore + 2);
    await lab.holds('no state change', async () => (await transitions('h1')) === before[0] && (await transitions('h2')) === before[1], 3500);
    assert.equal(await lab.state('h1'), 'MASTER');
    assert.match((await lab.net.exec('cl', 'ping', ['-c', '2', '-W', '1', SECOND_VIP])).stdout, /2 received/);
    assert.deepEqual(
      (await lab.status('h1')).addresses.map((a) => `${a.address}/${a.prefixLength}`),
      [`${VIP4}/24`, `${SECOND_VIP}/24`],
    );
  });

  it('a host with another passphrase is ignored and counted as bad auth (it becomes MASTER alone: split brain)', async () => {
    await lab.configureCarp('h3', 'vhid 5 pass wrong carpdev eth0 advskew 50', [`${VIP4}/24`, `${SECOND_VIP}/24`]);
    await lab.waitState('h3', 'MASTER', 8000);
    await lab.waitFor('h1 and h2 to count bad auth', async () =>
      ((await lab.status('h1')).nodes[0]?.stats.badauth ?? 0) > 0 && ((await lab.status('h2')).nodes[0]?.stats.badauth ?? 0) > 0,
    );
    assert.equal(await lab.state('h1'), 'MASTER');
    assert.equal(await lab.state('h2'), 'BACKUP');
    await lab.ctl('h3', 'carp0', 'destroy');
  });

  it('a host with another address set is ignored likewise', async () => {
    await lab.configureCarp('h3', 'vhid 5 pass secret carpdev eth0 advskew 50', [`${VIP4}/24`]);
    const h2Before = (await lab.status('h2')).nodes[0]?.stats.badauth ?? 0;
    await lab.waitState('h3', 'MASTER', 8000);
    await lab.waitFor('h2 to count bad auth', async () => ((await lab.status('h2')).nodes[0]?.stats.badauth ?? 0) > h2Before);
    assert.equal(await lab.state('h1'), 'MASTER');
    assert.equal(await lab.state('h2'), 'BACKUP');
    assert.ok(((await lab.status('h3')).nodes[0]?.stats.badauth ?? 0) > 0, 'h3 drops the others too');
    await lab.ctl('h3', 'carp0', 'destroy');
  });
});
