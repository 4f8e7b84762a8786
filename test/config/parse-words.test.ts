import assert from 'node:assert/strict';
import {
  SettingsBuilder,
  parseGroupCommand,
  parseInterfaceCommand,
  parseSysctlCommand,
} from '../../src/config/parse-words';
import type { InterfaceSettings } from '../../src/config/settings';
import { formatPrefix } from '../../src/wire/address';
import { refusal } from './refusal';


function configure(line: string): InterfaceSettings {
  const command = parseInterfaceCommand(line.split(' '));
  assert.equal(command.kind, 'configure');
  return command.kind === 'configure' ? command.settings : {};
}

describe('parse-words', () => {
  describe('interface settings', () => {
    it('parses every setting word', () => {
      assert.deepEqual(configure('vhid 1'), { vhid: 1 });
      assert.deepEqual(configure('advbase 2'), { advbase: 2 });
      assert.deepEqual(configure('advskew 100'), { advskew: 100 });
      assert.deepEqual(configure('pass secret'), { pass: { kind: 'text', text: 'secret' } });
      assert.deepEqual(configure('-pass'), { pass: { kind: 'none' } });
      assert.deepEqual(configure('passfile /etc/carp/key'), { pass: { kind: 'file', path: '/etc/carp/key' } });
      assert.deepEqual(configure('carpdev eth0'), { carpdev: 'eth0' });
      assert.deepEqual(configure('-carpdev'), { carpdev: null });
      assert.deepEqual(configure('carppeer 192.0.2.2'), { peers: ['192.0.2.2'] });
      assert.deepEqual(configure('carppeer 2001:DB8:0::2 carppeer 192.0.2.2'), { peers: ['2001:db8::2', '192.0.2.2'] });
      assert.deepEqual(configure('-carppeer'), { peers: null });
      assert.deepEqual(configure('state init'), { state: 'INIT' });
      assert.deepEqual(configure('state backup'), { state: 'BACKUP' });
      assert.deepEqual(configure('state master'), { state: 'MASTER' });
      assert.deepEqual(configure('up'), { up: true });
      assert.deepEqual(configure('down'), { up: false });
      assert.deepEqual(configure('group uplink'), { groupsAdded: ['uplink'] });
      assert.deepEqual(configure('-group uplink'), { groupsRemoved: ['uplink'] });
      assert.deepEqual(configure('carpnodes 1:0,2:100'), {
        nodes: [
          { vhid: 1, advskew: 0 },
          { vhid: 2, advskew: 100 },
        ],
      });
      for (const mode of ['none', 'ip', 'ip-stealth', 'ip-unicast', 'arp']) assert.deepEqual(configure(`balancing ${mode}`), { balancing: mode });
    });

    it('takes garp-refresh SECONDS, -garp-refresh and garp-refresh 0 (off), and refuses other values naming the range', () => {
      assert.deepEqual(configure('garp-refresh 30'), { garpRefresh: 30 });
      assert.deepEqual(configure('garp-refresh 0'), { garpRefresh: 0 });
      assert.deepEqual(configure('-garp-refresh'), { garpRefresh: 0 });
      assert.deepEqual(configure('garp 3600'), { garpRefresh: 3600 });
      assert.throws(() => configure('garp-refresh 3601'), refusal('out-of-range', /^garp-refresh 3601 is out of range: valid values are 0-3600$/));
      assert.throws(() => configure('garp-refresh 1.5'), refusal('bad-value', /^garp-refresh "1\.5" is not a number: valid values are 0-3600$/));
      assert.throws(() => configure('garp-refresh'), refusal('missing-value', /^garp-refresh needs seconds 1-3600, or 0 to turn it off$/));
      assert.throws(() => configure('garp-refresh 5 -garp-refresh'), refusal('repeated-word', /^garp-refresh or -garp-refresh is given twice/));
    });

    it('takes FreeBSD\'s VRRPv3 words carpver, vrrpprio and vrrpinterval, refusing values out of their ranges', () => {
      assert.deepEqual(configure('vhid 7 carpver 3 vrrpprio 200 vrrpinterval 100 carpdev eth0'), {
        vhid: 7,
        carpver: 3,
        vrrpPriority: 200,
        vrrpInterval: 100,
        carpdev: 'eth0',
      });
      assert.throws(() => configure('vhid 7 carpver 4'), refusal('out-of-range', /^carpver 4 is out of range: valid values are 2-3$/));
      assert.throws(() => configure('vrrpprio 255'), refusal('out-of-range', /^vrrpprio 255 is out of range: valid values are 1-254$/));
      assert.throws(() => configure('vrrpprio 0'), refusal('out-of-range', /^vrrpprio 0 is out of range: valid values are 1-254$/));
      assert.throws(() => configure('vrrpinterval 4096'), refusal('out-of-range', /^vrrpinterval 4096 is out of range: valid values are 1-4095$/));
      assert.throws(() => configure('vrrpinterval'), refusal('missing-value', /^vrrpinterval needs centiseconds 1-4095 \(carpver 3\)$/));
    });

    it('takes OpenBSD\'s load-balancing line, sorting the carpnodes by vhid', () => {
      assert.deepEqual(configure('carpnodes 6:100,3:0,4:0 balancing ip-stealth carpdev em0'), {
        nodes: [
          { vhid: 3, advskew: 0 },
          { vhid: 4, advskew: 0 },
          { vhid: 6, advskew: 100 },
        ],
        balancing: 'ip-stealth',
        carpdev: 'em0',
      });
      assert.deepEqual(configure('carpnodes 7:50'), { nodes: [{ vhid: 7, advskew: 50 }] });
    });

    it('refuses a malformed carpnodes list, saying how to write it', () => {
      for (const text of ['1-0', '1:', ':5', '1', '1:0,', ',1:0', '1:0,,2:0', '1:0:0', 'a:0', '1:x', '0x1:0', '-1:0', '1: 0', '']) {
        assert.throws(() => configure(`carpnodes ${text}`), refusal('bad-value', /^carpnodes entry ".*" is not VHID:ADVSKEW: write e\.g\. carpnodes 1:0,2:100$/), text);
      }
      assert.throws(() => configure('carpnodes 1-0'), refusal('bad-value', /^carpnodes entry "1-0" is not/));
      assert.throws(() => configure('carpnodes 1:0,:5'), refusal('bad-value', /^carpnodes entry ":5" is not/));
    });

    it('refuses carpnodes out of range, duplicated or too many, naming the valid range', () => {
      assert.throws(() => configure('carpnodes 0:0'), refusal('out-of-range', /^carpnodes vhid 0 is out of range: valid values are 1-254$/));
      assert.throws(() => configure('carpnodes 255:0'), refusal('out-of-range', /^carpnodes vhid 255 is out of range: valid values are 1-254$/));
      assert.throws(() => configure('carpnodes 1:255'), refusal('out-of-range', /^carpnodes advskew 255 is out of range: valid values are 0-254$/));
      assert.throws(() => configure('carpnodes 1:0,2:0,1:100'), refusal('bad-value', /^carpnodes: vhid 1 is given twice: every carpnode needs its own vhid$/));
      const list = (count: number): string => Array.from({ length: count }, (_, i) => `${i + 1}:0`).join(',');
      assert.equal(configure(`carpnodes ${list(32)}`).nodes?.length, 32);
      assert.throws(() => configure(`carpnodes ${list(33)}`), refusal('out-of-range', /^number of carpnodes 33 is out of range: valid values are 1-32$/));
    });

    it('refuses carpnodes together with vhid or advskew, in either order', () => {
      const contradiction = /contradict each other: give either carpnodes VHID:ADVSKEW,\.\.\. or vhid N \[advskew K\]$/;
      assert.throws(() => configure('vhid 1 carpnodes 1:0,2:0'), refusal('repeated-word', /^carpnodes and vhid contradict each other: /));
      assert.throws(() => configure('advskew 5 carpnodes 1:0,2:0'), refusal('repeated-word', /^carpnodes and advskew contradict/));
      assert.throws(() => configure('carpnodes 1:0,2:0 vhid 3'), refusal('repeated-word', /^vhid and carpnodes contradict/));
      assert.throws(() => configure('carpnodes 1:0,2:0 advskew 100'), refusal('repeated-word', contradiction));
      assert.throws(() => configure('carpnodes 1:0 carpnodes 2:0'), refusal('repeated-word', /^carpnodes is given twice: give it once$/));
    });

    it('matches balancing modes by unique prefix and refuses unknown or ambiguous ones', () => {
      assert.deepEqual(configure('bal ip-s'), { balancing: 'ip-stealth' });
      assert.deepEqual(configure('balancing ip-u'), { balancing: 'ip-unicast' });
      assert.deepEqual(configure('balancing ip'), { balancing: 'ip' }, 'an exact mode wins over longer ones');
      assert.deepEqual(configure('balancing a'), { balancing: 'arp' });
      assert.throws(() => configure('balancing ip-'), refusal('ambiguous-word', /^balancing mode "ip-" is ambiguous: it could be ip-stealth or ip-unicast$/));
      assert.throws(() => configure('balancing i'), refusal('ambiguous-word', /could be ip, ip-stealth or ip-unicast$/));
      assert.throws(
        () => configure('balancing round-robin'),
        refusal('unknown-word', /^unknown balancing mode "round-robin": valid balancing modes are none, ip, ip-stealth, ip-unicast or arp$/),
      );
      assert.throws(() => configure('balancing IP'), refusal('unknown-word', /"IP"/));
      assert.throws(() => parseInterfaceCommand(['balancing']), refusal('missing-value', /^balancing needs none, ip, ip-stealth, ip-unicast or arp$/));
      assert.throws(() => parseInterfaceCommand(['carpnodes']), refusal('missing-value', /^carpnodes needs VHID:ADVSKEW\[,VHID:ADVSKEW\.\.\.\] \(e\.g\. carpnodes 1:0,2:100\)$/));
      assert.throws(() => configure('balancing ip balancing none'), refusal('repeated-word', /^balancing is given twice/));
    });

    it('takes any subset in any order, like ifconfig', () => {
      const expected = { vhid: 1, pass: { kind: 'text', text: 'secret' }, carpdev: 'eth0', advbase: 1, advskew: 100 };
      assert.deepEqual(configure('vhid 1 pass secret carpdev eth0 advbase 1 advskew 100'), expected);
      assert.deepEqual(configure('advskew 100 carpdev eth0 advbase 1 pass secret vhid 1'), expected);
    });

    it('accepts unique prefixes of keywords', () => {
      assert.deepEqual(configure('advs 100'), { advskew: 100 });
      assert.deepEqual(configure('advb 3 vh 4 carpd eth1'), { advbase: 3, vhid: 4, carpdev: 'eth1' });
      assert.deepEqual(configure('carpn 1:0 b ip'), { nodes: [{ vhid: 1, advskew: 0 }], balancing: 'ip' });
      assert.deepEqual(configure('passf key'), { pass: { kind: 'file', path: 'key' } });
      assert.deepEqual(configure('-carpd'), { carpdev: null });
      assert.deepEqual(configure('-carpp'), { peers: null });
      assert.deepEqual(configure('state m'), { state: 'MASTER' });
      assert.deepEqual(configure('u'), { up: true });
    });

    it('refuses a carppeer that is no unicast address, naming what is valid', () => {
      assert.throws(
        () => configure('carppeer peer1'),
        refusal('bad-value', /^carppeer "peer1" is not an address: give the unicast address of the other CARP host, e\.g\. carppeer 192\.0\.2\.2 or carppeer 2001:db8::2$/),
      );
      assert.throws(() => configure('carppeer 224.0.0.18'), refusal('bad-value', /^carppeer 224\.0\.0\.18 is a multicast address: carppeer takes the unicast address of the other CARP host .*; -carppeer goes back to the multicast group$/));
      assert.throws(() => configure('carppeer ::'), refusal('bad-value', /carppeer :: is the unspecified address/));
      assert.throws(() => configure('carppeer'), refusal('missing-value', /^carppeer needs the unicast address of the other CARP host/));
    });

    it('takes one carppeer per family, and not with -carppeer', () => {
      assert.throws(() => configure('carppeer 192.0.2.2 carppeer 192.0.2.3'), refusal('repeated-word', /^an IPv4 carppeer is given twice: give it once$/));
      assert.throws(() => configure('carppeer 192.0.2.2 -carppeer'), refusal('repeated-word', /^carppeer and -carppeer contradict each other/));
      assert.throws(() => configure('-carppeer carppeer 2001:db8::2'), refusal('repeated-word', /^carppeer and -carppeer contradict each other/));
    });

    it('refuses an ambiguous prefix, naming the candidates', () => {
      assert.throws(() => parseInterfaceCommand(['adv', '100']), refusal('ambiguous-word', /could be advbase or advskew$/));
      assert.throws(() => parseInterfaceCommand(['st']), refusal('ambiguous-word', /could be stats or state$/));
      assert.throws(() => parseInterfaceCommand(['d']), refusal('ambiguous-word', /could be destroy or down$/));
      assert.throws(() => parseInterfaceCommand(['carp', 'eth0']), refusal('ambiguous-word', /could be carpnodes, carpdev, carppeer or carpver$/));
    });

    it('refuses an unknown word, listing every valid word', () => {
      assert.throws(
        () => parseInterfaceCommand(['vhid', '1', 'priority', '5']),
        refusal(
          'unknown-word',
          /^unknown word "priority": valid words are create, destroy, stats, explain, vhid, advbase, advskew, carpnodes, balancing, pass, -pass, passfile, carpdev, -carpdev, carppeer, -carppeer, state, up, down, group, -group, garp-refresh, -garp-refresh, carpver, vrrpprio, vrrpinterval, inet, inet6, netmask, prefixlen, alias, -alias or an address \(ADDRESS\[\/PREFIX\], e\.g\. 192\.0\.2\.10\/24\)$/,
        ),
      );
    });

    it('refuses a value out of range or not a number, quoting the range', () => {
      assert.throws(() => configure('vhid 0'), refusal('out-of-range', /vhid 0 is out of range: valid values are 1-255/));
      assert.throws(() => configure('vhid 256'), refusal('out-of-range', /valid values are 1-255/));
      assert.throws(() => configure('advskew 255'), refusal('out-of-range', /advskew 255 is out of range: valid values are 0-254/));
      assert.throws(() => configure('advbase 256'), refusal('out-of-range', /advbase 256 is out of range: valid values are 0-255/));
      assert.throws(() => configure('vhid 1x'), refusal('bad-value', /vhid "1x" is not a number: valid values are 1-255/));
      assert.throws(() => configure('advskew many'), refusal('bad-value', /advskew "many" is not a number: valid values are 0-254/));
      assert.throws(() => configure('state primary'), refusal('unknown-word', /valid states are init, backup or master/));
      assert.throws(() => configure('carpdev carp1'), refusal('bad-value', /is a carp interface/));
      assert.throws(() => configure('group net1'), refusal('bad-value', /ends in a digit/));
    });

    it('refuses a keyword whose value is missing, saying what it needs', () => {
      assert.throws(() => parseInterfaceCommand(['vhid']), refusal('missing-value', /^vhid needs a number 1-255$/));
      assert.throws(() => parseInterfaceCommand(['advskew', '5', 'advbase']), refusal('missing-value', /^advbase needs a number 0-255$/));
      assert.throws(() => parseInterfaceCommand(['carpdev']), refusal('missing-value', /^carpdev needs an interface name/));
      assert.throws(() => parseInterfaceCommand(['state']), refusal('missing-value', /^state needs init, backup or master$/));
      assert.throws(() => parseInterfaceCommand(['pass']), refusal('missing-value', /^pass needs a passphrase$/));
      assert.throws(() => parseInterfaceCommand(['-group']), refusal('missing-value', /^-group needs a group name$/));
    });

    it('refuses a setting given twice instead of letting the last win', () => {
      assert.throws(() => configure('vhid 1 vhid 2'), refusal('repeated-word', /^vhid is given twice: give it once$/));
      assert.throws(() => configure('up down'), refusal('repeated-word', /^up or down is given twice/));
      assert.throws(() => configure('-pass pass a'), refusal('repeated-word', /^pass, -pass or passfile is given twice/));
      assert.throws(() => configure('passfile b pass a'), refusal('repeated-word', /^pass, -pass or passfile/));
      assert.throws(() => configure('pass a passfile b'), refusal('repeated-word', /^the 2nd word after pass repeats or contradicts another setting; /));
      assert.throws(() => configure('carpdev eth0 -carpdev'), refusal('repeated-word', /^carpdev or -carpdev/));
      assert.throws(() => configure('group a group a'), refusal('repeated-word', /^group a is given twice/));
      assert.throws(() => configure('group a -group a'), refusal('repeated-word', /both added and removed/));
    });

    it('collects several groups and keeps "carp" out of the administrator\'s hands', () => {
      assert.deepEqual(configure('group a group b -group c'), { groupsAdded: ['a', 'b'], groupsRemoved: ['c'] });
      assert.throws(() => configure('group carp'), refusal('bad-value', /every carp interface is in group carp/));
      assert.throws(() => configure('-group carp'), refusal('bad-value', /every carp interface is in group carp/));
    });

    it('refuses an empty passphrase (-pass removes it)', () => {
      assert.throws(() => parseInterfaceCommand(['pass', '']), refusal('bad-value', /-pass removes it/));
    });

    it('takes one address per command, as ifconfig does (address-words.test.ts has the forms)', () => {
      assert.deepEqual(configure('vhid 1 192.168.1.10'), { vhid: 1, address: { kind: 'set', address: '192.168.1.10', prefixLength: 32 } });
      assert.throws(() => configure('192.0.2.1 inet 192.0.2.2'), refusal('repeated-word', /^an address is given twice: give one address per command, with alias to add another$/));
    });
  });

  describe('commands', () => {
    it('shows the interface when no word is given', () => {
      assert.deepEqual(parseInterfaceCommand([]), { kind: 'show' });
    });

    it('parses stats, destroy and create, and create with settings', () => {
      assert.deepEqual(parseInterfaceCommand(['stats']), { kind: 'stats' });
      assert.deepEqual(parseInterfaceCommand(['destroy']), { kind: 'destroy' });
      assert.deepEqual(parseInterfaceCommand(['create']), { kind: 'create', settings: {} });
      assert.deepEqual(parseInterfaceCommand(['create', 'vhid', '1', 'carpdev', 'eth0']), {
        kind: 'create',
        settings: { vhid: 1, carpdev: 'eth0' },
      });
      assert.deepEqual(parseInterfaceCommand(['cr', 'vhid', '1']), { kind: 'create', settings: { vhid: 1 } });
    });

    it('refuses create after other words and words after destroy or stats', () => {
      assert.throws(() => parseInterfaceCommand(['vhid', '1', 'create']), refusal('not-allowed', /create must be the first word/));
      assert.throws(() => parseInterfaceCommand(['create', 'create']), refusal('not-allowed', /create must be the first word/));
      assert.throws(() => parseInterfaceCommand(['destroy', 'vhid', '1']), refusal('not-allowed', /destroy takes no other words/));
      assert.throws(() => parseInterfaceCommand(['stats', 'vhid']), refusal('not-allowed', /stats takes no other words/));
      assert.throws(() => parseInterfaceCommand(['vhid', '1', 'stats']), refusal('not-allowed', /stats takes no other words/));
    });

    it('parses group commands with the OpenBSD default of 1', () => {
      assert.deepEqual(parseGroupCommand([]), { kind: 'group-show' });
      assert.deepEqual(parseGroupCommand(['carpdemote']), { kind: 'group-demote', delta: 1 });
      assert.deepEqual(parseGroupCommand(['carpdemote', '5']), { kind: 'group-demote', delta: 5 });
      assert.deepEqual(parseGroupCommand(['-carpdemote']), { kind: 'group-demote', delta: -1 });
      assert.deepEqual(parseGroupCommand(['-carpdemote', '3']), { kind: 'group-demote', delta: -3 });
      assert.deepEqual(parseGroupCommand(['carpd', '2']), { kind: 'group-demote', delta: 2 });
    });

    it('refuses bad group commands, naming the valid words or range', () => {
      assert.throws(() => parseGroupCommand(['demote']), refusal('unknown-word', /valid words are carpdemote or -carpdemote$/));
      assert.throws(() => parseGroupCommand(['carpdemote', '0']), refusal('out-of-range', /valid values are 1-255/));
      assert.throws(() => parseGroupCommand(['carpdemote', '256']), refusal('out-of-range', /valid values are 1-255/));
      assert.throws(() => parseGroupCommand(['carpdemote', 'x']), refusal('bad-value', /not a number: valid values are 1-255/));
      assert.throws(() => parseGroupCommand(['carpdemote', '1', '2']), refusal('unknown-word', /unexpected "2"/));
    });

    it('parses sysctl listing, reading and setting', () => {
      assert.deepEqual(parseSysctlCommand([]), { kind: 'sysctl-get', names: [] });
      assert.deepEqual(parseSysctlCommand(['-a']), { kind: 'sysctl-get', names: [] });
      assert.deepEqual(parseSysctlCommand(['net.inet.carp.preempt', 'net.inet.carp.log']), {
        kind: 'sysctl-get',
        names: ['net.inet.carp.preempt', 'net.inet.carp.log'],
      });
      assert.deepEqual(parseSysctlCommand(['net.inet.carp.preempt=1', 'net.inet.carp.log=3']), {
        kind: 'sysctl-set',
        assignments: [
          { name: 'net.inet.carp.preempt', value: '1' },
          { name: 'net.inet.carp.log', value: '3' },
        ],
      });
    });

    it('refuses mixed, repeated or malformed sysctl words', () => {
      assert.throws(() => parseSysctlCommand(['a.b=1', 'a.c']), refusal('not-allowed', /not both/));
      assert.throws(() => parseSysctlCommand(['-a', 'a.b']), refusal('not-allowed', /give it alone/));
      assert.throws(() => parseSysctlCommand(['a.b=1', 'a.b=2']), refusal('repeated-word', /a\.b is assigned twice/));
      assert.throws(() => parseSysctlCommand(['a.b=']), refusal('bad-value', /not a single word/));
    });

    it('takes the -w of older sysctl(8)s before assignments, as the OpenBSD handbook writes it', () => {
      assert.deepEqual(parseSysctlCommand(['-w', 'net.inet.carp.allow=1']), {
        kind: 'sysctl-set',
        assignments: [{ name: 'net.inet.carp.allow', value: '1' }],
      });
      for (const words of [['-w'], ['-w', 'net.inet.carp.allow'], ['-w', '-a'], ['-w', 'a.b=1', 'a.c']]) {
        assert.throws(() => parseSysctlCommand(words), refusal('not-allowed', /^-w sets sysctls: give assignments after it, e\.g\. sysctl -w net\.inet\.carp\.preempt=1$/), words.join(' '));
      }
      assert.throws(() => parseSysctlCommand(['a.b=1', '-w']), refusal('not-allowed', /not both/), '-w comes first');
    });
  });

  describe('SettingsBuilder in a file', () => {
    it('collects settings and addresses over several lines', () => {
      const builder = new SettingsBuilder('file');
      builder.addWords(['vhid', '1', 'carpdev', 'eth0'], 1);
      builder.addWords(['inet', '192.0.2.10/24'], 2);
      builder.addWords(['inet6', '2001:db8::10/64', 'advskew', '100'], 3);
      assert.deepEqual(builder.settings(), { vhid: 1, carpdev: 'eth0', advskew: 100 });
      assert.deepEqual(builder.addresses().map(formatPrefix), ['192.0.2.10/24', '2001:db8::10/64']);
    });

    it('reads carppeer lines, naming the line of a second peer of a family', () => {
      const builder = new SettingsBuilder('file');
      builder.addWords(['carppeer', '192.0.2.2'], 1);
      builder.addWords(['carppeer', '2001:db8::2'], 2);
      assert.deepEqual(builder.settings(), { peers: ['192.0.2.2', '2001:db8::2'] });
      assert.throws(() => builder.addWords(['carppeer', '192.0.2.3'], 3), refusal('repeated-word', /^an IPv4 carppeer is given twice \(first on line 1\)/));
    });

    it('names the line of the first occurrence of a repeated setting or address', () => {
      const builder = new SettingsBuilder('file');
      builder.addWords(['vhid', '1', 'inet', '192.0.2.10/24'], 2);
      assert.throws(() => builder.addWords(['vhid', '2'], 5), refusal('repeated-word', /^vhid is given twice \(first on line 2\)/));
      assert.throws(() => builder.addWords(['inet', '192.0.2.10/32'], 6), refusal('repeated-word', /address 192\.0\.2\.10 is given twice \(first on line 2\)/));
    });

    it('refuses addresses of the wrong family or length, and takes one without a length as a host address', () => {
      const builder = new SettingsBuilder('file');
      assert.throws(() => builder.addWords(['inet', '2001:db8::1/64']), refusal('bad-value', /inet needs an IPv4 address: write inet6 2001:db8::1\/64/));
      assert.throws(() => builder.addWords(['inet6', '192.0.2.1/24']), refusal('bad-value', /inet6 needs an IPv6 address/));
      assert.throws(() => builder.addWords(['inet', '192.0.2.1/33']), refusal('bad-value', /^prefix length "33" is not valid: valid values are 0-32 for an IPv4 address$/));
      assert.deepEqual(builder.addresses(), []);
      builder.addWords(['inet', '192.0.2.1'], 1);
      builder.addWords(['2001:db8::1', 'prefixlen', '64'], 2);
      builder.addWords(['inet', 'alias', '192.0.2.2', 'netmask', '255.255.255.0'], 3);
      assert.deepEqual(builder.addresses().map(formatPrefix), ['192.0.2.1/32', '2001:db8::1/64', '192.0.2.2/24']);
      assert.deepEqual(builder.settings(), {}, 'a file`s addresses are no setting');
    });

    it('refuses state, create, destroy and stats with a reason', () => {
      const builder = new SettingsBuilder('file');
      assert.throws(() => builder.addWords(['state', 'master']), refusal('not-allowed', /state is not allowed in a configuration file: the state is decided by CARP/));
      assert.throws(() => builder.addWords(['create']), refusal('not-allowed', /the file itself creates the interface/));
      assert.throws(() => builder.addWords(['destroy']), refusal('not-allowed', /remove the file/));
      assert.throws(() => builder.addWords(['stats']), refusal('not-allowed', /not allowed in a configuration file/));
    });
  });
});
