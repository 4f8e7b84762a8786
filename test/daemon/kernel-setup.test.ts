/**
 * carpd in-process: a carp interface does not run before its kernel side (carpdev ARP settings,
 * policy routes) is in place, so a MASTER never answers through the carpdev with its MAC.
 */
import assert from 'node:assert/strict';
import { parseMac } from '../../src/wire/address';
import { DaemonLab } from './lab';
import { PASS } from './scenarios';

const CARP0 = `vhid 1 carpdev eth0 pass ${PASS}\ninet 10.77.0.50/24\n`;

describe('carpd in-process: waiting for the kernel setup', () => {
  let lab: DaemonLab;
  /** The policy routing tasks wait for this; `slowRouting` makes them wait until `finishRouting`. */
  let routing: Promise<void>;
  let finishRouting: () => void;
  const slowRouting = (): void => {
    routing = new Promise<void>((done) => (finishRouting = done));
  };

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 1 });
    slowRouting();
    await lab.start(1, { config: { 'carp0.conf': CARP0 }, routingDone: () => routing });
  });

  afterEach(async () => {
    finishRouting();
    await lab.close();
  });

  it('keeps carpN INIT past its master-down time, refuses state master, and explains why, until its routes are in', async () => {
    await lab.advance(5000);
    assert.equal(lab.state(1), 'INIT');
    const forced = await lab.carpctl(1, 'carp0', 'state', 'master');
    assert.match(forced.stderr, /not running \(waiting for the ARP settings of the carpdev and the policy routes\)/);
    assert.match(await lab.ok(1, 'carp0', 'explain'), /INIT: waiting for the ARP settings of the carpdev and the policy routes/);
    assert.equal(lab.world.segment.framesFrom(parseMac('00:00:5e:00:01:01')).length, 0, 'nothing was sent from the virtual MAC');
    finishRouting();
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    assert.deepEqual(lab.kernelWork(1), ['carpdev eth0', 'routing carp0 0', 'routing carp0 1']);
  });

  it('a change of address while running does not stop it; a down and up waits for the routes again', async () => {
    finishRouting();
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    slowRouting();
    await lab.ok(1, 'carp0', 'alias', '10.77.0.51/24');
    assert.equal(lab.state(1), 'MASTER');
    finishRouting();
    await lab.ok(1, 'carp0', 'down');
    slowRouting();
    await lab.ok(1, 'carp0', 'up');
    await lab.advance(5000);
    assert.equal(lab.state(1), 'INIT');
    finishRouting();
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
  });
});
