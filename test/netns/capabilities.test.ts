import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { netnsUnavailableReason } from '../helpers/netns';
import { boundingCapabilities } from '../systemd/unit-file';
import { filterPreference } from '../../src/kernel/fast-path-commands';
import { parseMac } from '../../src/wire/address';
import { CarpLab, VIP4 } from './carp-lab';

/** carpd run as the unit runs it: root, with only the unit's capability bounding set. */
function withCapabilities(capabilities: readonly string[]): string[] {
  return ['setpriv', '--bounding-set', ['-all', ...capabilities.map((c) => `+${c}`)].join(','), '--inh-caps', '-all', '--'];
}

function effectiveCapabilities(pid: number): bigint {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
  return BigInt(`0x${line?.split(/\s+/)[1] ?? '0'}`);
}

const CAP_NET_ADMIN = 12n;
const CAP_NET_RAW = 13n;

describe('netns: carpd with only the capabilities of systemd/carpd.service', function () {
  let lab: CarpLab;
  const capabilities = boundingCapabilities();

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('caps', ['h1', 'h2', 'h3']);
  });

  after(async () => {
    await lab?.cleanup();
  });

  /** Whether `host`'s eth0 has the fast path's IPv4 redirect for vhid 4. */
  async function redirectInstalled(host: string): Promise<boolean> {
    const { stdout } = await lab.net.exec(host, 'tc', ['-json', 'filter', 'show', 'dev', 'eth0', 'ingress']);
    const pref = filterPreference(parseMac('00:00:5e:00:01:04'), 0);
    return (JSON.parse(stdout || '[]') as { pref: number }[]).some((f) => f.pref === pref);
  }

  it('does everything with CAP_NET_ADMIN and CAP_NET_RAW alone', async () => {
    // The in-kernel data path too: tc and nft inherit the bounding set, the removal is carpd's own rtnetlink.
    await lab.startDaemon('h1', { wrapper: withCapabilities(capabilities), config: { 'sysctl.conf': 'net.inet.carp.fastpath=1\n' } });
    const pid = lab.daemonPid('h1') as number;
    assert.equal(effectiveCapabilities(pid), (1n << CAP_NET_ADMIN) | (1n << CAP_NET_RAW));
    await lab.startDaemon('h2');
    await lab.configureCarp('h1', 'vhid 4 pass secret carpdev eth0 advskew 0');
    await lab.configureCarp('h2', 'vhid 4 pass secret carpdev eth0 advskew 100');
    await lab.waitState('h1', 'MASTER');
    assert.match((await lab.net.exec('cl', 'ping', ['-c', '2', '-W', '1', VIP4])).stdout, /2 received/);
    // What it changed in the kernel with those capabilities: ARP settings, policy routing.
    assert.equal((await lab.net.exec('h1', 'sysctl', ['-n', 'net.ipv4.conf.eth0.arp_ignore'])).stdout.trim(), '1');
    await lab.waitFor('the policy rule', async () => (await lab.net.exec('h1', 'ip', ['rule'])).stdout.includes(`from ${VIP4} lookup 4200`));
    await lab.waitFor('the in-kernel data path', () => redirectInstalled('h1'));
    assert.match((await lab.net.exec('h1', 'nft', ['list', 'ruleset'])).stdout, /meta pkttype set host/);
    await lab.ctl('h1', 'carp0', 'down');
    await lab.waitState('h2', 'MASTER', 1000);
    await lab.waitFor('the data path removed', async () => !(await redirectInstalled('h1')));
    // The nftables mark goes a second after the tc half (src/kernel/fast-path.ts).
    await lab.waitFor('the nftables mark removed', async () => !/pkttype/.test((await lab.net.exec('h1', 'nft', ['list', 'ruleset'])).stdout));
    // carp0 keeps the empty clsact qdisc carpd gave it when it found it: the path changes filters alone.
    const { stdout: egress } = await lab.net.exec('h1', 'tc', ['filter', 'show', 'dev', 'carp0', 'egress']);
    assert.equal(egress, '');
    assert.match((await lab.net.exec('h1', 'tc', ['qdisc', 'show', 'dev', 'carp0'])).stdout, /qdisc clsact ffff:/);
  });

  it('cannot create carp0 without CAP_NET_ADMIN, and says why', async () => {
    await lab.startDaemon('h3', { wrapper: withCapabilities(capabilities.filter((c) => c !== 'net_admin')) });
    const result = await lab.carpctl('h3', 'carp0', 'create');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /carp0: .*Operation not permitted/);
    await lab.stopDaemon('h3');
  });

  it('refuses a carpdev it cannot open a packet socket on without CAP_NET_RAW, and keeps no carp0', async () => {
    await lab.startDaemon('h3', { wrapper: withCapabilities(capabilities.filter((c) => c !== 'net_raw')) });
    const result = await lab.carpctl('h3', 'carp0', 'create', 'vhid', '4', 'carpdev', 'eth0');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /eth0: .*Operation not permitted/);
    assert.equal((await lab.carpctl('h3', 'carp0')).code, 1);
  });
});
