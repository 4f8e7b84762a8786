import assert from 'node:assert/strict';
import { formatPrefix } from '../../src/wire/address';
import { DaemonLab } from './lab';
import { PASS, VIP } from './scenarios';

const BOOT_CONFIG = {
  'carp0.conf': `# the firewall pair\nvhid 7 pass ${PASS} carpdev eth0 advskew 0\ninet ${VIP}/24\n`,
  'sysctl.conf': 'net.inet.carp.preempt=1\n',
};

/** The kernel's addresses on a link, as `ip addr` shows them. */
const addressesOf = (lab: DaemonLab, n: number, ifname = 'carp0'): string[] => {
  const { kernel } = lab.world.host(n);
  const index = kernel.link(ifname)?.index;
  return kernel.dump().addresses.filter((a) => a.index === index).map((a) => formatPrefix(a.prefix));
};

const messages = (lab: DaemonLab, n: number): string[] => lab.log(n).map((r) => r.msg);

describe('carpd in-process: boot configuration, restart, devices that come and go', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 2 });
  });

  afterEach(async () => {
    await lab.close();
  });

  it('applies the configuration directory at start: sysctl.conf first, then carp0.conf with its inet line', async () => {
    await lab.start(1, { config: BOOT_CONFIG });
    await lab.advance(10);
    assert.equal((await lab.ok(1, 'sysctl', 'net.inet.carp.preempt')).trim(), 'net.inet.carp.preempt=1');
    assert.deepEqual(addressesOf(lab, 1), [`${VIP}/24`]);
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    assert.ok(messages(lab, 1).some((m) => /carp0: configured from .*carp0\.conf/.test(m)));
  });

  it('skips a refused file with its reason and applies the others', async () => {
    await lab.start(1, {
      config: { ...BOOT_CONFIG, 'carp1.conf': `vhid 7 pass ${PASS} carpdev eth0\n` },
    });
    assert.equal(lab.world.host(1).kernel.link('carp1'), undefined, 'no device is left from the refused file');
    assert.ok(lab.world.host(1).kernel.link('carp0'));
    assert.ok(messages(lab, 1).some((m) => /carp1\.conf: refused: vhid 7 is in use on carp0 \(carpdev eth0\)/.test(m)));
    assert.equal((await lab.carpctl(1, 'carp1')).status, 1);
  });

  it('restarted, re-attaches to its persistent carp0 with the address, adds nothing twice, and takes over again', async () => {
    await lab.start(1, { config: BOOT_CONFIG });
    await lab.start(2, { config: { 'sysctl.conf': 'net.inet.carp.preempt=1\n' } });
    await lab.ok(2, 'carp0', 'create', 'vhid', '7', 'pass', PASS, 'carpdev', 'eth0', 'advskew', '100');
    lab.world.host(2).kernel.ipAddrAdd('carp0', `${VIP}/24`);
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
    const index = lab.world.host(1).kernel.link('carp0')?.index;
    await lab.stop(1);
    await lab.until(() => lab.state(2) === 'MASTER', 1000);
    const carp0 = lab.world.host(1).kernel.link('carp0');
    assert.equal(carp0?.index, index, 'SIGTERM keeps the device');
    assert.equal(carp0?.carrier, false);
    await lab.start(1, { config: BOOT_CONFIG });
    assert.equal(lab.world.host(1).kernel.link('carp0')?.index, index);
    assert.deepEqual(addressesOf(lab, 1), [`${VIP}/24`], 'the inet line was not added twice');
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
    assert.ok(messages(lab, 1).includes('carp0: re-attached to the device of an earlier run'));
  });

  it('keeps a carp interface of an earlier run unconfigured when no file names it', async () => {
    await lab.start(1, { config: BOOT_CONFIG });
    await lab.stop(1);
    await lab.start(1);
    const dto = await lab.show(1);
    assert.equal(dto.nodes.length, 0);
    assert.equal(dto.carpdev, 'eth0', 'chosen by subnet: its address is in eth0`s; without a vhid it stays INIT');
    assert.equal(dto.running, false);
    assert.deepEqual(addressesOf(lab, 1), [`${VIP}/24`]);
  });

  it('destroy removes the device and the routing it had', async () => {
    await lab.start(1, { config: BOOT_CONFIG });
    await lab.advance(10);
    await lab.ok(1, 'carp0', 'destroy');
    await lab.advance(10);
    assert.equal(lab.world.host(1).kernel.link('carp0'), undefined);
    assert.equal(lab.kernelWork(1).at(-1), 'routing carp0 0');
    assert.equal((await lab.carpctl(1, 'carp0')).status, 1);
  });

  it('forgets a carp interface deleted behind its back (ip link del) and keeps serving', async () => {
    await lab.start(1, { config: BOOT_CONFIG });
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    lab.world.host(1).kernel.deleteLink('carp0');
    await lab.advance(100);
    assert.deepEqual(lab.daemon(1).service.names(), []);
    assert.ok(messages(lab, 1).includes('carp0: the device was deleted outside carpd; forgetting it'));
    await lab.ok(1, 'carp0', 'create', 'vhid', '7', 'pass', PASS, 'carpdev', 'eth0');
    assert.deepEqual(lab.daemon(1).service.names(), ['carp0']);
  });

  it('follows addresses and up/down changed with ip: a new address starts the protocol, down bows out', async () => {
    await lab.start(1);
    await lab.start(2);
    for (const n of [1, 2]) await lab.ok(n, 'carp0', 'create', 'vhid', '3', 'pass', PASS, 'carpdev', 'eth0', 'advskew', String(n * 10));
    await lab.advance(5000);
    assert.equal(lab.state(1), 'INIT', 'no address, no protocol');
    for (const n of [1, 2]) lab.world.host(n).kernel.ipAddrAdd('carp0', `${VIP}/24`);
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
    lab.world.host(1).kernel.setLinkState('carp0', { adminUp: false });
    await lab.until(() => lab.state(2) === 'MASTER', 100);
    assert.equal(lab.state(1), 'INIT');
    lab.world.host(1).kernel.setLinkState('carp0', { adminUp: true });
    await lab.advance(10);
    assert.equal(lab.state(1), 'BACKUP');
  });

  it('takes a carpdev that disappears out of service, and back when it returns', async () => {
    await lab.start(1, { config: BOOT_CONFIG });
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    const kernel = lab.world.host(1).kernel;
    const nic = lab.world.host(1).nic;
    kernel.deleteLink('eth0');
    await lab.advance(100);
    assert.equal(lab.state(1), 'INIT');
    kernel.addEthernet('eth0', nic);
    await lab.advance(100);
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    assert.ok((await lab.show(1)).linkUp);
  });
});
