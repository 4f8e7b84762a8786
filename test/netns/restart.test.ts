import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

interface IpLink {
  ifindex: number;
  flags: string[];
  address: string;
}

const BOOT_CONFIG = {
  'carp0.conf': '# the firewall pair\nvhid 7 pass secret carpdev eth0 advskew 0\ninet 10.77.0.50/24\n',
  'sysctl.conf': 'net.inet.carp.preempt=1\n',
};

describe('netns: daemon restart and boot configuration', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('rst');
    await lab.startDaemon('h1', { config: BOOT_CONFIG });
    await lab.startDaemon('h2', { config: { 'sysctl.conf': 'net.inet.carp.preempt=1\n' } });
    await lab.configureCarp('h2', 'vhid 7 pass secret carpdev eth0 advskew 100');
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
  });

  after(async () => {
    await lab?.cleanup();
  });

  const link = async (host: string): Promise<IpLink | undefined> => {
    const { stdout } = await lab.net.exec(host, 'ip', ['-j', 'link', 'show']);
    return (JSON.parse(stdout) as (IpLink & { ifname: string })[]).find((l) => l.ifname === 'carp0');
  };
  const addresses = async (host: string): Promise<string[]> => {
    const { stdout } = await lab.net.exec(host, 'ip', ['-j', '-4', 'addr', 'show', 'dev', 'carp0']);
    return (JSON.parse(stdout) as { addr_info: { local: string; prefixlen: number }[] }[])[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`) ?? [];
  };

  it('applies /etc/carp at start: carp0.conf (with its inet line) and sysctl.conf', async () => {
    assert.deepEqual(await addresses('h1'), [`${VIP4}/24`]);
    assert.equal((await lab.ctl('h1', 'sysctl', 'net.inet.carp.preempt')).trim(), 'net.inet.carp.preempt=1');
    assert.match(lab.logOf('h1'), /carp0: configured from .*carp0\.conf/);
  });

  it('SIGTERM: the master bows out, and carp0 stays with its address, carrier off', async () => {
    const before = await link('h1');
    assert.equal(await lab.stopDaemon('h1', 'SIGTERM'), 0);
    await lab.waitState('h2', 'MASTER', 1000);
    const after = await link('h1');
    assert.equal(after?.ifindex, before?.ifindex);
    assert.equal(after?.address, '00:00:5e:00:01:07');
    assert.ok(after?.flags.includes('UP') && !after.flags.includes('LOWER_UP'), `flags ${after?.flags.join(',')}`);
    assert.deepEqual(await addresses('h1'), [`${VIP4}/24`]);
  });

  it('started again, it re-attaches to the same carp0 and, preempting, is MASTER again', async () => {
    const before = await link('h1');
    await lab.startDaemon('h1', { config: BOOT_CONFIG });
    assert.equal((await link('h1'))?.ifindex, before?.ifindex);
    await lab.waitState('h1', 'MASTER', 6000);
    await lab.waitState('h2', 'BACKUP');
    assert.deepEqual(await addresses('h1'), [`${VIP4}/24`], 'the inet line was not added twice');
    assert.match(lab.logOf('h1'), /carp0: re-attached to the device of an earlier run/);
  });

  it('destroy removes the device and its policy routing', async () => {
    await lab.ctl('h1', 'carp0', 'destroy');
    assert.equal(await link('h1'), undefined);
    const { stdout } = await lab.net.exec('h1', 'ip', ['-4', 'rule', 'show']);
    assert.doesNotMatch(stdout, /lookup 4200/);
    assert.equal((await lab.carpctl('h1', 'carp0')).code, 1);
  });
});
