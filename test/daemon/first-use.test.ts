import assert from 'node:assert/strict';
import { errnoError } from '../../src/kernel/errors';
import { answerLikeAHost } from '../fakes/carp-stack';
import { errnoNumber } from '../fakes/errno';
import { DaemonLab } from './lab';
import { PASS, ipAddr, logged, pingVip } from './scenarios';

/** The announcement's `ifconfig carp0 vhid 1 192.168.1.10`, on this LAN's subnet. */
const SHORT = ['carp0', 'vhid', '1', '10.77.0.50'];

describe('carpd in-process: carpctl carpN SETTINGS creates carpN, and the carpdev is chosen by subnet', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 2 });
    await lab.start(1);
    await lab.start(2);
  });

  afterEach(async () => {
    await lab.close();
  });

  describe('create on first configuration', () => {
    it('creates a carpN that does not exist, as ifconfig clones one on first use, and elects a master', async () => {
      for (const n of [1, 2]) {
        assert.deepEqual(await lab.carpctl(n, ...SHORT), { status: 0, stdout: '', stderr: '' });
        answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
        await lab.advance(100);
      }
      assert.deepEqual(ipAddr(lab, 1), ['10.77.0.50/32'], 'a host address, as ip addr add 10.77.0.50 makes it');
      await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
      assert.match(await lab.ok(1, 'carp0'), /\tcarp: MASTER carpdev eth0 vhid 1 advbase 1 advskew 0\n/);
      assert.equal(await pingVip(lab, lab.world.addClient('client')), '00:00:5e:00:01:01');
    });

    it('creates nothing when a setting is refused: neither device nor address', async () => {
      await lab.ok(1, 'carp0', 'vhid', '1', 'carpdev', 'eth0');
      const refusals = [
        ['carp1', 'vhid', '1', '10.77.0.51', 'carpdev', 'eth0'],
        ['carp1', 'vhid', '1', '10.77.0.51'],
        ['carp1', 'advskew', '5', '10.77.0.51'],
        ['carp1', 'state', 'master'],
        ['carp1', 'carpdev', 'nosuch0', '10.77.0.51'],
        ['carp1', '-alias', '10.77.0.51'],
      ];
      for (const argv of refusals) {
        const run = await lab.carpctl(1, ...argv);
        assert.equal(run.status, 1, argv.join(' '));
        await lab.advance(10);
        assert.equal(lab.world.host(1).kernel.link('carp1'), undefined, `${argv.join(' ')}: ${run.stderr}`);
      }
      assert.deepEqual(lab.daemon(1).service.names(), ['carp0']);
      assert.match((await lab.carpctl(1, 'carp1', 'vhid', '1', '10.77.0.51')).stderr, /^carpctl: vhid 1 is in use on carp0 \(carpdev eth0\)\n$/, 'checked with the carpdev its subnet gives');
    });

    it('keeps a carpN created again right after a refused creation removed the first device', async () => {
      assert.equal((await lab.carpctl(1, 'carp0', 'vhid', '1', 'carpdev', 'nosuch0')).status, 1);
      await lab.ok(1, ...SHORT);
      await lab.advance(100);
      assert.deepEqual(lab.daemon(1).service.names(), ['carp0'], 'the late report of the first device`s removal is not about this one');
      assert.ok(!logged(lab, 1).some((m) => m.includes('deleted outside carpd')));
    });

    it('still refuses create of an interface that exists', async () => {
      await lab.ok(1, ...SHORT);
      assert.equal((await lab.carpctl(1, 'carp0', 'create')).stderr, 'carpctl: carp0 already exists\n');
    });
  });

  describe('carpdev by subnet', () => {
    it('chooses the interface in the subnet, says so in the status and the log, and answers ping', async () => {
      await lab.ok(1, ...SHORT);
      await lab.advance(1);
      assert.equal((await lab.show(1)).carpdev, 'eth0');
      assert.ok(logged(lab, 1).includes('carp0: carpdev eth0 chosen: it has 10.77.0.1/24, whose subnet holds 10.77.0.50/32'), logged(lab, 1).join('\n'));
    });

    it('chooses when the address arrives later through ip addr, and when another interface gets the subnet', async () => {
      await lab.ok(1, 'carp0', 'vhid', '1', 'pass', PASS);
      lab.world.host(1).kernel.ipAddrAdd('carp0', '10.77.0.50/24');
      await lab.advance(1);
      assert.equal((await lab.show(1)).carpdev, 'eth0');
      await lab.ok(1, 'carp1', 'vhid', '2', '192.0.2.50');
      await lab.advance(1);
      assert.equal((await lab.show(1, 'carp1')).carpdev, null);
      assert.ok(logged(lab, 1).includes('carp1: no carpdev chosen: no interface has an address whose subnet holds 192.0.2.50/32; carp1 stays INIT until one has, or carpdev is given'));
      lab.world.host(1).kernel.ipAddrAdd('eth0', '192.0.2.1/24');
      await lab.advance(1);
      assert.equal((await lab.show(1, 'carp1')).carpdev, 'eth0', 'eth0 has the subnet now');
      await lab.until(() => lab.state(1, 'carp1') === 'MASTER', 5000);
    });

    it('warns in the command when no interface has the subnet, and carpN stays INIT', async () => {
      const run = await lab.carpctl(1, 'carp0', 'vhid', '1', '192.0.2.50');
      assert.equal(run.status, 0);
      assert.equal(
        run.stderr,
        'carpctl: warning: carp0: no carpdev chosen: no interface has an address whose subnet holds 192.0.2.50/32; carp0 stays INIT until one has, or carpdev is given\n',
      );
      await lab.advance(5000);
      assert.equal(lab.state(1), 'INIT');
    });

    it('refuses a command whose address two interfaces match, naming both; ip addr leaves carpN INIT with a log line', async () => {
      const { kernel } = lab.world.host(1);
      kernel.addLink('br0', { mac: Buffer.from('020000000a01', 'hex') });
      kernel.ipAddrAdd('br0', '10.77.0.200/16');
      await lab.advance(1);
      const run = await lab.carpctl(1, ...SHORT);
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        'carpctl: carp0: eth0 (10.77.0.1/24 holds 10.77.0.50/32) and br0 (10.77.0.200/16 holds 10.77.0.50/32) both match by subnet: give carpdev eth0 or carpdev br0\n',
      );
      assert.equal(kernel.link('carp0'), undefined, 'nothing was created');
      await lab.ok(1, 'carp0', 'vhid', '1');
      kernel.ipAddrAdd('carp0', '10.77.0.50/24');
      await lab.advance(4000);
      assert.equal((await lab.show(1)).carpdev, null);
      assert.equal(lab.state(1), 'INIT');
      assert.ok(
        logged(lab, 1).includes(
          'carp0: no carpdev chosen: eth0 (10.77.0.1/24 holds 10.77.0.50/24) and br0 (10.77.0.200/16 holds 10.77.0.50/24) both match by subnet: give carpdev eth0 or carpdev br0; carp0 stays INIT until then',
        ),
      );
      await lab.ok(1, 'carp0', 'carpdev', 'eth0');
      await lab.until(() => lab.state(1) === 'MASTER', 5000);
    });

    it('lets an explicit carpdev win, and -carpdev return to the choice by subnet without disturbing a master', async () => {
      await lab.ok(1, 'carp0', 'vhid', '1', '192.0.2.50', 'carpdev', 'eth0');
      await lab.until(() => lab.state(1) === 'MASTER', 5000);
      assert.equal((await lab.show(1)).carpdev, 'eth0', 'no subnet of eth0 holds 192.0.2.50: given, it is used all the same');
      lab.world.host(1).kernel.ipAddrAdd('carp0', '10.77.0.50/24');
      await lab.ok(1, 'carp1', 'vhid', '2', '10.77.0.51', 'carpdev', 'eth0');
      await lab.ok(1, 'carp1', '-carpdev');
      await lab.advance(1);
      assert.equal((await lab.show(1, 'carp1')).carpdev, 'eth0');
      assert.ok(logged(lab, 1).includes('carp1: carpdev eth0 chosen: it has 10.77.0.1/24, whose subnet holds 10.77.0.51/32'));
      const transitions = (): number => lab.log(1).filter((r) => r.ifname === 'carp0' && r.to !== undefined).length;
      const before = transitions();
      await lab.ok(1, 'carp0', '-carpdev');
      await lab.advance(100);
      assert.deepEqual([lab.state(1), transitions(), (await lab.show(1)).carpdev], ['MASTER', before, 'eth0'], 'the same carpdev: no bow-out');
      const moved = await lab.carpctl(1, 'carp0', '-carpdev', '-alias', '10.77.0.50');
      assert.equal(moved.status, 0);
      assert.match(moved.stderr, /^carpctl: warning: carp0: no carpdev chosen: no interface has an address whose subnet holds 192\.0\.2\.50\/32/);
      await lab.advance(1);
      assert.deepEqual([lab.state(1), (await lab.show(1)).carpdev], ['INIT', null], 'chosen afresh from the addresses it keeps');
    });

    it('keeps the carpdev while its subnet address is gone for a moment', async () => {
      await lab.ok(1, ...SHORT);
      await lab.until(() => lab.state(1) === 'MASTER', 5000);
      const { kernel } = lab.world.host(1);
      kernel.ipAddrDel('eth0', '10.77.0.1/24');
      await lab.advance(2000);
      assert.deepEqual([lab.state(1), (await lab.show(1)).carpdev], ['MASTER', 'eth0']);
      kernel.ipAddrAdd('eth0', '10.77.0.1/24');
      await lab.advance(100);
      assert.equal(lab.state(1), 'MASTER');
    });

    it('logs a choice the core refuses, and takes it once the clash is gone', async () => {
      await lab.ok(1, 'carp0', 'vhid', '1', 'carpdev', 'eth0');
      await lab.ok(1, 'carp1', 'vhid', '1');
      lab.world.host(1).kernel.ipAddrAdd('carp1', '10.77.0.51/24');
      await lab.advance(1);
      assert.equal((await lab.show(1, 'carp1')).carpdev, null);
      assert.ok(logged(lab, 1).includes('carp1: carpdev eth0 not taken: vhid 1 is in use on carp0 (carpdev eth0)'), logged(lab, 1).join('\n'));
      await lab.ok(1, 'carp0', 'destroy');
      lab.world.host(1).kernel.ipAddrAdd('eth0', '10.77.0.9/24');
      await lab.advance(1);
      assert.equal((await lab.show(1, 'carp1')).carpdev, 'eth0');
    });

    it('applies a boot file without carpdev by subnet, and refuses one whose addresses match two interfaces', async () => {
      await lab.stop(1);
      await lab.start(1, { config: { 'carp3.conf': `vhid 3 pass ${PASS}\ninet 10.77.0.53\n` } });
      await lab.until(() => lab.state(1, 'carp3') === 'MASTER', 5000);
      assert.equal((await lab.show(1, 'carp3')).carpdev, 'eth0');
      await lab.stop(2);
      const { kernel } = lab.world.host(2);
      kernel.addLink('br0', { mac: Buffer.from('020000000a02', 'hex') });
      kernel.ipAddrAdd('br0', '10.77.0.200/16');
      await lab.start(2, { config: { 'carp3.conf': `vhid 3\ninet 10.77.0.53\n` } });
      assert.equal(kernel.link('carp3'), undefined);
      assert.ok(logged(lab, 2).some((m) => /carp3\.conf: refused: carp3: eth0 \(10\.77\.0\.2\/24 holds 10\.77\.0\.53\/32\) and br0 .* give carpdev eth0 or carpdev br0$/.test(m)), logged(lab, 2).join('\n'));
    });
  });

  describe('address words, applied as ip addr would (the kernel stays the one truth)', () => {
    /** carpctl on host 1, then the time the mirror needs to hear of the change, as between two commands. */
    const run = async (...argv: string[]): Promise<void> => {
      await lab.ok(1, ...argv);
      await lab.advance(1);
    };

    beforeEach(async () => {
      await run('carp0', 'vhid', '1', '10.77.0.50/24');
    });

    it('replaces the first IPv4 address without alias, adds with alias, removes with -alias; IPv6 is added', async () => {
      await run('carp0', 'alias', '10.77.0.51');
      await run('carp0', 'inet', '10.77.0.60', 'netmask', '255.255.255.0');
      await run('carp0', 'inet6', '2001:db8:77::50', 'prefixlen', '64');
      await run('carp0', 'inet6', '2001:db8:77::51/64');
      assert.deepEqual(ipAddr(lab, 1), ['10.77.0.51/32', '10.77.0.60/24', '2001:db8:77::51/64', '2001:db8:77::50/64']);
      await run('carp0', '-alias', '10.77.0.51');
      await run('carp0', '2001:db8:77::50', '-alias');
      assert.deepEqual(ipAddr(lab, 1), ['10.77.0.60/24', '2001:db8:77::51/64']);
      const shown = (await lab.show(1)).addresses.map((a) => `${a.address}/${a.prefixLength}`);
      assert.deepEqual(shown, ipAddr(lab, 1), 'carpctl shows what ip addr shows');
      assert.ok(logged(lab, 1).includes('carp0: removed 10.77.0.50/24') && logged(lab, 1).includes('carp0: added 10.77.0.60/24'));
    });

    it('refuses -alias of an address carpN lacks, naming those it has', async () => {
      const run = await lab.carpctl(1, 'carp0', '-alias', '10.77.0.99');
      assert.deepEqual([run.status, run.stderr], [1, 'carpctl: carp0 has no address 10.77.0.99: it has 10.77.0.50/24\n']);
    });

    it('changes nothing when a command is refused after its addresses were planned, nor when the kernel refuses one', async () => {
      const refused = await lab.carpctl(1, 'carp0', '10.77.0.60', 'balancing', 'ip');
      assert.equal(refused.status, 1);
      assert.deepEqual(ipAddr(lab, 1), ['10.77.0.50/24']);
      const { kernel } = lab.world.host(1);
      kernel.failNext('addAddress', errnoError('addAddress carp0 10.77.0.60/32', errnoNumber('ENOBUFS')));
      const failed = await lab.carpctl(1, 'carp0', '10.77.0.60');
      assert.equal(failed.status, 1);
      assert.match(failed.stderr, /ENOBUFS/);
      assert.deepEqual(ipAddr(lab, 1), ['10.77.0.50/24'], 'the removal of the first address was undone');
    });

    it('takes an address ip addr added a moment ago as present', async () => {
      lab.world.host(1).kernel.ipAddrAdd('carp0', '10.77.0.52/32');
      await lab.ok(1, 'carp0', 'alias', '10.77.0.52');
      await lab.advance(1);
      assert.deepEqual(ipAddr(lab, 1), ['10.77.0.50/24', '10.77.0.52/32']);
    });
  });
});
