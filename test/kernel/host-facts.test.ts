import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipv6Forwarding, isTapDevice } from '../../src/kernel/host-facts';

describe('kernel/host-facts', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'carp-host-facts-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('tells a TAP from a TUN and from a device that is neither, by tun_flags', async () => {
    for (const [name, flags] of [['carp0', '0x1002'], ['tun0', '0x1001']] as const) {
      await mkdir(join(root, 'net', name), { recursive: true });
      await writeFile(join(root, 'net', name, 'tun_flags'), `${flags}\n`);
    }
    await mkdir(join(root, 'net', 'eth0'), { recursive: true });
    assert.equal(await isTapDevice('carp0', join(root, 'net')), true);
    assert.equal(await isTapDevice('tun0', join(root, 'net')), false);
    assert.equal(await isTapDevice('eth0', join(root, 'net')), false);
    assert.equal(await isTapDevice('missing', join(root, 'net')), false);
  });

  it('reads IPv6 forwarding, counting an unreadable setting as off', async () => {
    const sys = join(root, 'sys');
    assert.equal(ipv6Forwarding(sys), false);
    await mkdir(join(sys, 'net', 'ipv6', 'conf', 'all'), { recursive: true });
    await writeFile(join(sys, 'net', 'ipv6', 'conf', 'all', 'forwarding'), '1\n');
    assert.equal(ipv6Forwarding(sys), true);
    await writeFile(join(sys, 'net', 'ipv6', 'conf', 'all', 'forwarding'), '0\n');
    assert.equal(ipv6Forwarding(sys), false);
  });
});
