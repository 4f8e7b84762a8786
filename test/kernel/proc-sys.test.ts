import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CARPDEV_SETTINGS,
  CARP_INTERFACE_SETTINGS,
  configureCarpInterface,
  configureCarpdev,
} from '../../src/kernel/carp-kernel-setup';
import { IncompleteChangeError, KernelError } from '../../src/kernel/errors';
import { Sysctl, sysctlComponents, sysctlName } from '../../src/kernel/proc-sys';

/** A stand-in for /proc/sys with net.<protocol>.conf.<ifname>.<key> files holding `value`. */
async function fakeProcSys(root: string, ifnames: string[], protocols: string[], value = '0'): Promise<void> {
  const keys = [...CARPDEV_SETTINGS, ...CARP_INTERFACE_SETTINGS];
  for (const ifname of ifnames) {
    for (const protocol of protocols) {
      const dir = join(root, 'net', protocol, 'conf', ifname);
      await mkdir(dir, { recursive: true });
      for (const key of new Set(keys.filter((s) => s.protocol === protocol).map((s) => s.key))) {
        await writeFile(join(dir, key), `${value}\n`);
      }
    }
  }
}

function isEinval(e: unknown): boolean {
  return e instanceof KernelError && e.code === 'EINVAL';
}

describe('kernel/proc-sys', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kernel-sysctl-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("names settings as sysctl(8) does, with '/' for a '.' inside an interface name", () => {
    assert.equal(sysctlName('net', 'ipv4', 'conf', 'eth0.10', 'arp_ignore'), 'net.ipv4.conf.eth0/10.arp_ignore');
    assert.deepEqual(sysctlComponents('net.ipv4.conf.eth0/10.arp_ignore'), ['net', 'ipv4', 'conf', 'eth0.10', 'arp_ignore']);
    assert.equal(new Sysctl('/proc/sys').path('net.ipv4.conf.eth0/10.arp_ignore'), '/proc/sys/net/ipv4/conf/eth0.10/arp_ignore');
  });

  it('refuses names that could leave /proc/sys or are empty', () => {
    for (const name of ['net..ipv4', 'net.ipv4.conf.//.arp_ignore', 'net.ipv4.conf.a b.x', '']) {
      assert.throws(() => new Sysctl(root).path(name), isEinval, name);
    }
    assert.throws(() => sysctlName('net', 'a/b'), isEinval);
  });

  it('writes only when the value differs and reports from -> to', async () => {
    await fakeProcSys(root, ['eth0.10'], ['ipv4']);
    const sysctl = new Sysctl(root);
    const name = 'net.ipv4.conf.eth0/10.arp_ignore';
    assert.deepEqual(await sysctl.write(name, 1), { name, from: '0', to: '1' });
    assert.equal(await readFile(join(root, 'net/ipv4/conf/eth0.10/arp_ignore'), 'utf8'), '1\n');
    assert.equal(await sysctl.write(name, '1'), null);
    assert.equal(await sysctl.read(name), '1');
  });

  it('compares multi-field values as the kernel prints them', async () => {
    await mkdir(join(root, 'net/ipv4'), { recursive: true });
    await writeFile(join(root, 'net/ipv4/tcp_rmem'), '4096\t131072\t6291456\n');
    assert.equal(await new Sysctl(root).write('net.ipv4.tcp_rmem', '4096 131072  6291456'), null);
  });

  it('fails with ENOENT naming the setting, and creates nothing, when it does not exist', async () => {
    const sysctl = new Sysctl(root);
    await assert.rejects(
      sysctl.write('net.ipv4.conf.eth9.arp_ignore', 1),
      (e: unknown) => e instanceof KernelError && e.code === 'ENOENT' && /net\.ipv4\.conf\.eth9\.arp_ignore.*no such setting/.test(e.message),
    );
    assert.equal(await sysctl.exists('net.ipv4.conf.eth9'), false);
    await assert.rejects(sysctl.write('net.ipv4.x', ' '), isEinval);
  });
});

describe('kernel/carp-kernel-setup (on a stand-in /proc/sys)', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kernel-setup-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('sets arp_ignore=1, arp_announce=2 and drop_unicast_in_l2_multicast=1 on the carpdev, once', async () => {
    await fakeProcSys(root, ['eth0'], ['ipv4', 'ipv6']);
    const sysctl = new Sysctl(root);
    assert.deepEqual(await configureCarpdev('eth0', sysctl), [
      { name: 'net.ipv4.conf.eth0.arp_ignore', from: '0', to: '1' },
      { name: 'net.ipv4.conf.eth0.arp_announce', from: '0', to: '2' },
      { name: 'net.ipv4.conf.eth0.drop_unicast_in_l2_multicast', from: '0', to: '1' },
      { name: 'net.ipv6.conf.eth0.drop_unicast_in_l2_multicast', from: '0', to: '1' },
    ]);
    assert.deepEqual(await configureCarpdev('eth0', sysctl), []);
  });

  it('sets addr_gen_mode, accept_dad, keep_addr_on_down and ignore_routes_with_linkdown on carpN, once', async () => {
    await fakeProcSys(root, ['carp0'], ['ipv4', 'ipv6'], '1');
    await writeFile(join(root, 'net/ipv6/conf/carp0/addr_gen_mode'), '0\n');
    await writeFile(join(root, 'net/ipv4/conf/carp0/ignore_routes_with_linkdown'), '0\n');
    const sysctl = new Sysctl(root);
    assert.deepEqual(await configureCarpInterface('carp0', sysctl), [
      { name: 'net.ipv6.conf.carp0.addr_gen_mode', from: '0', to: '1' },
      { name: 'net.ipv6.conf.carp0.accept_dad', from: '1', to: '0' },
      { name: 'net.ipv4.conf.carp0.ignore_routes_with_linkdown', from: '0', to: '1' },
    ]);
    assert.deepEqual(await configureCarpInterface('carp0', sysctl), []);
  });

  it('skips the IPv6 settings on a kernel without IPv6', async () => {
    await fakeProcSys(root, ['carp0'], ['ipv4']);
    assert.deepEqual(await configureCarpInterface('carp0', new Sysctl(root)), [
      { name: 'net.ipv4.conf.carp0.ignore_routes_with_linkdown', from: '0', to: '1' },
    ]);
  });

  it('reports what it changed before a failure, and refuses a bad interface name before touching anything', async () => {
    await fakeProcSys(root, ['eth0'], ['ipv4']);
    await rm(join(root, 'net/ipv4/conf/eth0/arp_announce'));
    const failure = await configureCarpdev('eth0', new Sysctl(root)).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof IncompleteChangeError && failure.code === 'ENOENT');
    assert.deepEqual(failure.applied, [{ name: 'net.ipv4.conf.eth0.arp_ignore', from: '0', to: '1' }]);
    await assert.rejects(configureCarpdev('../eth0', new Sysctl(root)), isEinval);
    await assert.rejects(configureCarpdev('averyveryverylongname', new Sysctl(root)), isEinval);
  });
});
