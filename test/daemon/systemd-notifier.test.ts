import assert from 'node:assert/strict';
import { encodeNotification } from '../../src/daemon/service-notifier';
import { systemdNotifier } from '../../src/daemon/systemd-notifier';

function recording(): { sent: [string, string][]; send: (address: string, payload: Buffer) => void } {
  const sent: [string, string][] = [];
  return { sent, send: (address, payload) => void sent.push([address, payload.toString()]) };
}

describe('daemon/systemd-notifier: sd_notify from the environment systemd gives', () => {
  it('sends each message as one datagram to NOTIFY_SOCKET and takes the variables out of the environment', () => {
    const environment: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify/123', WATCHDOG_USEC: '10000000', PATH: '/usr/bin' };
    const { sent, send } = recording();
    const notifier = systemdNotifier(environment, send, () => assert.fail('no failure'));
    notifier.notify({ READY: '1', STATUS: '1 interface: carp0 MASTER' });
    assert.deepEqual(sent, [['@/org/freedesktop/systemd1/notify/123', 'READY=1\nSTATUS=1 interface: carp0 MASTER\n']]);
    assert.equal(notifier.watchdogMs, 10_000);
    assert.deepEqual(environment, { PATH: '/usr/bin' }, 'hooks and ip(8) must not speak to systemd in carpd`s name');
  });

  it('is silent without NOTIFY_SOCKET, and ignores a watchdog meant for another process', () => {
    const { sent, send } = recording();
    const silent = systemdNotifier({ WATCHDOG_USEC: '1000000' }, send, () => undefined);
    silent.notify({ READY: '1' });
    assert.deepEqual(sent, []);
    assert.equal(silent.watchdogMs, null);
    const other = systemdNotifier({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '1000000', WATCHDOG_PID: String(process.pid + 1) }, send, () => undefined);
    assert.equal(other.watchdogMs, null);
    const ours = systemdNotifier({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '1000000', WATCHDOG_PID: String(process.pid) }, send, () => undefined);
    assert.equal(ours.watchdogMs, 1000);
    assert.equal(systemdNotifier({ NOTIFY_SOCKET: 'relative', WATCHDOG_USEC: '1000000' }, send, () => undefined).watchdogMs, null);
  });

  it('reports each kind of failure once and never throws', () => {
    const reports: string[] = [];
    const failing = (): void => {
      throw Object.assign(new Error('/run/systemd/notify: sendto: Resource temporarily unavailable'), { code: 'EAGAIN' });
    };
    const notifier = systemdNotifier({ NOTIFY_SOCKET: '/run/systemd/notify' }, failing, (m) => reports.push(m));
    for (let i = 0; i < 5; i++) notifier.notify({ WATCHDOG: '1' });
    assert.deepEqual(reports, [
      'cannot notify the service manager at /run/systemd/notify: /run/systemd/notify: sendto: Resource temporarily unavailable (further failures of this kind are not logged)',
    ]);
  });

  it('keeps every field on its own line', () => {
    assert.equal(encodeNotification({ STATUS: 'two\nlines' }), 'STATUS=two lines\n');
  });
});
