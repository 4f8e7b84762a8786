/**
 * carpd in-process: a carpN.conf whose carpdev does not exist at boot waits for it (carpN exists
 * unconfigured, status says what it waits for) and is applied when the kernel reports the link.
 */
import assert from 'node:assert/strict';
import { formatInterface } from '../../src/cli/format-interface';
import { DaemonLab } from './lab';
import { PASS, logged } from './scenarios';

const CARP1 = `vhid 9 pass ${PASS} carpdev eth1 advskew 0\ninet 10.88.0.50/24\n`;
const CARP0 = `vhid 1 pass ${PASS} carpdev eth0\ninet 10.77.0.50/24\n`;

describe('carpd in-process: a carpdev missing at boot', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 1 });
    await lab.start(1, { config: { 'carp0.conf': CARP0, 'carp1.conf': CARP1 } });
    await lab.advance(5000);
  });

  afterEach(async () => {
    await lab.close();
  });

  /** eth1 appears on host 1, on a segment of its own (a NIC plugged in, a VLAN created later). */
  function plugEth1(): void {
    const port = lab.world.segment.attachNic('host1/eth1', Buffer.from([0x02, 0, 0, 9, 0, 1]));
    lab.world.host(1).kernel.addEthernet('eth1', port);
  }

  it('keeps carpN waiting, unconfigured and undemoting, and says so in the log and the status', async () => {
    assert.ok(logged(lab, 1).some((m) => /carp1\.conf: carpdev eth1: no such interface yet; carp1 stays unconfigured until it appears$/.test(m)));
    const status = await lab.show(1, 'carp1');
    assert.equal(status.waitingForCarpdev, 'eth1');
    assert.deepEqual(status.nodes, []);
    assert.match(formatInterface(status), /\tcarp: INIT carpdev eth1 \(waiting: no such interface yet\) advbase 1 advskew 0\n/);
    assert.equal(lab.state(1, 'carp0'), 'MASTER');
    assert.equal((await lab.show(1, 'carp0')).demote, 0, 'the waiting file demotes nothing');
    assert.equal((await lab.show(1, 'carp0')).waitingForCarpdev, undefined);
  });

  it('applies the file when the carpdev appears: carpN runs, with its address', async () => {
    plugEth1();
    await lab.until(() => lab.state(1, 'carp1') === 'MASTER', 10_000);
    const status = await lab.show(1, 'carp1');
    assert.equal(status.carpdev, 'eth1');
    assert.equal(status.waitingForCarpdev, undefined);
    assert.deepEqual(status.addresses.map((a) => `${a.address}/${a.prefixLength}`).filter((a) => a.startsWith('10.')), ['10.88.0.50/24']);
    const messages = logged(lab, 1);
    const appeared = messages.findIndex((m) => /^carp1: carpdev eth1 appeared: applying .*carp1\.conf$/.test(m));
    const configured = messages.findIndex((m) => /^carp1: configured from .*carp1\.conf$/.test(m));
    assert.ok(appeared >= 0 && configured > appeared, messages.join('\n'));
  });

  it('forgets the waiting file when a reload no longer has it, and destroys its carpN', async () => {
    await lab.editConfig(1, { 'carp1.conf': null });
    assert.equal(await lab.hangup(1), true);
    assert.equal(lab.world.host(1).kernel.link('carp1'), undefined);
    plugEth1();
    await lab.advance(3000);
    assert.equal(lab.world.host(1).kernel.link('carp1'), undefined, 'nothing applied when eth1 comes');
  });
});
