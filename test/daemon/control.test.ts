import assert from 'node:assert/strict';
import { forgedAdvertisement, malformedIpFrame } from './hostile-frames';
import type { DaemonLab } from './lab';
import { PASS, pairLab } from './scenarios';

describe('carpd in-process: the control socket, counters and hostile input', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(true);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('shows an interface the way OpenBSD`s ifconfig does, never with its passphrase', async () => {
    const text = await lab.ok(1, 'carp0');
    assert.match(text, /^carp0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n\tlladdr 00:00:5e:00:01:01\n/);
    assert.match(text, /\tcarp: MASTER carpdev eth0 vhid 1 advbase 1 advskew 0\n/);
    assert.match(text, /\tinet 10\.77\.0\.50 netmask 0xffffff00 broadcast 10\.77\.0\.255\n/);
    assert.doesNotMatch(text + (await lab.ok(1, '-j', 'carp0')) + (await lab.ok(1)), new RegExp(PASS));
    assert.ok(lab.log(1).every((record) => !JSON.stringify(record).includes(PASS)), 'nor in the log');
  });

  it('refuses with the reason and changes nothing: unknown interface, a vhid taken on the carpdev, a forced state while INIT', async () => {
    const unknown = await lab.carpctl(1, 'carp7');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /carp7: no such interface \(create it with "carpctl carp7 create"\)/);
    await lab.ok(1, 'carp1', 'create');
    const taken = await lab.carpctl(1, 'carp1', 'vhid', '1', 'carpdev', 'eth0');
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /vhid 1/);
    const carp1 = await lab.show(1, 'carp1');
    assert.deepEqual([carp1.nodes.length, carp1.carpdev], [0, null], 'the refused command changed nothing');
    const forced = await lab.carpctl(1, 'carp1', 'state', 'master');
    assert.equal(forced.status, 1);
    assert.match(forced.stderr, /not running/);
  });

  it('forces a state on a running interface and applies sysctls and group demotion', async () => {
    await lab.ok(2, 'carp0', 'state', 'master');
    await lab.advance(10);
    assert.equal(lab.state(2), 'MASTER');
    await lab.until(() => lab.state(2) === 'BACKUP' || lab.state(1) === 'BACKUP', 2000);
    assert.equal(lab.state(1), 'MASTER', 'the better master wins again');
    assert.equal((await lab.ok(1, 'sysctl', 'net.inet.carp.preempt=1')).trim(), 'net.inet.carp.preempt: 0 -> 1');
    await lab.ok(1, '-g', 'carp', 'carpdemote', '2');
    assert.match(await lab.ok(1, '-g', 'carp'), /carp: carp demote count 2/);
    // A demoted master yields to a less demoted backup.
    await lab.until(() => lab.state(2) === 'MASTER' && lab.state(1) === 'BACKUP', 2000);
  });

  it('counts hostile and broken advertisements under their reasons, changing no state', async () => {
    await lab.ok(2, 'sysctl', 'net.inet.carp.log=6');
    const attacker = lab.world.addClient('attacker');
    const send = (frame: Buffer, times: number): void => {
      for (let i = 0; i < times; i++) attacker.endpoint.send(frame);
    };
    send(malformedIpFrame(attacker), 5);
    send(forgedAdvertisement(attacker, { badChecksum: true }), 4);
    send(forgedAdvertisement(attacker, { ttl: 64 }), 3);
    send(forgedAdvertisement(attacker, { advskew: 0 }), 7);
    send(forgedAdvertisement(attacker, { vhid: 99 }), 2);
    await lab.advance(5000);
    assert.equal(lab.state(1), 'MASTER');
    assert.equal(lab.state(2), 'BACKUP');
    const stats = await lab.ok(2, 'carp0', 'stats');
    assert.match(stats, /\t7 discarded: incorrect hash\n/);
    assert.match(stats, /\t3 discarded: ttl or hop limit is not 255\n/);
    assert.match(stats, /\t4 discarded: checksum failed\n/);
    assert.match(stats, /\t2 discarded: no running carp interface with this vhid on this carpdev\n/);
    assert.match(stats, /\t5 discarded: not a well-formed IP packet\n/);
    const warnings = lab.log(2).filter((r) => /incorrect hash/.test(r.msg));
    assert.equal(warnings.length, 1, 'bad-hash drops are logged once per interval, not per packet');
  });

  it('collects every counter of the daemon in one place', () => {
    const counters = lab.daemon(1).counters();
    assert.deepEqual(counters.interfaces.map((i) => i.name), ['carp0']);
    assert.ok((counters.interfaces[0]?.nodes[0]?.stats.opackets ?? 0) > 0);
    assert.deepEqual(counters.carpdevs.map((d) => d.name), ['eth0']);
    assert.ok((counters.carpdevs[0]?.dataPlane?.advertisements ?? 0) >= 0);
    assert.deepEqual(counters.kernel, { malformed: 0, ignored: 0, overruns: 0, resyncs: 0 });
  });

  it('shows them all with carpctl stats', async () => {
    const text = await lab.ok(1, 'stats');
    assert.match(text, /^carp0 vhid 1:\n/);
    assert.match(text, /\ncarp0 data plane:\n/);
    assert.match(text, /\ncarpdev eth0:\n\t\d+ packets received \(IPv4\)\n/);
    assert.match(text, /\t\d+ frames of IP protocol 112 received\n/);
    assert.match(text, /\nkernel mirror \(rtnetlink\):\n/);
  });
});
