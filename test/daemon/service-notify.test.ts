/**
 * carpd and its service manager (sd_notify), in-process with a recording notifier: READY=1 only
 * once the boot configuration's interfaces run (or after the timeout, saying what does not run),
 * STATUS= on changes and rate-limited, WATCHDOG=1 from the event loop, STOPPING=1 on stop.
 */
import assert from 'node:assert/strict';
import { STATUS_INTERVAL_MS } from '../../src/daemon/service-report';
import { DaemonLab } from './lab';
import { PASS, VIP, configurePair, pairLab } from './scenarios';

const CARP0 = `vhid 1 pass ${PASS} carpdev eth0 advskew 100\ninet ${VIP}/24\n`;
const CARP1 = `vhid 2 pass ${PASS} carpdev eth0 advskew 100\ninet 10.77.0.51/24\n`;

describe('carpd in-process: what it tells systemd (sd_notify)', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  describe('READY=1', () => {
    beforeEach(async () => {
      lab = await DaemonLab.create({ hosts: 2 });
    });

    it('is sent at once when the boot configuration has no interface', async () => {
      await lab.start(1);
      await lab.advance(1);
      const ready = lab.notifications(1).withField('READY');
      assert.equal(ready.length, 1);
      assert.deepEqual(ready[0]?.fields, { READY: '1', STATUS: 'no carp interfaces' });
    });

    it('waits until every interface of the boot configuration runs, then says so once', async () => {
      // Cable out: the interfaces stay INIT (carpdev not running) until it is back.
      lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
      await lab.start(1, { config: { 'carp0.conf': CARP0, 'carp1.conf': CARP1 } });
      await lab.advance(3000);
      assert.deepEqual(lab.notifications(1).withField('READY'), [], 'not ready while carp0 and carp1 are INIT');
      assert.equal(lab.state(1, 'carp0'), 'INIT');
      lab.world.host(1).kernel.setLinkState('eth0', { carrier: true });
      await lab.until(() => lab.notifications(1).withField('READY').length > 0, 1000);
      const [ready] = lab.notifications(1).withField('READY');
      assert.equal(ready?.fields.STATUS, '2 interfaces: carp0 BACKUP, carp1 BACKUP');
      assert.equal(lab.state(1, 'carp0'), 'BACKUP');
      assert.equal(lab.state(1, 'carp1'), 'BACKUP');
      await lab.advance(15_000);
      assert.equal(lab.notifications(1).withField('READY').length, 1, 'READY=1 once, no timeout afterwards');
      assert.ok(!lab.log(1).some((r) => /reporting ready anyway/.test(r.msg)));
    });

    it('is sent after the timeout when an interface cannot run, with a STATUS and a log saying which and why', async () => {
      lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
      await lab.start(1, { config: { 'carp0.conf': CARP0 }, readyTimeoutMs: 5000 });
      await lab.advance(4900);
      assert.deepEqual(lab.notifications(1).withField('READY'), []);
      await lab.advance(200);
      const ready = lab.notifications(1).withField('READY');
      assert.equal(ready.length, 1);
      assert.equal(ready[0]?.fields.STATUS, '1 interface: carp0 INIT; not running: carp0 (carpdev eth0 not running)');
      const warning = lab.log(1).find((r) => /reporting ready anyway/.test(r.msg));
      assert.equal(warning?.msg, 'not every interface of the boot configuration runs after 5 s: carp0 (carpdev eth0 not running); reporting ready anyway');
      assert.equal(warning?.level, 40);
    });

    it('does not wait for a device re-attached without a configuration file (it has no vhid and can never run)', async () => {
      await lab.start(1);
      await lab.ok(1, 'carp7', 'create');
      await lab.stop(1);
      await lab.start(1);
      await lab.advance(1);
      assert.deepEqual(lab.notifications(1).withField('READY')[0]?.fields, { READY: '1', STATUS: '1 interface: carp7 no vhid' });
    });
  });

  describe('STATUS=', () => {
    beforeEach(async () => {
      lab = await pairLab(true);
    });

    it('follows state changes: the backup that took over says MASTER', async () => {
      const before = lab.notifications(2).withField('STATUS').length;
      await lab.crash(1);
      await lab.until(() => lab.state(2) === 'MASTER', 5000);
      await lab.advance(STATUS_INTERVAL_MS);
      const statuses = lab.notifications(2).withField('STATUS');
      assert.ok(statuses.length > before);
      assert.equal(statuses.at(-1)?.fields.STATUS, '1 interface: carp0 MASTER');
    });

    it('is sent at most once a second, and the last one tells the state reached', async () => {
      const transitions = (): number => lab.log(2).filter((r) => r.to !== undefined).length;
      const before = { statuses: lab.notifications(2).withField('STATUS').length, transitions: transitions() };
      for (let i = 0; i < 10; i++) {
        await lab.ok(2, 'carp0', 'state', i % 2 === 0 ? 'master' : 'backup');
        await lab.advance(100);
      }
      await lab.ok(2, 'carp0', 'state', 'master');
      await lab.advance(2 * STATUS_INTERVAL_MS);
      const statuses = lab.notifications(2).withField('STATUS');
      const times = statuses.map((m) => m.at);
      for (let i = 1; i < times.length; i++) {
        assert.ok((times[i] as number) - (times[i - 1] as number) >= STATUS_INTERVAL_MS, `STATUS at ${times.join(', ')}`);
      }
      assert.ok(statuses.length - before.statuses < (transitions() - before.transitions) / 2, 'a burst of transitions, few STATUS');
      assert.equal(statuses.at(-1)?.fields.STATUS, `1 interface: carp0 ${lab.state(2)}`);
    });

    it('says maintenance mode while it is on, also when no state changes (a BACKUP)', async () => {
      await lab.ok(2, 'maintenance', 'on');
      await lab.advance(STATUS_INTERVAL_MS);
      assert.equal(lab.notifications(2).withField('STATUS').at(-1)?.fields.STATUS, '1 interface: carp0 BACKUP; maintenance mode (demoted by 240)');
      await lab.ok(2, 'maintenance', 'off');
      await lab.advance(STATUS_INTERVAL_MS);
      assert.equal(lab.notifications(2).withField('STATUS').at(-1)?.fields.STATUS, '1 interface: carp0 BACKUP');
    });

    it('names an interface that stops running and why', async () => {
      await lab.ok(2, 'carp0', 'down');
      await lab.advance(STATUS_INTERVAL_MS);
      assert.equal(lab.notifications(2).withField('STATUS').at(-1)?.fields.STATUS, '1 interface: carp0 INIT; not running: carp0 (down)');
    });
  });

  describe('WATCHDOG=1 and STOPPING=1', () => {
    beforeEach(async () => {
      lab = await DaemonLab.create({ hosts: 2 });
    });

    it('pings every quarter of WATCHDOG_USEC from the event loop, and not while the loop is frozen', async () => {
      await lab.start(1, { watchdogMs: 2000 });
      await lab.advance(5000);
      const pings = (): number[] => lab.notifications(1).withField('WATCHDOG').map((m) => m.at);
      const running = pings();
      assert.ok(running.length >= 9 && running.length <= 11, `${running.length} pings in 5 s`);
      for (let i = 1; i < running.length; i++) assert.ok((running[i] as number) - (running[i - 1] as number) <= 750);
      lab.freeze(1);
      await lab.advance(5000);
      assert.equal(pings().length, running.length, 'no ping while frozen: systemd would kill and restart carpd');
      lab.thaw(1);
      await lab.advance(600);
      assert.ok(pings().length > running.length, 'pings again once it runs');
    });

    it('sends no ping without a watchdog', async () => {
      await lab.start(1);
      await lab.advance(5000);
      assert.deepEqual(lab.notifications(1).withField('WATCHDOG'), []);
    });

    it('sends STOPPING=1 when an orderly stop begins, and nothing after it', async () => {
      await lab.start(1, { watchdogMs: 2000 });
      await lab.start(2);
      await configurePair(lab);
      await lab.until(() => lab.state(1) === 'MASTER', 5000);
      await lab.stop(1);
      await lab.advance(5000);
      const messages = lab.notifications(1).messages;
      assert.deepEqual(messages.at(-1)?.fields, { STOPPING: '1', STATUS: 'stopping: virtual hosts that are MASTER bow out' });
      assert.equal(lab.notifications(1).withField('STOPPING').length, 1);
    });
  });
});
