/**
 * The kernel mirror against a real kernel: a probe (fixtures/mirror-probe.ts) runs the mirror inside
 * a network namespace and prints its events; the tests change links and addresses with `ip` and
 * compare what the mirror reports with what `ip -json` shows.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { NetnsLab, netnsUnavailableReason } from '../helpers/netns';
import { JsonLines, type LinkLine, type ProbeLine, type StateLine } from './fixtures/probe-protocol';

interface IpLink {
  ifindex: number;
  ifname: string;
  address?: string;
  link_type: string;
  flags: string[];
  mtu: number;
}

interface IpAddr {
  ifindex: number;
  addr_info: { local: string; prefixlen: number }[];
}

type Line = ProbeLine;
const isLinkEvent = (kind: string, name: string) => (l: Line) =>
  (l.kind === 'link-changed' || l.kind === 'link-removed') && l.kind === kind && l.link.name === name;

describe('kernel/netlink-mirror in a network namespace', function () {
  this.timeout(30_000);
  let lab: NetnsLab | undefined;
  let probe: ChildProcess;
  let lines: JsonLines<Line>;
  let ready: StateLine;

  const sh = async (script: string): Promise<string> => (await (lab as NetnsLab).sh('m', script)).stdout;
  const ipJson = async <T>(args: string): Promise<T> => JSON.parse(await sh(`ip -json ${args}`)) as T;

  /** Every address of every link, in `ip addr` order. */
  async function kernelAddresses(): Promise<Record<string, string[]>> {
    const links = await ipJson<IpAddr[]>('addr show');
    return Object.fromEntries(links.map((l) => [String(l.ifindex), l.addr_info.map((a) => `${a.local}/${a.prefixlen}`)]));
  }

  async function kernelLinks(): Promise<LinkLine[]> {
    const links = await ipJson<IpLink[]>('link show');
    return links.map((l) => ({
      index: l.ifindex,
      name: l.ifname,
      mac: l.link_type === 'ether' ? (l.address ?? null) : null,
      adminUp: l.flags.includes('UP'),
      lowerUp: l.flags.includes('LOWER_UP'),
      mtu: l.mtu,
    }));
  }

  async function snapshot(): Promise<StateLine> {
    probe.kill('SIGUSR2');
    const { line } = await lines.until((l) => l.kind === 'snapshot');
    return line as StateLine;
  }

  /** Makes a change no other step makes and waits for its event: everything before it has arrived. */
  async function barrier(ifname: string, mtu: number): Promise<Line[]> {
    await sh(`ip link set ${ifname} mtu ${mtu}`);
    const { skipped } = await lines.until((l) => l.kind === 'link-changed' && l.link.name === ifname && l.link.mtu === mtu);
    return skipped;
  }

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    lab = await NetnsLab.create('kmir');
    await lab.addNamespace('m');
    await sh(
      [
        'ip link add v0 type veth peer name v0p',
        'ip link set v0p up && ip link set v0 up',
        'ip addr add 10.20.0.1/24 dev v0 && ip addr add 10.20.0.2/24 dev v0',
        'ip addr add 2001:db8:20::1/64 dev v0 nodad',
        // The link-local address comes with the carrier event; wait for it (bounded) so the dump has it.
        'for i in $(seq 50); do ip -6 addr show dev v0 | grep -q fe80:: && break; sleep 0.1; done',
      ].join(' && '),
    );
    probe = lab.spawn('m', process.execPath, [join(__dirname, 'fixtures', 'mirror-probe.js')]);
    lines = new JsonLines<Line>(probe.stdout as NonNullable<typeof probe.stdout>);
    const { line } = await lines.until((l) => l.kind === 'ready' || l.kind === 'error');
    assert.equal(line.kind, 'ready', JSON.stringify(line));
    ready = line;
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('dumps the existing links and addresses (IPv4 and IPv6, with prefix lengths) at start', async () => {
    assert.deepEqual(ready.links, await kernelLinks());
    const v0 = ready.links.find((l) => l.name === 'v0');
    assert.ok(v0 && v0.mac !== null && v0.adminUp && v0.lowerUp && v0.mtu === 1500);
    assert.equal(ready.links.find((l) => l.name === 'lo')?.mac, null);
    const v0Addresses = ready.addresses[v0.index] ?? [];
    assert.deepEqual(v0Addresses.slice(0, 3), ['10.20.0.1/24', '10.20.0.2/24', '2001:db8:20::1/64']);
    assert.ok(v0Addresses.some((a) => a.startsWith('fe80::') && a.endsWith('/64')), 'the link-local address');
    assert.deepEqual(ready.addresses['1'], ['127.0.0.1/8', '::1/128']);
    assert.deepEqual(ready.addresses, await kernelAddresses());
  });

  it('reports a new TAP, `ip addr add` and `ip addr del` on it with its ifindex and prefix', async () => {
    await sh('ip tuntap add dev tp0 mode tap');
    const { line } = await lines.until(isLinkEvent('link-changed', 'tp0'));
    assert.ok(line.kind === 'link-changed' && !line.link.adminUp && !line.link.lowerUp);
    const ifindex = line.link.index;
    assert.equal((await ipJson<IpLink[]>('link show dev tp0'))[0]?.ifindex, ifindex);
    await sh('ip addr add 10.30.0.1/24 dev tp0');
    assert.deepEqual(await lines.next(), { kind: 'address-added', ifindex, prefix: '10.30.0.1/24' });
    await sh('ip -6 addr add 2001:db8:30::1/64 dev tp0');
    assert.deepEqual(await lines.next(), { kind: 'address-added', ifindex, prefix: '2001:db8:30::1/64' });
    await sh('ip addr del 10.30.0.1/24 dev tp0');
    assert.deepEqual(await lines.next(), { kind: 'address-removed', ifindex, prefix: '10.30.0.1/24' });
    await sh('ip -6 addr del 2001:db8:30::1/64 dev tp0');
    assert.deepEqual(await lines.next(), { kind: 'address-removed', ifindex, prefix: '2001:db8:30::1/64' });
  });

  it('reports `ip link set X down` and `up` as adminUp, and carrier loss on a veth as lowerUp', async () => {
    await sh('ip link add w0 type veth peer name w0p && ip link set w0p up && ip link set w0 up');
    await barrier('w0', 1450);
    await sh('ip link set w0 down');
    let { line } = await lines.until(isLinkEvent('link-changed', 'w0'));
    assert.ok(line.kind === 'link-changed' && !line.link.adminUp && !line.link.lowerUp);
    await sh('ip link set w0 up');
    ({ line } = await lines.until((l) => isLinkEvent('link-changed', 'w0')(l) && l.kind === 'link-changed' && l.link.lowerUp));
    assert.ok(line.kind === 'link-changed' && line.link.adminUp);
    await sh('ip link set w0p down');
    ({ line } = await lines.until(isLinkEvent('link-changed', 'w0')));
    assert.ok(line.kind === 'link-changed' && line.link.adminUp && !line.link.lowerUp, JSON.stringify(line));
    await sh('ip link set w0p up');
    ({ line } = await lines.until(isLinkEvent('link-changed', 'w0')));
    assert.ok(line.kind === 'link-changed' && line.link.adminUp && line.link.lowerUp);
  });

  it('says nothing for changes that change nothing it reports', async () => {
    await barrier('w0', 1440);
    // Up when already up; an address replaced by itself (the kernel re-announces it); a change of a
    // flag LinkInfo does not carry.
    await sh('ip link set w0 up && ip addr replace 10.20.0.1/24 dev v0 && ip link set w0 promisc on');
    await sh('ip link set w0 mtu 1400');
    const next = await lines.next();
    assert.ok(next.kind === 'link-changed' && next.link.name === 'w0' && next.link.mtu === 1400, JSON.stringify(next));
  });

  it('does not take a port leaving a bridge (an AF_BRIDGE DELLINK) for a removed link', async () => {
    await sh('ip link add br9 type bridge && ip link set w0 master br9 && ip link set w0 nomaster');
    const skipped = await barrier('w0', 1300);
    assert.ok(!skipped.some((l) => l.kind === 'link-removed' && l.link.name === 'w0'), JSON.stringify(skipped));
    const w0 = (await snapshot()).links.find((l) => l.name === 'w0');
    assert.ok(w0?.adminUp);
  });

  it('reports a renamed link under its new name, and a deleted one as removed', async () => {
    await sh('ip link set w0 down && ip link set w0 name w0x');
    const { line } = await lines.until(isLinkEvent('link-changed', 'w0x'));
    assert.ok(line.kind === 'link-changed');
    const index = line.link.index;
    await sh('ip link del w0x');
    const removed = await lines.until((l) => l.kind === 'link-removed' && l.link.index === index);
    assert.equal(removed.line.kind, 'link-removed');
    const state = await snapshot();
    assert.ok(!state.links.some((l) => l.index === index || l.name === 'w0p'));
    assert.equal(state.addresses[index], undefined);
  });

  it('keeps every link and address in the kernel order (`ip addr`) through a mixed sequence', async () => {
    await sh(
      [
        'echo 1 > /proc/sys/net/ipv4/conf/v0/promote_secondaries',
        'ip addr add 10.1.0.1/24 dev v0',
        'ip addr add 10.1.0.2/24 dev v0',
        'ip addr add 10.2.0.1/24 dev v0 scope link',
        'ip addr add 10.3.0.1/24 dev v0 scope host',
        'ip addr add 10.4.0.1/24 dev v0',
        'ip addr add 10.20.0.3/24 dev v0',
        'ip addr del 10.1.0.1/24 dev v0', // promotes 10.1.0.2
        'ip addr del 10.20.0.1/24 dev v0', // promotes 10.20.0.2
        'ip addr add 2001:db8:20::2/64 dev v0 nodad',
        'ip addr add fec0::1/64 dev v0 nodad',
        'ip addr add 2001:db8:20::3/64 dev v0 nodad',
        'ip -6 addr del 2001:db8:20::2/64 dev v0',
      ].join(' && '),
    );
    await barrier('v0', 1400);
    const state = await snapshot();
    assert.deepEqual(state.addresses, await kernelAddresses());
    assert.deepEqual(state.links, await kernelLinks());
  });
});
