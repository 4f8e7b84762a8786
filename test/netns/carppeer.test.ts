/**
 * carppeer on a LAN whose bridge drops IP multicast, as many cloud and provider networks do: the
 * advertisements to 224.0.0.18 / ff02::12 never arrive, so without a peer both hosts become
 * MASTER; with each host's carppeer pointing at the other, unicast advertisements elect one
 * MASTER and a cut link still fails over (docs/protocol.md §1.7).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, SUBNET4, SUBNET6, VIP4, VIP6 } from './carp-lab';

/** h2's master-down interval: 3 * advbase + advskew/256 s (docs/protocol.md §3.2). */
const BACKUP_MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;
/** Timer and relay latency of a real host on top of the protocol bound. */
const SLACK_MS = 300;

function nftMissing(): boolean {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

/**
 * The bridge forwards no IP multicast except ICMPv6 (neighbour discovery must still work, as it
 * does on the networks that drop multicast); ARP is broadcast and passes.
 */
const DROP_MULTICAST = `
table bridge carptest {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr 224.0.0.0/4 counter drop
    ip6 daddr ff00::/8 meta l4proto != ipv6-icmp counter drop
  }
}`;

/** ICMP errors sent by a namespace's kernel: IPv4 destination unreachable, IPv6 parameter problem. */
async function icmpErrorsSent(lab: CarpLab, host: string, family: 4 | 6): Promise<number> {
  if (family === 4) {
    const { stdout } = await lab.net.exec(host, 'cat', ['/proc/net/snmp']);
    const [names, values] = stdout.split('\n').filter((line) => line.startsWith('Icmp:'));
    const index = (names ?? '').split(/\s+/).indexOf('OutDestUnreachs');
    return Number((values ?? '').split(/\s+/)[index]);
  }
  const { stdout } = await lab.net.exec(host, 'cat', ['/proc/net/snmp6']);
  const line = stdout.split('\n').find((l) => l.startsWith('Icmp6OutParmProblems'));
  return Number(line?.split(/\s+/)[1]);
}

for (const family of [4, 6] as const) {
  const address = (n: number): string => (family === 4 ? `${SUBNET4}.${n}` : `${SUBNET6}${n}`);
  const vip = family === 4 ? `${VIP4}/24` : `${VIP6}/64`;

  describe(`netns: carppeer over IPv${family} on a bridge that drops multicast`, function () {
    let lab: CarpLab;

    before(async function () {
      if (netnsUnavailableReason() !== null || nftMissing()) return this.skip();
      lab = await CarpLab.create(`peer${family}`);
      await lab.net.sh('lan', `nft -f - <<'EOF'\n${DROP_MULTICAST}\nEOF`);
      // Neighbour entries that expire in seconds, not in half a minute: the test below sees the
      // survivor's kernel give up resolving a peer that is gone, and try again.
      for (const host of ['h1', 'h2']) {
        const neigh = `net.ipv${family === 4 ? 4 : 6}.neigh.eth0`;
        await lab.net.exec(host, 'sysctl', ['-qw', `${neigh}.base_reachable_time_ms=1000`, `${neigh}.delay_first_probe_time=1`]);
      }
      await lab.startDaemon('h1');
      await lab.startDaemon('h2');
      await lab.configureCarp('h1', 'vhid 9 pass secret carpdev eth0 advskew 0', [vip]);
      await lab.configureCarp('h2', 'vhid 9 pass secret carpdev eth0 advskew 100', [vip]);
    });

    after(async () => {
      await lab?.cleanup();
    });

    it('without carppeer both hosts become MASTER: the advertisements to the group are dropped', async () => {
      await lab.waitState('h1', 'MASTER');
      await lab.waitState('h2', 'MASTER');
      const { stdout } = await lab.net.exec('lan', 'nft', ['list', 'chain', 'bridge', 'carptest', 'forward']);
      assert.match(stdout, /ip6? daddr (224\.0\.0\.0\/4|ff00::\/8) .*counter packets [1-9]/, 'the bridge dropped no advertisement');
    });

    it('with each carppeer pointing at the other host, exactly one MASTER is elected and stays', async () => {
      await lab.ctl('h1', 'carp0', 'carppeer', address(2));
      await lab.ctl('h2', 'carp0', 'carppeer', address(1));
      await lab.waitState('h2', 'BACKUP', 5000);
      await lab.holds('h1 MASTER, h2 BACKUP', async () => (await lab.state('h1')) === 'MASTER' && (await lab.state('h2')) === 'BACKUP', 3500);
      assert.deepEqual((await lab.status('h1')).carppeers, [address(2)]);
      assert.match(await lab.ctl('h2', 'carp0'), new RegExp(`carp: BACKUP carpdev eth0 vhid 9 advbase 1 advskew 100 carppeer ${address(1)}\\n`));
      // h1's first unicast advertisements may reach h2 before h2 names h1 its peer (badpeer).
      const stats = (await lab.status('h2')).nodes[0]?.stats;
      assert.ok((stats?.accepted ?? 0) > 0, JSON.stringify(stats));
    });

    it('the BACKUP does not answer the unicast advertisements with ICMP errors', async () => {
      const before = await icmpErrorsSent(lab, 'h2', family);
      await new Promise((done) => setTimeout(done, 3000));
      assert.equal(await icmpErrorsSent(lab, 'h2', family), before);
    });

    it('when the master loses its link, the client reaches the VIP through the backup within master-down + 0.3 s', async () => {
      const outage = await lab.cableCutOutage(family === 4 ? VIP4 : VIP6, BACKUP_MASTER_DOWN_MS);
      assert.ok(outage <= BACKUP_MASTER_DOWN_MS + SLACK_MS, `client outage ${outage} ms`);
    });

    it('the new MASTER, advertising to a peer that is gone, counts no send errors and is not demoted', async () => {
      await new Promise((done) => setTimeout(done, 6000));
      const { stdout } = await lab.net.exec('h2', 'ip', [`-${family}`, 'neigh', 'show', 'dev', 'eth0']);
      assert.match(stdout, new RegExp(`^${address(1)} .*(FAILED|INCOMPLETE)`, 'm'), 'h2 gave up resolving h1');
      const status = await lab.status('h2');
      assert.equal(status.nodes[0]?.stats.oerrors, 0, 'a peer that does not answer ARP / ND is not a send error');
      assert.equal(status.demote, 0);
      assert.ok((status.nodes[0]?.stats[family === 4 ? 'opackets' : 'opackets6'] ?? 0) > 3);
    });

    it('back on the LAN, the old master sees the new one and stays BACKUP (preempt off)', async () => {
      await lab.net.exec('lan', 'ip', ['link', 'set', 'p-h1', 'up']);
      await lab.waitState('h1', 'BACKUP');
      await lab.holds('h2 MASTER, h1 BACKUP', async () => (await lab.state('h2')) === 'MASTER' && (await lab.state('h1')) === 'BACKUP', 2500);
    });

    it('-carppeer goes back to the group: the hosts no longer hear each other and both become MASTER', async () => {
      await lab.ctl('h1', 'carp0', '-carppeer');
      await lab.ctl('h2', 'carp0', '-carppeer');
      assert.deepEqual((await lab.status('h1')).carppeers, []);
      await lab.waitState('h1', 'MASTER', BACKUP_MASTER_DOWN_MS + 2000);
      assert.equal(await lab.state('h2'), 'MASTER');
    });
  });
}
