/**
 * A carpd that starts beside a worse MASTER preempts it within moments of starting (VRRPv3 at
 * 0.1 s). Before carpN may become MASTER its kernel side must be in place (docs/carpd.8.md
 * KERNEL CHANGES): otherwise its first replies leave through the carpdev, with the carpdev's
 * MAC, and its ARP request names the VIP as sender, so the client caches the carpdev's MAC.
 */
import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import { CarpLab, VIP4 } from './carp-lab';
import { carpdVrrpState, carpdVrrpWords } from './vrrp-routers';

const H1_MAC = '02:77:00:00:00:01';
const CLIENT = 'cl';
const SYSCTLS = 'net.inet.carp.preempt=1\n';
const config = (priority: number): Record<string, string> => ({
  'sysctl.conf': SYSCTLS,
  'carp0.conf': `${carpdVrrpWords({ vrid: 1, priority, intervalCs: 10 })}\ninet ${VIP4}/24\n`,
});

describe('netns: a carpd that preempts at once has its kernel side ready first', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('ksetup', ['h1', 'h2']);
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('h1 preempting h2 right after its start sends nothing from the VIP with its own MAC, and the client caches the virtual MAC', async () => {
    await lab.startDaemon('h2', { config: config(100) });
    await lab.waitFor('h2 MASTER', async () => (await carpdVrrpState(lab, 'h2')) === 'MASTER');
    const capture = new Capture(lab, 'lan', ['-e', '-i', 'br0', `ether src ${H1_MAC}`]);
    await capture.started();
    const ping = lab.startPing(VIP4, 10);
    await lab.startDaemon('h1', { config: config(200) });
    await lab.waitFor('h1 MASTER', async () => (await carpdVrrpState(lab, 'h1')) === 'MASTER');
    await new Promise((settle) => setTimeout(settle, 500));
    await ping.stop();
    const fromH1 = (await capture.stop()).split('\n').filter((line) => line.includes(VIP4));
    assert.deepEqual(fromH1, [], 'frames from h1`s own MAC that carry the VIP');
    const neighbour = (await lab.net.exec(CLIENT, 'ip', ['neigh', 'show', VIP4])).stdout;
    assert.match(neighbour, /lladdr 00:00:5e:00:01:01/, neighbour);
  });
});
