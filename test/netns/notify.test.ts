/**
 * A real carpd in a namespace, as systemd runs a Type=notify service: NOTIFY_SOCKET names a Unix
 * datagram socket (here socat's), WATCHDOG_USEC asks for pings. What arrives there is what
 * systemd would act on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatagramListener, socatUnavailableReason } from '../helpers/datagram-listener';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, VIP4 } from './carp-lab';

const CARP0 = `vhid 1 pass secret carpdev eth0 advskew 0\ninet ${VIP4}/24\n`;

describe('netns: carpd tells systemd through NOTIFY_SOCKET', function () {
  let lab: CarpLab;
  const listeners: DatagramListener[] = [];

  before(async function () {
    if (netnsUnavailableReason() || socatUnavailableReason()) return this.skip();
    lab = await CarpLab.create('notify', ['h1', 'h2']);
  });

  after(async () => {
    for (const listener of listeners) await listener.close();
    await lab?.cleanup();
  });

  async function listen(name: string): Promise<DatagramListener> {
    const listener = await DatagramListener.bind(join(lab.dir, name));
    listeners.push(listener);
    return listener;
  }

  it('sends READY=1 once carp0 runs, STATUS on the takeover, WATCHDOG=1 while it runs and STOPPING=1 on SIGTERM', async () => {
    const systemd = await listen('h1-notify.sock');
    await lab.startDaemon('h1', { config: { 'carp0.conf': CARP0 }, env: { ...process.env, NOTIFY_SOCKET: systemd.address, WATCHDOG_USEC: '2000000' } });
    await lab.waitFor('READY=1', () => Promise.resolve(systemd.lines.includes('READY=1')));
    const ready = systemd.lines.indexOf('READY=1');
    assert.equal(systemd.lines[ready + 1], 'STATUS=1 interface: carp0 BACKUP', systemd.text);
    assert.equal(systemd.lines.filter((l) => l === 'READY=1').length, 1);
    await lab.waitState('h1', 'MASTER');
    await lab.waitFor('STATUS of the takeover', () => Promise.resolve(systemd.lines.includes('STATUS=1 interface: carp0 MASTER')), 3000);
    const pings = systemd.lines.filter((l) => l === 'WATCHDOG=1').length;
    await lab.waitFor('three more pings (every 0.5 s for WATCHDOG_USEC 2 s)', () =>
      Promise.resolve(systemd.lines.filter((l) => l === 'WATCHDOG=1').length >= pings + 3), 3000);
    assert.equal(await lab.stopDaemon('h1'), 0);
    await lab.waitFor('STOPPING=1', () => Promise.resolve(systemd.lines.includes('STOPPING=1')), 3000);
    assert.deepEqual(systemd.lines.slice(systemd.lines.indexOf('STOPPING=1')), ['STOPPING=1', 'STATUS=stopping: virtual hosts that are MASTER bow out']);
  });

  it('sends READY=1 after --ready-timeout when the carpdev has no link, saying so', async () => {
    const systemd = await listen('h2-notify.sock');
    await lab.net.exec('h2', 'ip', ['link', 'set', 'eth0', 'down']);
    const started = Date.now();
    await lab.startDaemon('h2', { config: { 'carp0.conf': CARP0 }, env: { ...process.env, NOTIFY_SOCKET: systemd.address }, args: ['--ready-timeout', '1.5'] });
    await lab.waitFor('READY=1', () => Promise.resolve(systemd.lines.includes('READY=1')), 5000);
    assert.ok(Date.now() - started >= 1400, 'not before the timeout');
    const ready = systemd.lines.indexOf('READY=1');
    assert.equal(systemd.lines[ready + 1], 'STATUS=1 interface: carp0 INIT; not running: carp0 (carpdev eth0 not running)');
    assert.deepEqual(systemd.lines.filter((l) => l.startsWith('WATCHDOG')), [], 'no WATCHDOG_USEC, no pings');
    assert.match(lab.logOf('h2'), /not every interface of the boot configuration runs after 1\.5 s: carp0 \(carpdev eth0 not running\); reporting ready anyway/);
    await lab.net.exec('h2', 'ip', ['link', 'set', 'eth0', 'up']);
    await lab.waitFor('STATUS once it runs', () => Promise.resolve(systemd.lines.at(-1)?.startsWith('STATUS=1 interface: carp0 ') === true && !systemd.lines.at(-1)?.includes('not running')), 5000);
    await lab.stopDaemon('h2');
  });
});
