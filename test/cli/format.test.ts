import assert from 'node:assert/strict';
import { formatInterface } from '../../src/cli/format-interface';
import { formatGroup, formatJson, formatSysctlChanges, formatSysctlValues, formatWarnings } from '../../src/cli/format-results';
import { formatCounters, formatStats } from '../../src/cli/format-stats';
import { BACKUP, COUNTERS, INIT, MASTER, node } from './fixtures';

describe('carpctl output formats', () => {
  describe('ifconfig block', () => {
    it('prints a MASTER interface as OpenBSD ifconfig does', () => {
      assert.equal(
        formatInterface(MASTER),
        'carp0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n' +
          '\tlladdr 00:00:5e:00:01:01\n' +
          '\tcarp: MASTER carpdev eth0 vhid 1 advbase 1 advskew 0\n' +
          '\tgroups: carp\n' +
          '\tstatus: master\n' +
          '\tinet 192.0.2.10 netmask 0xffffff00 broadcast 192.0.2.255\n' +
          '\tinet6 2001:db8::10 prefixlen 64\n' +
          '\tcarp demote count 0\n',
      );
    });

    it('prints a BACKUP interface: groups, demote count, /32 without broadcast, link-local scope', () => {
      assert.equal(
        formatInterface(BACKUP),
        'carp1: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n' +
          '\tlladdr 00:00:5e:00:01:02\n' +
          '\tcarp: BACKUP carpdev eth1 vhid 2 advbase 2 advskew 100\n' +
          '\tgroups: carp uplink\n' +
          '\tstatus: backup\n' +
          '\tinet 198.51.100.7 netmask 0xffffffff\n' +
          '\tinet6 fe80::1%carp1 prefixlen 64\n' +
          '\tcarp demote count 1\n',
      );
    });

    it('prints a carpver 3 vhid as FreeBSD does: vrrp: STATE vrid N prio P interval I, then the carpdev and carppeers', () => {
      const text = formatInterface({ ...MASTER, carpver: 3, vrrp: { priority: 200, interval: 100 }, carppeers: ['192.0.2.2'] });
      assert.match(text, /\n\tvrrp: MASTER vrid 1 prio 200 interval 100 carpdev eth0 carppeer 192\.0\.2\.2\n\tgroups: carp\n/);
      assert.doesNotMatch(text, /carp: |advbase|advskew/);
    });

    it('prints garp-refresh and maintenance mode after the carp line, when on', () => {
      const text = formatInterface({ ...MASTER, garpRefresh: 30, demote: 240 }, { on: true, demotion: 240 });
      assert.match(
        text,
        /\tcarp: MASTER carpdev eth0 vhid 1 advbase 1 advskew 0\n\tcarp: garp-refresh 30\n\tcarp: maintenance mode \(demoted by 240\)\n\tgroups: carp\n/,
      );
      assert.doesNotMatch(formatInterface(MASTER, { on: false, demotion: 0 }), /garp-refresh|maintenance/);
    });

    it('prints a new INIT interface without vhid, carpdev or MAC', () => {
      assert.equal(
        formatInterface(INIT),
        'carp2: flags=8802<BROADCAST,SIMPLEX,MULTICAST> mtu 1500\n' +
          '\tcarp: INIT carpdev none advbase 1 advskew 0\n' +
          '\tgroups: carp\n' +
          '\tstatus: invalid\n' +
          '\tcarp demote count 0\n',
      );
    });

    it('prints an INIT interface that is up but cannot run', () => {
      const dto = { ...INIT, adminUp: true, carpdev: 'eth0', nodes: [node({ vhid: 3, state: 'INIT', advskew: 20 })] };
      assert.equal(
        formatInterface(dto),
        'carp2: flags=8803<UP,BROADCAST,SIMPLEX,MULTICAST> mtu 1500\n' +
          '\tcarp: INIT carpdev eth0 vhid 3 advbase 1 advskew 20\n' +
          '\tgroups: carp\n' +
          '\tstatus: invalid\n' +
          '\tcarp demote count 0\n',
      );
    });

    it('prints several carpnodes in the OpenBSD form, with the balancing mode', () => {
      const dto = {
        ...MASTER,
        balancing: 'ip' as const,
        addresses: [{ family: 4 as const, address: '10.0.0.1', prefixLength: 8 }],
        nodes: [node({ vhid: 1 }), node({ vhid: 2, advskew: 100, state: 'BACKUP' })],
      };
      assert.equal(
        formatInterface(dto),
        'carp0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n' +
          '\tlladdr 00:00:5e:00:01:01\n' +
          '\tcarp: carpdev eth0 advbase 1 balancing ip\n' +
          '\t\tstate MASTER vhid 1 advskew 0\n' +
          '\t\tstate BACKUP vhid 2 advskew 100\n' +
          '\tgroups: carp\n' +
          '\tstatus: master\n' +
          '\tinet 10.0.0.1 netmask 0xff000000 broadcast 10.255.255.255\n' +
          '\tcarp demote count 0\n',
      );
    });

    it('prints every balancing mode and every carpnode line', () => {
      const nodes = [node({ vhid: 3, state: 'BACKUP' }), node({ vhid: 4 }), node({ vhid: 6, advskew: 100, state: 'INIT' })];
      for (const balancing of ['ip', 'ip-stealth', 'ip-unicast', 'arp'] as const) {
        const carp = formatInterface({ ...BACKUP, carpdev: null, balancing, nodes }).split('\n').slice(2, 6);
        assert.deepEqual(carp, [
          `\tcarp: carpdev none advbase 2 balancing ${balancing}`,
          '\t\tstate BACKUP vhid 3 advskew 0',
          '\t\tstate MASTER vhid 4 advskew 0',
          '\t\tstate INIT vhid 6 advskew 100',
        ]);
      }
    });

    it('ends the carp line with carppeer, once per family, as OpenBSD does', () => {
      const peers = { carppeers: ['192.0.2.2', '2001:db8::2'] };
      assert.equal(
        formatInterface({ ...MASTER, ...peers }).split('\n')[2],
        '\tcarp: MASTER carpdev eth0 vhid 1 advbase 1 advskew 0 carppeer 192.0.2.2 carppeer 2001:db8::2',
      );
      assert.equal(formatInterface({ ...INIT, ...peers }).split('\n')[1], '\tcarp: INIT carpdev none advbase 1 advskew 0 carppeer 192.0.2.2 carppeer 2001:db8::2');
      const nodes = [node({ vhid: 1 }), node({ vhid: 2 })];
      assert.equal(
        formatInterface({ ...MASTER, ...peers, balancing: 'ip', nodes }).split('\n')[2],
        '\tcarp: carpdev eth0 advbase 1 balancing ip carppeer 192.0.2.2 carppeer 2001:db8::2',
      );
    });

    it('prints a single carpnode on one line, without the balancing mode', () => {
      const carp = formatInterface({ ...MASTER, nodes: [node({ vhid: 7, advskew: 20 })] }).split('\n')[2];
      assert.equal(carp, '\tcarp: MASTER carpdev eth0 vhid 7 advbase 1 advskew 20');
    });

    it('computes netmask and broadcast at the prefix edges', () => {
      const line = (prefixLength: number): string =>
        formatInterface({ ...INIT, addresses: [{ family: 4, address: '192.0.2.130', prefixLength }] }).split('\n')[4] ?? '';
      assert.equal(line(0), '\tinet 192.0.2.130 netmask 0x00000000 broadcast 255.255.255.255');
      assert.equal(line(25), '\tinet 192.0.2.130 netmask 0xffffff80 broadcast 192.0.2.255');
      assert.equal(line(30), '\tinet 192.0.2.130 netmask 0xfffffffc broadcast 192.0.2.131');
      assert.equal(line(31), '\tinet 192.0.2.130 netmask 0xfffffffe');
    });
  });

  describe('stats', () => {
    it('prints every counter per virtual host, then the data plane and the carpdev counters', () => {
      assert.equal(
        formatStats(MASTER),
        'carp0 vhid 1:\n' +
          '\t12 packets received (IPv4)\n' +
          '\t0 packets received (IPv6)\n' +
          '\t10 advertisements accepted\n' +
          '\t0 bow-out advertisements received\n' +
          '\t0 discarded: ttl or hop limit is not 255\n' +
          '\t2 discarded: incorrect hash\n' +
          '\t0 discarded: replay or network loop detected\n' +
          '\t0 discarded: unicast advertisement not from the carppeer\n' +
          '\t0 discarded: CARP advertisement for a carpver 3 (VRRPv3) vhid\n' +
          '\t0 discarded: VRRP address list differs from ours (and the sender is not the address owner)\n' +
          '\t0 discarded: counter seen before or too far from our clock (net.inet.carp.strict_counter)\n' +
          '\t3600 packets sent (IPv4)\n' +
          '\t3600 packets sent (IPv6)\n' +
          '\t0 send errors\n' +
          '\t0 bow-out advertisements sent\n' +
          '\t1 transitions to master\n' +
          '\t1 transitions to backup\n' +
          '\t0 transitions to init\n' +
          '\t1 preemptions\n' +
          'carp0 data plane:\n' +
          '\t5000 frames relayed into the interface (MASTER)\n' +
          '\t4800 frames relayed out of the interface (MASTER)\n' +
          '\t7 frames dropped: not MASTER\n' +
          '\t0 frames dropped: queue full or write failed\n' +
          'carpdev eth0:\n' +
          '\t2 discarded: not a well-formed IP packet\n' +
          '\t12 packets received (IPv4)\n' +
          '\t0 packets received (IPv6)\n' +
          '\t0 discarded: packet shorter than the CARP header\n' +
          '\t0 discarded: checksum failed\n' +
          '\t1 discarded: invalid version\n' +
          '\t5 discarded: no running carp interface with this vhid on this carpdev\n' +
          '\t0 discarded: net.inet.carp.allow is 0\n' +
          '\t0 discarded: VRRP advertisements (VRRPv2, VRRPv3), not CARP\n' +
          '\t0 frames claimed by no carp interface\n' +
          '\t0 frames discarded unread after the daemon stalled\n',
      );
    });

    it('says so when there is no vhid and leaves out a missing carpdev', () => {
      assert.equal(formatStats(INIT), 'carp2: no vhid configured\n');
    });

    it('prints one section per virtual host', () => {
      const text = formatStats({ ...BACKUP, nodes: [node({ vhid: 2 }), node({ vhid: 9 })] });
      assert.deepEqual(
        text.split('\n').filter((l) => !l.startsWith('\t')),
        ['carp1 vhid 2:', 'carp1 vhid 9:', 'carp1 data plane:', 'carpdev eth1:', ''],
      );
    });
  });

  describe('every counter (carpctl stats)', () => {
    it('prints each interface, each carpdev with its packet socket, then the kernel mirror', () => {
      const text = formatCounters(COUNTERS);
      assert.deepEqual(
        text.split('\n').filter((l) => !l.startsWith('\t')),
        ['carp0 vhid 1:', 'carp0 data plane:', 'carpdev eth0:', 'kernel mirror (rtnetlink):', ''],
      );
      assert.match(text, /carpdev eth0:\n\t12 packets received \(IPv4\)\n(\t.*\n){4}\t2 discarded: no running carp/);
      assert.match(text, /\t14 frames of IP protocol 112 received\n\t3 discarded: not a well-formed IP packet\n\t1 frames claimed by no carp interface\n/);
      assert.match(text, /kernel mirror \(rtnetlink\):\n\t0 messages that could not be decoded\n\t7 messages of kinds not followed\n\t1 receive buffer overruns \(notifications lost\)\n\t1 full dumps after the first\n$/);
    });

    it('leaves out the data plane of a carpdev without a packet socket', () => {
      const text = formatCounters({ ...COUNTERS, interfaces: [], carpdevs: [{ name: 'eth1', protocol: COUNTERS.carpdevs[0]!.protocol, dataPlane: null }] });
      assert.doesNotMatch(text, /IP protocol 112 received/);
    });
  });

  describe('sysctl, group, warnings, JSON', () => {
    it('prints sysctl values as name=value and changes as OpenBSD sysctl does', () => {
      const values = formatSysctlValues({ values: [['net.inet.carp.allow', '1'], ['net.inet.carp.preempt', '0']] });
      assert.equal(values, 'net.inet.carp.allow=1\nnet.inet.carp.preempt=0\n');
      const changes = formatSysctlChanges({ changes: [{ name: 'net.inet.carp.preempt', from: '0', to: '1' }] });
      assert.equal(changes, 'net.inet.carp.preempt: 0 -> 1\n');
    });

    it('prints a group as OpenBSD ifconfig -g does', () => {
      assert.equal(formatGroup({ group: 'carp', demote: 0 }), 'carp: carp demote count 0\n');
    });

    it('prefixes warnings', () => {
      assert.equal(formatWarnings(['a', 'b']), 'carpctl: warning: a\ncarpctl: warning: b\n');
      assert.equal(formatWarnings([]), '');
    });

    it('prints the result as indented JSON', () => {
      assert.equal(formatJson({ group: 'carp', demote: 1 }), '{\n  "group": "carp",\n  "demote": 1\n}\n');
    });
  });
});
