/**
 * A host leaving MASTER with the in-kernel data path on (net.inet.carp.fastpath=1) stops answering
 * for the VIP in the turn of its state change: the daemon removes the tc redirects by rtnetlink
 * (src/kernel/fast-path-requests.ts) first of all when a node leaves MASTER (relay.leavingMaster).
 * Frames for the virtual MAC that still reach it (a switch whose entry has not moved yet) must
 * find no path into its stack. With the removal by `tc` processes after the rest of the change,
 * the preempted host answered for a few more milliseconds (2 of 3 runs of the second test failed
 * so). After `carpctl down`, the bow-out is the marker: nothing may leave from the virtual MAC after it.
 */
import assert from 'node:assert/strict';
import { netnsUnavailableReason } from '../helpers/netns';
import { AD_PRINT_ARGS, parseAds, parseTcpdumpLines } from './carp-ads';
import { CarpLab, VIP4 } from './carp-lab';
import { Capture } from './capture';

const VIRTUAL_MAC = '00:00:5e:00:01:01';
/** filterPreference(00:00:5e:00:01:01, IPv4) in src/kernel/fast-path-commands.ts. */
const REDIRECT_PREF = 50514;
/** Bow-outs advertise advskew 255 (docs/protocol.md). */
const BOW_OUT_SKEW = 255;

// 1795318376.847811 00:00:5e:00:01:01 > 02:77:00:00:00:03, ethertype IPv4 (0x0800), length 98: 10.77.0.50 > 10.77.0.3: ICMP echo reply, id 1, seq 5, length 64
const ECHO_REPLY_LINE = /^(\d+\.\d+) \S+ > \S+, ethertype IPv4 \(0x0800\), length \d+: \S+ > \S+: ICMP echo reply/;

describe('netns: a fast-path MASTER that leaves stops answering in the turn of its state change', function () {
  let lab: CarpLab;

  before(async function () {
    if (netnsUnavailableReason()) return this.skip();
    lab = await CarpLab.create('fastleave');
    await lab.startPair('vhid 1 pass secret carpdev eth0', { config: { 'sysctl.conf': 'net.inet.carp.fastpath=1\nnet.inet.carp.preempt=1\n' } });
  });

  after(async () => {
    await lab?.cleanup();
  });

  /** `change` while the client sends an echo request to the VIP every millisecond, from 300 ms before it to 300 ms after. */
  async function underPingFlood(change: () => Promise<void>): Promise<void> {
    const ping = lab.net.spawn('cl', 'ping', ['-n', '-q', '-i', '0.001', '-c', '3000', VIP4]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await change();
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      ping.kill('SIGINT');
    }
  }

  async function redirectInstalled(host: string): Promise<boolean> {
    const { stdout } = await lab.net.exec(host, 'tc', ['-json', 'filter', 'show', 'dev', 'eth0', 'ingress']);
    return (JSON.parse(stdout || '[]') as { pref: number }[]).some((f) => f.pref === REDIRECT_PREF);
  }

  it('carpctl down: no echo reply leaves the old MASTER`s carpdev from the virtual MAC after its bow-out', async () => {
    await lab.waitFor('h1 installs the redirect', () => redirectInstalled('h1'));
    // Everything h1 sends from the virtual MAC: its advertisements (the bow-out among them) and the
    // answers its kernel gives through carp0's egress redirect.
    const capture = new Capture(lab, 'h1', [...AD_PRINT_ARGS, '-Q', 'out', '-i', 'eth0', `ether src ${VIRTUAL_MAC} or src host ${VIP4}`]);
    await capture.started();
    // The echo requests keep reaching h1 until the bridge learns that h2 has the MAC.
    await underPingFlood(async () => {
      await lab.ctl('h1', 'carp0', 'down');
      await lab.waitState('h2', 'MASTER');
    });
    const output = await capture.stop();
    const bowOut = parseAds(output).find((ad) => ad.advskew === BOW_OUT_SKEW);
    assert.ok(bowOut, `h1 bowed out:\n${output}`);
    const replies = parseTcpdumpLines(output, ECHO_REPLY_LINE, (group) => Number(group(1)) * 1000);
    assert.ok(
      replies.some((at) => at < bowOut.at),
      `h1's kernel answered from the virtual MAC before it left, so the capture sees the fast path:\n${output}`,
    );
    const after = replies.filter((at) => at > bowOut.at);
    assert.deepEqual(after.map((at) => `${(at - bowOut.at).toFixed(3)} ms after the bow-out`), [], lab.logOf('h1'));
    await lab.waitFor('h1 has no redirect left', async () => !(await redirectInstalled('h1')));
  });

  it('preempted: the old MASTER answers nothing for the VIP once it is BACKUP, though frames for it still arrive', async () => {
    // h2 is MASTER now; h1 comes back with the better advskew and preempts it.
    await lab.waitFor('h2 installs the redirect', () => redirectInstalled('h2'));
    // As a switch whose entry has not moved yet: every frame to the virtual MAC keeps going to h2.
    // (sticky: a static entry alone moves with the next frame from the MAC.)
    await lab.net.exec('lan', 'bridge', ['fdb', 'replace', VIRTUAL_MAC, 'dev', 'p-h2', 'master', 'static', 'sticky']);
    const capture = new Capture(lab, 'h2', ['-tt', '-e', '-Q', 'out', '-i', 'eth0', `src host ${VIP4} and icmp`]);
    await capture.started();
    try {
      await underPingFlood(async () => {
        await lab.ctl('h1', 'carp0', 'up');
        await lab.waitState('h2', 'BACKUP');
      });
    } finally {
      await lab.net.exec('lan', 'bridge', ['fdb', 'del', VIRTUAL_MAC, 'dev', 'p-h2', 'master']);
    }
    const output = await capture.stop();
    const left = leftMasterAt(lab.logOf('h2'));
    const replies = parseTcpdumpLines(output, ECHO_REPLY_LINE, (group) => Number(group(1)) * 1000);
    assert.ok(
      replies.some((at) => at < left),
      `h2 answered before it left, so the capture sees its answers:\n${output}`,
    );
    // The removal comes first in the turn of the state change, then the log line, whose time is
    // in whole milliseconds (rounded down).
    const after = replies.filter((at) => at > left + 1);
    assert.deepEqual(after.map((at) => `${(at - left).toFixed(3)} ms after the state change`), [], output);
  });
});

/** When carpd logged carp0's change from MASTER to BACKUP, ms since the epoch. */
function leftMasterAt(log: string): number {
  const line = log.split('\n').find((l) => l.includes('"from":"MASTER"') && l.includes('"to":"BACKUP"'));
  assert.ok(line, log);
  return Date.parse((JSON.parse(line) as { time: string }).time);
}
