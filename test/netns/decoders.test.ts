import assert from 'node:assert/strict';
import { join } from 'node:path';
import { netnsUnavailableReason } from '../helpers/netns';
import { runTool, toolAvailable } from '../helpers/tools';
import { Capture } from './capture';
import { CLIENT4, CarpLab, VIP4, VIP6 } from './carp-lab';

/** filterPreference(00:00:5e:00:01:03, IPv4) in src/kernel/fast-path-commands.ts: vhid 3's redirect. */
const REDIRECT_PREF = 50518;

describe('netns: what tcpdump and tshark see of a running carpd', function () {
  let lab: CarpLab;
  let pcap = '';

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    if (!toolAvailable('tcpdump') || !toolAvailable('tshark')) return this.skip();
    lab = await CarpLab.create('dec');
    // carpd's defaults, the in-kernel data path among them: a capture on carp0 must still see the answers.
    await lab.startDaemon('h1');
    await lab.startDaemon('h2');
    await lab.configureCarp('h1', 'vhid 3 pass secret carpdev eth0 advskew 20', [`${VIP4}/24`, `${VIP6}/64`]);
    await lab.configureCarp('h2', 'vhid 3 pass secret carpdev eth0 advskew 100', [`${VIP4}/24`, `${VIP6}/64`]);
    await lab.waitState('h1', 'MASTER');
    pcap = join(lab.dir, 'ads.pcap');
    // Two intervals of the master's advertisements, both families, as they cross the LAN.
    const capture = new Capture(lab, 'lan', ['-i', 'br0', '-c', '4', '-w', pcap, 'ip proto 112 or ip6 proto 112']);
    await capture.started();
    await capture.finished(5000);
  });

  after(async () => {
    await lab?.cleanup();
  });

  /** Whether h1's eth0 has the in-kernel data path's IPv4 redirect (net.inet.carp.fastpath, on by default). */
  async function kernelCarries(): Promise<boolean> {
    const { stdout } = await lab.net.exec('h1', 'tc', ['filter', 'show', 'dev', 'eth0', 'ingress']);
    return stdout.includes(`pref ${REDIRECT_PREF} `);
  }

  it('`tcpdump -i carp0` on the master shows the client`s traffic to the VIP both ways; the kernel`s path steps aside meanwhile', async () => {
    // The kernel's path would take the echo replies before carp0's taps see them.
    await lab.waitFor('h1 installs the in-kernel data path', kernelCarries);
    const capture = new Capture(lab, 'h1', ['-i', 'carp0', 'icmp']);
    let text = '';
    try {
      await capture.started();
      await lab.waitFor('carpd gives the path up for the capture', async () => !(await kernelCarries()));
      await lab.net.exec('cl', 'ping', ['-c', '2', '-W', '1', VIP4]);
    } finally {
      text = await capture.stop();
    }
    assert.match(text, new RegExp(`IP ${CLIENT4.replace(/\./g, '\\.')} > ${VIP4.replace(/\./g, '\\.')}: ICMP echo request`), text);
    assert.match(text, /ICMP echo reply/, text);
    await lab.waitFor('carpd installs the path again once the capture has ended', kernelCarries);
  });

  it('`tcpdump -T carp` decodes our advertisements over IPv4 and IPv6 with good checksums', async () => {
    const text = await runTool('tcpdump', ['-n', '-vv', '-T', 'carp', '-r', pcap]);
    const ads = text.split(/\n(?=\d\d:)/);
    assert.equal(ads.length, 4, text);
    assert.ok(ads.some((a) => a.includes('> 224.0.0.18: CARPv2-advertise 36: vhid=3 advbase=1 advskew=20 authlen=7')), text);
    assert.ok(ads.some((a) => a.includes('> ff02::12: CARPv2-advertise 36: vhid=3 advbase=1 advskew=20 authlen=7')), text);
    assert.ok(!text.includes('bad'), text);
    assert.ok(ads.every((a) => a.includes('ttl 255') || a.includes('hlim 255')), text);
  });

  it('tshark (Decode As carp) reports good CARP checksums and our fields', async () => {
    const fields = ['ip.version', 'ipv6.version', 'carp.checksum.status', 'carp.vhid', 'carp.adver_int', 'carp.advskew', 'carp.authlen', 'carp.version', 'carp.type'];
    const out = await runTool('tshark', ['-r', pcap, '-d', 'ip.proto==112,carp', '-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])]);
    const rows = out.trim().split('\n').map((line) => line.split(','));
    assert.equal(rows.length, 4, out);
    for (const row of rows) assert.deepEqual(row.slice(2), ['1', '3', '1', '20', '7', '2', '1'], out);
    assert.ok(rows.some((r) => r[0] === '4') && rows.some((r) => r[1] === '6'), out);
  });
});
