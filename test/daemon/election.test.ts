import assert from 'node:assert/strict';
import { parseIp } from '../../src/wire/address';
import { answerLikeAHost } from '../fakes/carp-stack';
import type { DaemonLab } from './lab';
import { pairLab, pingVip, VIP } from './scenarios';

/** master-down of the backup: 3 x advbase + advskew/256 s (classic formula). */
const BACKUP_MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;

describe('carpd in-process: election and failover on a simulated LAN', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(false);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('elects the host with the smaller advskew, which alone carries the virtual MAC and the address', async () => {
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    await lab.advance(2000);
    assert.equal(lab.state(1), 'MASTER');
    assert.equal(lab.state(2), 'BACKUP');
    const master = await lab.show(1);
    assert.equal(master.mac, '00:00:5e:00:01:01');
    assert.equal(master.linkUp, true);
    assert.equal((await lab.show(2)).linkUp, false);
    assert.equal(lab.world.host(1).kernel.link('carp0')?.carrier, true);
    assert.equal(lab.world.host(2).kernel.link('carp0')?.carrier, false);
  });

  it('passes traffic for the address only through the MASTER, and counts what the BACKUP drops', async () => {
    for (const n of [1, 2]) answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    const client = lab.world.addClient('client');
    assert.equal(await pingVip(lab, client), '00:00:5e:00:01:01');
    const backup = (await lab.show(2)).dataPlane;
    const master = (await lab.show(1)).dataPlane;
    assert.ok(master && master.framesIn >= 2 && master.framesOut >= 2, 'the MASTER relayed the ARP and the ping both ways');
    assert.ok(backup && backup.framesIn === 0 && backup.droppedNotMaster >= 1, 'the BACKUP wrote nothing into carp0');
  });

  it('fails over when the MASTER`s cable is pulled, within the BACKUP`s master-down interval', async () => {
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    await lab.advance(500);
    const cut = lab.world.scheduler.clock.now();
    lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
    await lab.until(() => lab.state(2) === 'MASTER', BACKUP_MASTER_DOWN_MS + 1000);
    const took = lab.world.scheduler.clock.now() - cut;
    assert.ok(took <= BACKUP_MASTER_DOWN_MS + 1, `took over after ${took} ms`);
    assert.equal(lab.state(1), 'INIT', 'a carpdev without link stops its carp interfaces');
  });

  it('hands over at once when the MASTER goes down (bow-out)', async () => {
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    await lab.advance(300);
    const before = lab.world.scheduler.clock.now();
    await lab.ok(1, 'sysctl', 'net.inet.carp.log=4');
    const logged = lab.log(1).length;
    await lab.ok(1, 'carp0', 'down');
    await lab.until(() => lab.state(2) === 'MASTER', 1000);
    assert.ok(lab.world.scheduler.clock.now() - before < 50, 'the backup took over on the bow-out, not on a timeout');
    await lab.advance(100);
    assert.equal(lab.state(1), 'INIT');
    const transitions = lab.log(1).slice(logged).filter((r) => /state transition/.test(r.msg));
    assert.deepEqual(
      transitions.map((r) => r.msg),
      ['carp0: state transition (vhid 1): MASTER -> INIT (interface down)'],
      'no flap back to BACKUP while the kernel`s report of the down state is on its way',
    );
  });

  it('fails over after a crash of the MASTER`s daemon, which leaves no bow-out behind', async () => {
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    await lab.advance(100);
    const crashed = lab.world.scheduler.clock.now();
    await lab.crash(1);
    await lab.until(() => lab.state(2) === 'MASTER', BACKUP_MASTER_DOWN_MS + 1000);
    assert.ok(lab.world.scheduler.clock.now() - crashed > 2000, 'no bow-out was sent');
    assert.equal(lab.world.host(1).kernel.link('carp0')?.carrier, false, 'the carrier went with the last fd');
    assert.ok(lab.world.host(1).kernel.link('carp0'), 'the persistent carp0 survives its daemon');
  });

  it('keeps the address reachable across the failover', async () => {
    for (const n of [1, 2]) answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
    await lab.until(() => lab.state(1) === 'MASTER', 4000);
    const client = lab.world.addClient('client');
    await pingVip(lab, client);
    lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
    await lab.until(() => lab.state(2) === 'MASTER', BACKUP_MASTER_DOWN_MS + 1000);
    // The gratuitous ARP of the new MASTER carried the same virtual MAC: the client's cache stays right.
    assert.equal(await pingVip(lab, client), '00:00:5e:00:01:01');
    assert.ok(((await lab.show(2)).dataPlane?.framesIn ?? 0) >= 1);
    assert.deepEqual(parseIp(VIP), parseIp('10.77.0.50'));
  });
});
