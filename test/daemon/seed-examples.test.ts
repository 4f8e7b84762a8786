/**
 * Every example of the texts this project started from, typed as they are written there with
 * `ifconfig` run as `carpctl` and `sysctl` as `carpctl sysctl`, on hosts of the simulated LAN
 * whose NICs are in the subnets the example assumes, and checked for the outcome the text
 * describes. The texts: Ryan McBride's announcement of CARP (misc@openbsd.org, 17 October 2003),
 * OpenBSD's carp(4) (with carpnodes), MirBSD's carp(4), FreeBSD's carp(4) and the CARP chapter of
 * the OpenBSD handbook (Joel Knight). Where an example cannot run as typed, a comment says why and
 * the closest meaningful form is tested.
 *
 * The hosts run the commands in turn, 100 ms apart, as an administrator would: on the simulated
 * LAN, hosts configured in the same instant with the same advskew would time out in the same
 * instant forever.
 */
import assert from 'node:assert/strict';
import type { CarpState } from '../../src/carp/types';
import { parseMac } from '../../src/wire/address';
import { answerLikeAHost } from '../fakes/carp-stack';
import type { Client, NicOptions } from '../fakes/world';
import { type Answer, probe } from './balancing-probe';
import { DaemonLab } from './lab';
import { pingVip } from './scenarios';

/** How long a BACKUP with advskew `advskew` waits for a silent master: 3 x advbase + advskew/256 s. */
const masterDown = (advskew: number): number => 3000 + (advskew * 1000) / 256;

/**
 * A command line of a text on host n: `ifconfig WORDS` as `carpctl WORDS`, `sysctl WORDS` as
 * `carpctl sysctl WORDS`; a backslash continues the line, as in the handbook. The command must
 * succeed; returns what carpctl printed, then lets the kernel's reports reach carpd.
 */
async function typed(lab: DaemonLab, n: number, line: string): Promise<string> {
  const [program, ...words] = line.replace(/\\\s*\n\s*/g, ' ').trim().split(/\s+/);
  const argv = program === 'ifconfig' ? words : program === 'sysctl' ? ['sysctl', ...words] : assert.fail(`not ifconfig or sysctl: ${line}`);
  const run = await lab.carpctl(n, ...argv);
  assert.equal(run.status, 0, `host${n}: ${line}: ${run.stderr}`);
  await lab.advance(1);
  return run.stdout + run.stderr;
}

/** Host n runs `lines` in order. */
async function typeAll(lab: DaemonLab, n: number, lines: readonly string[]): Promise<void> {
  for (const line of lines) await typed(lab, n, line);
}

/** The state of every interface and vhid on host n, as "carp0/1 MASTER". */
function states(lab: DaemonLab, n: number): string[] {
  return lab
    .daemon(n)
    .service.show(null)
    .flatMap((iface) => iface.nodes.map((node) => `${iface.name}/${node.vhid} ${node.state}`));
}

function allIn(lab: DaemonLab, n: number, state: CarpState): boolean {
  return states(lab, n).every((s) => s.endsWith(` ${state}`));
}

/** A lab of `hosts` hosts with `nics`, carpd running on each. */
async function labWith(hosts: number, nics: readonly NicOptions[], mode: 'hub' | 'switch' = 'hub'): Promise<DaemonLab> {
  const lab = await DaemonLab.create({ hosts, nics, mode });
  for (let n = 1; n <= hosts; n++) await lab.start(n);
  return lab;
}

const LAN_192_168_1 = { name: 'eth0', subnet: '192.168.1' };

describe('the examples of the seed texts, typed with carpctl', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  describe('the announcement (misc@openbsd.org, 17 October 2003)', () => {
    const BASIC = 'ifconfig carp0 vhid 1 192.168.1.10';

    beforeEach(async () => {
      lab = await labWith(3, [LAN_192_168_1]);
    });

    it('"ifconfig carp0 vhid 1 192.168.1.10" on all hosts: one becomes Master, the others Backup, and the address answers', async () => {
      for (const n of [1, 2, 3]) {
        assert.equal(await typed(lab, n, BASIC), '', 'nothing but the command: no create, no carpdev, no ip addr');
        answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
        await lab.advance(100);
      }
      await lab.until(() => [1, 2, 3].filter((n) => lab.state(n) === 'MASTER').length === 1, masterDown(0) + 1000);
      await lab.advance(500);
      assert.deepEqual([1, 2, 3].map((n) => lab.state(n)), ['MASTER', 'BACKUP', 'BACKUP']);
      assert.equal((await lab.show(2)).carpdev, 'eth0', 'the interface with the same subnet');
      assert.equal(await pingVip(lab, lab.world.addClient('client'), 1, '192.168.1.10'), '00:00:5e:00:01:01');
    });

    it('a Backup takes over when the Master stops advertising, after 3 times its advertisement interval, and answers ARP', async () => {
      for (const n of [1, 2]) {
        await typed(lab, n, BASIC);
        answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
        await lab.advance(100);
      }
      await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', masterDown(0) + 1000);
      await lab.crash(1);
      const crashed = lab.world.scheduler.clock.now();
      await lab.until(() => lab.state(2) === 'MASTER', masterDown(0) + 1000);
      assert.ok(lab.world.scheduler.clock.now() - crashed <= masterDown(0) + 1, 'within 3 x advbase');
      assert.equal(await pingVip(lab, lab.world.addClient('client'), 1, '192.168.1.10'), '00:00:5e:00:01:01');
    });

    it('"ifconfig carp0 advskew 100" makes this host advertise less often: the others are more likely to become Master', async () => {
      // Host 1 is configured first, yet host 2, advertising more often, times out first and wins.
      await typed(lab, 1, BASIC);
      await typed(lab, 1, 'ifconfig carp0 advskew 100');
      await lab.advance(200);
      await typed(lab, 2, BASIC);
      await lab.until(() => lab.state(2) === 'MASTER', masterDown(100) + 1000);
      await lab.advance(500);
      assert.deepEqual([lab.state(1), lab.state(2)], ['BACKUP', 'MASTER']);
      assert.match(await lab.ok(1, 'carp0'), /\tcarp: BACKUP carpdev eth0 vhid 1 advbase 1 advskew 100\n/);
    });
  });

  describe('OpenBSD carp(4)', () => {
    it('"ifconfig carp0 carpnodes 3:0,4:0,6:100": three carpnodes; node 6 becomes MASTER only when the others have failed', async () => {
      lab = await labWith(2, [LAN_192_168_1]);
      await typed(lab, 1, 'ifconfig carp0 carpnodes 3:0,4:0,6:100');
      // As typed, carp0 has neither an address nor a carpdev, so it stays INIT (carp(4)'s text is
      // about the carpnodes list only). With the address and the second host, configured
      // "identically, except for a different advskew", the nodes share out as the text says.
      assert.match(
        await lab.ok(1, 'carp0'),
        /\tcarp: carpdev none advbase 1 balancing ip\n\t\tstate INIT vhid 3 advskew 0\n\t\tstate INIT vhid 4 advskew 0\n\t\tstate INIT vhid 6 advskew 100\n/,
      );
      await typed(lab, 1, 'ifconfig carp0 192.168.1.10');
      await lab.advance(100);
      await typed(lab, 2, 'ifconfig carp0 carpnodes 3:100,4:100,6:0 192.168.1.10');
      await lab.until(() => lab.state(1, 'carp0', 3) === 'MASTER' && lab.state(2, 'carp0', 6) === 'MASTER', masterDown(100) + 1000);
      await lab.advance(500);
      assert.deepEqual(states(lab, 1), ['carp0/3 MASTER', 'carp0/4 MASTER', 'carp0/6 BACKUP']);
      await lab.crash(1);
      await lab.until(() => allIn(lab, 2, 'MASTER'), masterDown(100) + 1000);
      assert.deepEqual(states(lab, 2), ['carp0/3 MASTER', 'carp0/4 MASTER', 'carp0/6 MASTER']);
    });

    describe('EXAMPLES: preempt fails over all carp interfaces together', () => {
      // "192.168.1.x/24 is configured on one physical interface and 192.168.2.y/24 on another":
      // the hosts are .11 and .12 there, since the shared addresses are .1.
      const NICS = [
        { name: 'eth0', subnet: '192.168.1', firstHost: 11 },
        { name: 'eth1', subnet: '192.168.2', firstHost: 11 },
      ];

      beforeEach(async () => {
        lab = await labWith(2, NICS);
        for (const n of [1, 2]) await typed(lab, n, 'sysctl net.inet.carp.preempt=1');
        await typeAll(lab, 1, ['ifconfig carp0 192.168.1.1 vhid 1', 'ifconfig carp1 192.168.2.1 vhid 2']);
        await lab.advance(100);
        await typeAll(lab, 2, ['ifconfig carp0 192.168.1.1 vhid 1 advskew 100', 'ifconfig carp1 192.168.2.1 vhid 2 advskew 100']);
        await lab.until(() => allIn(lab, 1, 'MASTER') && allIn(lab, 2, 'BACKUP'), masterDown(100) + 1000);
      });

      it('attaches each carp interface to the physical interface of its subnet', async () => {
        assert.deepEqual([(await lab.show(1, 'carp0')).carpdev, (await lab.show(1, 'carp1')).carpdev], ['eth0', 'eth1']);
      });

      it('when one physical interface of host A fails, advskew goes to 240 on all its carp interfaces and host B preempts on both', async () => {
        lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
        await lab.until(() => allIn(lab, 2, 'MASTER'), masterDown(100) + 1000);
        assert.deepEqual(states(lab, 1), ['carp0/1 INIT', 'carp1/2 BACKUP'], 'carp1 yielded though eth1 is fine');
        assert.equal((await lab.show(1, 'carp1')).nodes[0]?.effectiveAdvskew, 240);
        lab.world.host(1).kernel.setLinkState('eth0', { carrier: true });
        await lab.until(() => allIn(lab, 1, 'MASTER') && allIn(lab, 2, 'BACKUP'), masterDown(0) + 1000);
      });
    });

    describe('LOAD BALANCING: two hosts share 192.168.1.10', () => {
      beforeEach(async () => {
        lab = await labWith(2, [LAN_192_168_1], 'switch');
        await typed(lab, 1, 'ifconfig carp0 192.168.1.10 carpnodes 1:0,2:100 balancing ip');
        await lab.advance(100);
        await typed(lab, 2, 'ifconfig carp0 192.168.1.10 carpnodes 1:100,2:0 balancing ip');
        for (const n of [1, 2]) answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
        await lab.until(() => lab.state(1, 'carp0', 1) === 'MASTER' && lab.state(2, 'carp0', 2) === 'MASTER', masterDown(100) + 1000);
        await lab.advance(100);
      });

      /** Which host's carpdev answered each of `clients`, by the source MAC of the echo reply. */
      async function answering(clients: readonly Client[], first: number, mac: Buffer | null): Promise<string[]> {
        const answers: Answer[] = [];
        for (const [i, client] of clients.entries()) answers.push(await probe(lab, client, first + i, mac, 200, '192.168.1.10'));
        return answers.map((a) => {
          assert.equal(a.repliesFrom.length, 1, `one reply each, not ${a.repliesFrom.join(', ')}`);
          return a.repliesFrom[0] as string;
        });
      }

      it('answers ARP with the multicast MAC and shares the connections between the hosts, each MASTER of one carpnode', async () => {
        const clients = Array.from({ length: 8 }, (_, i) => lab.world.addClient(`client${i + 1}`));
        assert.equal((await probe(lab, clients[0] as Client, 1, null, 200, '192.168.1.10')).resolvedTo, '01:00:5e:00:01:01');
        const hosts = await answering(clients, 10, parseMac('01:00:5e:00:01:01'));
        assert.deepEqual(['02:00:00:00:00:01', '02:00:00:00:00:02'].map((mac) => hosts.filter((h) => h === mac).length), [4, 4]);
      });

      it('fails over: the other host answers every connection when one fails', async () => {
        const clients = Array.from({ length: 4 }, (_, i) => lab.world.addClient(`client${i + 1}`));
        await lab.crash(1);
        await lab.until(() => lab.state(2, 'carp0', 1) === 'MASTER', masterDown(100) + 1000);
        assert.deepEqual(await answering(clients, 20, parseMac('01:00:5e:00:01:01')), clients.map(() => '02:00:00:00:00:02'));
      });
    });
  });

  describe('MirBSD carp(4): ARP balancing', () => {
    it('runs its commands as typed, without carpdev, and each host becomes master of its own vhid', async () => {
      lab = await labWith(2, [{ name: 'eth0', subnet: '10.77.0' }]);
      await typeAll(lab, 1, [
        'ifconfig carp0 create',
        'ifconfig carp0 vhid 1 pass mekmitasdigoat',
        'ifconfig carp1 create',
        'ifconfig carp1 vhid 2 advskew 100 pass mekmitasdigoat',
      ]);
      await typeAll(lab, 2, [
        'ifconfig carp0 create',
        'ifconfig carp0 vhid 1 advskew 100 pass mekmitasdigoat',
        'ifconfig carp1 create',
        'ifconfig carp1 vhid 2 pass mekmitasdigoat',
      ]);
      for (const n of [1, 2]) await typed(lab, n, 'sysctl net.inet.carp.arpbalance=1');
      // The text leaves the shared address out ("balancing and failover for the IP address").
      // Given to both interfaces, it makes each choose eth0 by subnet, and the hosts elect.
      for (const n of [1, 2]) await typeAll(lab, n, ['ifconfig carp0 10.77.0.50/24', 'ifconfig carp1 10.77.0.50/24']);
      await lab.until(() => lab.state(1, 'carp0') === 'MASTER' && lab.state(2, 'carp1') === 'MASTER', masterDown(100) + 1000);
      await lab.advance(500);
      assert.deepEqual([states(lab, 1), states(lab, 2)], [
        ['carp0/1 MASTER', 'carp1/2 BACKUP'],
        ['carp0/1 BACKUP', 'carp1/2 MASTER'],
      ]);
      assert.deepEqual([(await lab.show(2, 'carp0')).carpdev, (await lab.show(2, 'carp1')).carpdev], ['eth0', 'eth0']);
      // Which host answers which client's ARP request is tested in legacy-arpbalance.test.ts.
    });
  });

  describe('FreeBSD carp(4): preempt fails over all vhids together', () => {
    // FreeBSD puts vhids on the parent (`ifconfig em0 vhid 1 ... 192.168.1.1/24`); here a vhid
    // lives on a carp interface, so each line is typed with carpN for the parent's name, and
    // carpN finds em0 or em1 by subnet. The devd(8) and tcpdump -T carp examples are not
    // ifconfig or sysctl: carpd logs every transition, and tcpdump -T carp reads its
    // advertisements in test/netns/decoders.test.ts.
    beforeEach(async () => {
      lab = await labWith(2, [
        { name: 'em0', subnet: '192.168.1', firstHost: 11 },
        { name: 'em1', subnet: '192.168.2', firstHost: 11 },
      ]);
      for (const n of [1, 2]) await typed(lab, n, 'sysctl net.inet.carp.preempt=1');
      await typeAll(lab, 1, [
        'ifconfig carp0 vhid 1 advskew 100 pass mekmitasdigoat 192.168.1.1/24',
        'ifconfig carp1 vhid 2 advskew 100 pass mekmitasdigoat 192.168.2.1/24',
      ]);
      await lab.advance(100);
      await typeAll(lab, 2, [
        'ifconfig carp0 vhid 1 advskew 200 pass mekmitasdigoat 192.168.1.1/24',
        'ifconfig carp1 vhid 2 advskew 200 pass mekmitasdigoat 192.168.2.1/24',
      ]);
      await lab.until(() => allIn(lab, 1, 'MASTER') && allIn(lab, 2, 'BACKUP'), masterDown(200) + 1000);
    });

    it('when em0 of host A fails, its advskew is demoted on all its vhids and host B preempts on both interfaces', async () => {
      assert.deepEqual([(await lab.show(1, 'carp0')).carpdev, (await lab.show(1, 'carp1')).carpdev], ['em0', 'em1']);
      lab.world.host(1).kernel.setLinkState('em0', { carrier: false });
      await lab.until(() => allIn(lab, 2, 'MASTER'), masterDown(200) + 1000);
      assert.deepEqual(states(lab, 1), ['carp0/1 INIT', 'carp1/2 BACKUP']);
      assert.equal((await lab.show(1, 'carp1')).nodes[0]?.effectiveAdvskew, 240, 'net.inet.carp.ifdown_demotion_factor');
      lab.world.host(1).kernel.setLinkState('em0', { carrier: true });
      await lab.until(() => allIn(lab, 1, 'MASTER') && allIn(lab, 2, 'BACKUP'), masterDown(100) + 1000);
    });
  });

  describe('the OpenBSD handbook, chapter 28', () => {
    describe('28.4 and 28.6: a backup on em0, forced out of MASTER with ifconfig carp0 down', () => {
      const EXAMPLE = ['sysctl -w net.inet.carp.allow=1', 'ifconfig carp0 create', 'ifconfig carp0 vhid 1 pass lanpasswd \\\n     carpdev em0 advskew 100'];
      // "The shared IP assigned to this group is" [left out]: 172.16.0.100/24 here, as the
      // status shown has netmask 0xffffff00.
      const ADDRESS = 'ifconfig carp0 172.16.0.100 netmask 255.255.255.0';

      beforeEach(async () => {
        lab = await labWith(2, [{ name: 'em0', subnet: '172.16.0' }]);
        // "assuming of course that the master is set up with an advskew less than 100": host 1.
        await typeAll(lab, 1, ['ifconfig carp0 create', 'ifconfig carp0 vhid 1 pass lanpasswd carpdev em0', ADDRESS]);
        await lab.advance(100);
      });

      it('runs as typed; with the address, the host is BACKUP and shows the status of the text', async () => {
        assert.equal(await typed(lab, 2, EXAMPLE[0] ?? ''), 'net.inet.carp.allow: 1 -> 1\n', 'the default already');
        await typeAll(lab, 2, EXAMPLE.slice(1));
        assert.match(await lab.ok(2, 'carp0'), /\tcarp: INIT carpdev em0 vhid 1 advbase 1 advskew 100\n/, 'no address yet');
        await typed(lab, 2, ADDRESS);
        await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', masterDown(100) + 1000);
        // The text shows flags=8802 (no RUNNING); carpctl(8) sets RUNNING while a vhid is not INIT.
        const shown = await typed(lab, 2, 'ifconfig carp0');
        assert.match(shown, /\tcarp: BACKUP carpdev em0 vhid 1 advbase 1 advskew 100\n/);
        assert.match(shown, /\tinet 172\.16\.0\.100 netmask 0xffffff00 broadcast 172\.16\.0\.255\n/);
      });

      it('28.6: "ifconfig carp0 down" on the master makes the backup take over at once', async () => {
        await typeAll(lab, 2, [...EXAMPLE, ADDRESS]);
        await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', masterDown(100) + 1000);
        await lab.advance(500);
        const before = lab.world.scheduler.clock.now();
        await typed(lab, 1, 'ifconfig carp0 down');
        await lab.until(() => lab.state(2) === 'MASTER', 100);
        assert.ok(lab.world.scheduler.clock.now() - before < 100, 'on the bow-out, long before the master-down interval');
        assert.equal(lab.state(1), 'INIT');
      });
    });

    describe('28.5: two firewalls, LAN on em0 and WAN on em1, fw1 preferred', () => {
      // The shared addresses are left out of the text (each line ends in a backslash): LAN
      // 172.16.0.100/24 and WAN 192.0.2.100/24 here.
      const LAN = '     172.16.0.100 netmask 255.255.255.0';
      const WAN = '     192.0.2.100 netmask 255.255.255.0';
      const fw = (skew: string): string[] => [
        'sysctl -w net.inet.carp.preempt=1',
        'ifconfig carp0 create',
        `ifconfig carp0 vhid 1 pass lanpasswd carpdev em0 \\\n${skew}${LAN}`,
        'ifconfig carp1 create',
        `ifconfig carp1 vhid 2 pass wanpasswd carpdev em1 \\\n${skew}${WAN}`,
      ];

      beforeEach(async () => {
        lab = await labWith(2, [
          { name: 'em0', subnet: '172.16.0' },
          { name: 'em1', subnet: '192.0.2' },
        ]);
        await typeAll(lab, 1, fw(''));
        await lab.advance(100);
        await typeAll(lab, 2, fw('     advskew 128\n'));
        for (const n of [1, 2]) answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
        await lab.until(() => allIn(lab, 1, 'MASTER') && allIn(lab, 2, 'BACKUP'), masterDown(128) + 1000);
      });

      it('fw1 is master of both; when its WAN link fails, fw2 takes over both, and fw1 takes them back', async () => {
        assert.match(await lab.ok(2, 'carp1'), /\tcarp: BACKUP carpdev em1 vhid 2 advbase 1 advskew 128\n/);
        const client = lab.world.addClient('lan-client');
        assert.equal(await pingVip(lab, client, 1, '172.16.0.100'), '00:00:5e:00:01:01');
        lab.world.host(1).kernel.setLinkState('em1', { carrier: false });
        await lab.until(() => allIn(lab, 2, 'MASTER'), masterDown(128) + 1000);
        assert.deepEqual(states(lab, 1), ['carp0/1 BACKUP', 'carp1/2 INIT'], 'the LAN side followed the WAN side');
        assert.equal(await pingVip(lab, client, 2, '172.16.0.100'), '00:00:5e:00:01:01', 'answered by fw2 now');
        lab.world.host(1).kernel.setLinkState('em1', { carrier: true });
        await lab.until(() => allIn(lab, 1, 'MASTER') && allIn(lab, 2, 'BACKUP'), masterDown(0) + 1000);
      });
    });
  });
});
