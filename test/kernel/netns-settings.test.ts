/**
 * Kernel settings, KernelControl and policy routing against a real kernel. Each operation runs in a
 * network namespace through fixtures/kernel-ops.ts (netlink sockets and /proc/sys/net belong to the
 * namespace of the process); the tests check the outcome with `ip -json` and /proc.
 *
 * Topology: namespace `a` has eth0 (the carpdev) and carp0 (a veth standing in for the TAP: it has a
 * carrier and a MAC of its own), both bridged into `lan`; namespace `b` is a peer on the same LAN.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NetnsLab, netnsUnavailableReason } from '../helpers/netns';

type OpsResult =
  | { ok: true; result: unknown }
  | { ok: false; code: string; message: string; applied: unknown[] };

interface IpAddrInfo {
  local: string;
  prefixlen: number;
  tentative?: boolean;
  nodad?: boolean;
}

describe('kernel settings, control and policy routing in a network namespace', function () {
  this.timeout(30_000);
  let lab: NetnsLab | undefined;

  const sh = async (ns: string, script: string): Promise<string> => (await (lab as NetnsLab).sh(ns, script)).stdout;
  const ipJson = async <T>(ns: string, args: string): Promise<T> => JSON.parse(await sh(ns, `ip -json ${args}`)) as T;

  async function ops(...args: string[]): Promise<OpsResult> {
    const script = join(__dirname, 'fixtures', 'kernel-ops.js');
    const { stdout } = await (lab as NetnsLab).exec('a', process.execPath, [script, ...args]);
    return JSON.parse(stdout) as OpsResult;
  }

  async function succeeds(...args: string[]): Promise<unknown> {
    const outcome = await ops(...args);
    assert.ok(outcome.ok, `${args.join(' ')}: ${JSON.stringify(outcome)}`);
    return outcome.result;
  }

  async function fails(code: string, ...args: string[]): Promise<string> {
    const outcome = await ops(...args);
    assert.ok(!outcome.ok && outcome.code === code, `${args.join(' ')}: ${JSON.stringify(outcome)}`);
    return outcome.message;
  }

  async function addresses(ns: string, ifname: string): Promise<IpAddrInfo[]> {
    const [link] = await ipJson<{ addr_info: IpAddrInfo[] }[]>(ns, `addr show dev ${ifname}`);
    return link?.addr_info ?? [];
  }

  async function macOf(ns: string, ifname: string): Promise<string> {
    const [link] = await ipJson<{ address: string }[]>(ns, `link show dev ${ifname}`);
    return link?.address ?? '';
  }

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    lab = await NetnsLab.create('kset');
    await lab.addNamespace('lan');
    await lab.addNamespace('a');
    await lab.addNamespace('b');
    await lab.addBridge('lan');
    await lab.plug('a', 'eth0', 'lan');
    await lab.plug('b', 'eth0', 'lan');
    // carp0 is created down and configured before it first comes up, as the daemon does with its TAP.
    await sh('a', `ip link add carp0 type veth peer name carp0p && ip link set carp0p netns ${lab.ns('lan')}`);
    await sh('lan', 'ip link set carp0p master br0 && ip link set carp0p up');
    await sh('a', 'ip link add ctl0 type veth peer name ctl0p && ip link set ctl0p up');
    await sh('a', 'ip addr add 10.1.0.2/24 dev eth0');
    await sh('b', 'ip addr add 10.1.0.50/24 dev eth0');
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('sets arp_ignore=1, arp_announce=2 and drop_unicast_in_l2_multicast=1 on the carpdev, and reports nothing the second time', async () => {
    assert.deepEqual(await succeeds('carpdev', 'eth0'), [
      { name: 'net.ipv4.conf.eth0.arp_ignore', from: '0', to: '1' },
      { name: 'net.ipv4.conf.eth0.arp_announce', from: '0', to: '2' },
      { name: 'net.ipv4.conf.eth0.drop_unicast_in_l2_multicast', from: '0', to: '1' },
      { name: 'net.ipv6.conf.eth0.drop_unicast_in_l2_multicast', from: '0', to: '1' },
    ]);
    assert.deepEqual(await succeeds('carpdev', 'eth0'), []);
    assert.equal(await sh('a', 'cat /proc/sys/net/ipv4/conf/eth0/arp_ignore /proc/sys/net/ipv4/conf/eth0/arp_announce'), '1\n2\n');
  });

  it('handles an interface name with a dot the way sysctl(8) does', async () => {
    await sh('a', 'ip link add eth0.10 type veth peer name e10p');
    const changes = (await succeeds('carpdev', 'eth0.10')) as { name: string }[];
    assert.deepEqual(
      changes.map((c) => c.name),
      [
        'net.ipv4.conf.eth0/10.arp_ignore',
        'net.ipv4.conf.eth0/10.arp_announce',
        'net.ipv4.conf.eth0/10.drop_unicast_in_l2_multicast',
        'net.ipv6.conf.eth0/10.drop_unicast_in_l2_multicast',
      ],
    );
    assert.equal(await sh('a', 'cat /proc/sys/net/ipv4/conf/eth0.10/arp_ignore'), '1\n');
    assert.equal(await sh('a', 'sysctl -n net.ipv4.conf.eth0/10.arp_announce'), '2\n');
  });

  it('configures carpN so that it gets no link-local address, skips DAD and keeps its VIPs when down', async () => {
    assert.deepEqual(await succeeds('carp', 'carp0'), [
      { name: 'net.ipv6.conf.carp0.addr_gen_mode', from: '0', to: '1' },
      { name: 'net.ipv6.conf.carp0.accept_dad', from: '1', to: '0' },
      { name: 'net.ipv6.conf.carp0.keep_addr_on_down', from: '0', to: '1' },
      { name: 'net.ipv4.conf.carp0.ignore_routes_with_linkdown', from: '0', to: '1' },
      { name: 'net.ipv6.conf.carp0.ignore_routes_with_linkdown', from: '0', to: '1' },
    ]);
    assert.deepEqual(await succeeds('carp', 'carp0'), []);
    await succeeds('up', 'carp0');
    await sh('a', 'ip link set ctl0 up');
    // The kernel makes link-local addresses when the carrier event is processed, in order: once the
    // unconfigured ctl0 (up second) has one, carp0 would have had one too (bounded wait).
    await sh('a', 'for i in $(seq 50); do ip -6 addr show dev ctl0 | grep -q fe80:: && exit 0; sleep 0.1; done; exit 1');
    const [carp0] = await ipJson<{ flags: string[] }[]>('a', 'link show dev carp0');
    assert.ok(carp0?.flags.includes('UP') && carp0.flags.includes('LOWER_UP'));
    assert.deepEqual(await addresses('a', 'carp0'), [], 'carp0 made no link-local address');

    await succeeds('addr-add', 'carp0', '2001:db8:1::100/64');
    await succeeds('down', 'carp0');
    assert.deepEqual(
      (await addresses('a', 'carp0')).map((a) => `${a.local}/${a.prefixlen}`),
      ['2001:db8:1::100/64'],
      'kept while down',
    );
    await succeeds('up', 'carp0');
  });

  it('adds IPv6 addresses without DAD even where DAD is on, and removes addresses', async () => {
    await succeeds('addr-add', 'ctl0', '2001:db8:2::1/64');
    await succeeds('addr-add', 'ctl0', '10.2.0.1/24');
    const added = (await addresses('a', 'ctl0')).filter((a) => !a.local.startsWith('fe80::'));
    assert.deepEqual(
      added.map((a) => [a.local, a.prefixlen, a.nodad ?? false, a.tentative ?? false]),
      [
        ['10.2.0.1', 24, false, false],
        ['2001:db8:2::1', 64, true, false],
      ],
    );
    await succeeds('addr-del', 'ctl0', '2001:db8:2::1/64');
    await succeeds('addr-del', 'ctl0', '10.2.0.1/24');
    assert.ok((await addresses('a', 'ctl0')).every((a) => a.local.startsWith('fe80::')));
  });

  it('names the interface, the address and the errno when the kernel refuses', async () => {
    assert.match(await fails('ENODEV', 'addr-add', 'nope0', '10.3.0.1/24'), /^addAddress nope0 10\.3\.0\.1\/24: ENODEV/);
    assert.match(await fails('EEXIST', 'addr-add', 'carp0', '2001:db8:1::100/64'), /carp0 2001:db8:1::100\/64: EEXIST/);
    assert.match(await fails('EADDRNOTAVAIL', 'addr-del', 'carp0', '10.9.9.9/24'), /removeAddress carp0 10\.9\.9\.9\/24/);
    assert.match(await fails('ENODEV', 'up', 'nope0'), /setLinkUp nope0 up: ENODEV/);
    assert.match(await fails('EINVAL', 'up', 'bad/name'), /not an interface name/);
  });

  it('routes traffic from a VIP out through carpN, with its MAC, although the parent shares the subnet', async () => {
    await succeeds('carpdev', 'eth0'); // else eth0 answers ARP for the VIP too
    await sh('a', 'ip addr add 10.1.0.100/24 dev carp0');
    const routeGet = 'ip route get 10.1.0.50 from 10.1.0.100';
    assert.match(await sh('a', routeGet), /dev eth0 /, "without policy routing the parent's route, added first, wins");

    assert.deepEqual(await succeeds('reconcile', 'carp0', '10.1.0.100/24', '2001:db8:1::100/64'), [
      { action: 'added', command: 'ip -4 rule add from 10.1.0.100/32 lookup 4200 pref 4200' },
      { action: 'added', command: 'ip -6 rule add from 2001:db8:1::100/128 lookup 4200 pref 4200' },
      { action: 'added', command: 'ip -4 route add 10.1.0.0/24 dev carp0 table 4200 proto static scope link' },
      { action: 'added', command: 'ip -6 route add 2001:db8:1::/64 dev carp0 table 4200 proto static' },
    ]);
    assert.deepEqual(await succeeds('reconcile', 'carp0', '10.1.0.100/24', '2001:db8:1::100/64'), []);
    assert.match(await sh('a', routeGet), /dev carp0 table 4200 /);
    assert.match(await sh('a', 'ip -6 route get 2001:db8:1::50 from 2001:db8:1::100'), /dev carp0 table 4200 /);

    lab?.spawn('b', 'socat', ['-u', 'TCP-LISTEN:7000,reuseaddr,fork', 'OPEN:/dev/null,wronly']);
    // Connect as soon as the listener is there (bounded: 50 tries, 0.1 s apart).
    await sh(
      'a',
      'for i in $(seq 50); do socat -u OPEN:/dev/null TCP:10.1.0.50:7000,bind=10.1.0.100,connect-timeout=1 && exit 0; sleep 0.1; done; exit 1',
    );
    const [neighbour] = await ipJson<{ lladdr: string }[]>('b', 'neigh show 10.1.0.100 dev eth0');
    assert.equal(neighbour?.lladdr, await macOf('a', 'carp0'), 'the peer saw the VIP with the MAC of carp0');
    assert.notEqual(neighbour.lladdr, await macOf('a', 'eth0'));
  });

  it('removes the rule and route of a VIP that went away, and everything on cleanup', async () => {
    assert.deepEqual(await succeeds('reconcile', 'carp0', '2001:db8:1::100/64'), [
      { action: 'removed', command: 'ip -4 rule del from 10.1.0.100/32 lookup 4200 pref 4200' },
      { action: 'removed', command: 'ip -4 route del 10.1.0.0/24 dev carp0 table 4200' },
    ]);
    assert.deepEqual(await ipJson('a', '-4 rule show table 4200'), []);
    assert.deepEqual(await ipJson('a', '-4 route show table 4200'), []);
    assert.equal((await ipJson<unknown[]>('a', '-6 rule show table 4200')).length, 1);

    assert.equal(((await succeeds('cleanup', 'carp0')) as unknown[]).length, 2);
    assert.deepEqual(await ipJson('a', '-6 rule show table 4200'), []);
    assert.deepEqual(await ipJson('a', '-6 route show table 4200'), []);
    await fails('EINVAL', 'reconcile', 'eth0', '10.1.0.2/24');
  });

  it("reconciles several interfaces in one go, and a step that fails costs only its own interface's change", async () => {
    await sh('a', 'ip link add carp5 type veth peer name carp5p && ip link set carp5 up');
    await sh('a', 'ip route add blackhole 10.5.9.0/24 table 4205 proto static');
    const outcomes = (await succeeds('reconcile-all', 'carp5=10.5.0.1/24,2001:db8:5::1/64', 'carp7=10.7.0.1/24', 'eth0=10.1.0.2/24')) as Record<
      string,
      { changes: { command: string }[]; error: string | null }
    >;
    assert.deepEqual(
      outcomes.carp5?.changes.map((c) => c.command),
      [
        'ip -4 route del blackhole 10.5.9.0/24 table 4205',
        'ip -4 rule add from 10.5.0.1/32 lookup 4205 pref 4205',
        'ip -6 rule add from 2001:db8:5::1/128 lookup 4205 pref 4205',
        'ip -4 route add 10.5.0.0/24 dev carp5 table 4205 proto static scope link',
        'ip -6 route add 2001:db8:5::/64 dev carp5 table 4205 proto static',
      ],
    );
    assert.equal(outcomes.carp5?.error, null);
    // carp7 does not exist: its rule is added (a rule names no device), its route is refused.
    assert.deepEqual(outcomes.carp7?.changes.map((c) => c.command), ['ip -4 rule add from 10.7.0.1/32 lookup 4207 pref 4207']);
    assert.equal(outcomes.carp7?.error, 'ip -4 route add 10.7.0.0/24 dev carp7 table 4207 proto static scope link: Cannot find device "carp7"');
    assert.match(String(outcomes.eth0?.error), /carp0 \.\. carp9999/);
    assert.deepEqual(
      (await ipJson<{ dst: string; dev: string }[]>('a', '-4 route show table 4205')).map((r) => `${r.dst} ${r.dev}`),
      ['10.5.0.0/24 carp5'],
    );

    const cleaned = (await succeeds('reconcile-all', 'carp5=', 'carp7=')) as Record<string, { changes: unknown[]; error: string | null }>;
    assert.deepEqual([cleaned.carp5?.changes.length, cleaned.carp7?.changes.length], [4, 1]);
    assert.deepEqual(await ipJson('a', '-4 rule show table 4205'), []);
    assert.deepEqual(await ipJson('a', '-4 rule show table 4207'), []);
    assert.deepEqual(await ipJson('a', '-6 route show table 4205'), []);
  });
});
