import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConfigFileResult,
  parseInterfaceFile,
  parseSysctlFile,
  readConfigDirectory,
} from '../../src/config/config-files';
import { ConfigError } from '../../src/config/grammar';
import { formatPrefix } from '../../src/wire/address';

function refusal(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

describe('config-files', () => {
  let root = '';
  let count = 0;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'carp-cli-config-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /**
   * A fresh configuration directory (mode 0755) holding `files` (mode 0644): set whatever the
   * umask, since one that leaves group write on is refused (ownership.ts).
   */
  async function configDir(files: Record<string, string>): Promise<string> {
    const dir = join(root, `d${count++}`);
    await mkdir(dir);
    await chmod(dir, 0o755);
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(dir, name), content);
      await chmod(join(dir, name), 0o644);
    }
    return dir;
  }

  function summary(results: readonly ConfigFileResult[], dir: string): string[] {
    return results.map((r) => `${r.kind} ${r.file.slice(dir.length + 1)}`);
  }

  describe('carpN.conf text', () => {
    it('parses words over several lines, comments, and addresses in any order', () => {
      const text = [
        '# carp0: the gateway address',
        'vhid 1 carpdev eth0   # trailing comment',
        '',
        'inet6 2001:db8::10/64',
        '  advskew 100',
        'inet 192.0.2.10/24',
        'pass a#b group uplink up',
      ].join('\n');
      const parsed = parseInterfaceFile('carp0.conf', text);
      assert.deepEqual(parsed.settings, {
        vhid: 1,
        carpdev: 'eth0',
        advskew: 100,
        pass: { kind: 'text', text: 'a#b' },
        groupsAdded: ['uplink'],
        up: true,
      });
      assert.deepEqual(parsed.addresses.map(formatPrefix), ['2001:db8::10/64', '192.0.2.10/24']);
    });

    it('parses an OpenBSD load-balancing setup spread over lines', () => {
      const text = ['# two firewalls share 192.0.2.10, each MASTER of one carpnode', 'carpnodes 2:100,1:0', 'balancing ip-unicast carpdev eth0', 'inet 192.0.2.10/24'].join('\n');
      const parsed = parseInterfaceFile('carp0.conf', text);
      assert.deepEqual(parsed.settings, {
        nodes: [
          { vhid: 1, advskew: 0 },
          { vhid: 2, advskew: 100 },
        ],
        balancing: 'ip-unicast',
        carpdev: 'eth0',
      });
    });

    it('refuses carpnodes and vhid or advskew in one file, naming the line of the first', () => {
      assert.throws(
        () => parseInterfaceFile('f.conf', 'vhid 1\ncarpdev eth0\ncarpnodes 1:0,2:0\n'),
        refusal(/^f\.conf:3: carpnodes and vhid contradict each other \(vhid on line 1\): give either carpnodes VHID:ADVSKEW,\.\.\. or vhid N \[advskew K\]$/),
      );
      assert.throws(
        () => parseInterfaceFile('f.conf', 'carpnodes 1:0,2:0\n\nadvskew 100\n'),
        refusal(/^f\.conf:3: advskew and carpnodes contradict each other \(carpnodes on line 1\)/),
      );
    });

    it('takes FreeBSD`s VRRPv3 words: carpver 3 with the vhid, vrrpprio and vrrpinterval', () => {
      const parsed = parseInterfaceFile('carp0.conf', 'vhid 7 carpver 3 vrrpprio 200 vrrpinterval 100 carpdev eth0\ninet 192.0.2.10/24\n');
      assert.deepEqual(parsed.settings, { vhid: 7, carpver: 3, vrrpPriority: 200, vrrpInterval: 100, carpdev: 'eth0' });
    });

    it('takes garp-refresh on a line of its own', () => {
      const parsed = parseInterfaceFile('carp0.conf', 'vhid 1 carpdev eth0\ngarp-refresh 60\ninet 192.0.2.10/24\n');
      assert.deepEqual(parsed.settings, { vhid: 1, carpdev: 'eth0', garpRefresh: 60 });
    });

    it('reads CRLF files', () => {
      assert.deepEqual(parseInterfaceFile('carp0.conf', 'vhid 3\r\nadvbase 2\r\n').settings, { vhid: 3, advbase: 2 });
    });

    const badLines: readonly (readonly [string, RegExp])[] = [
      ['vhid 256', /^f\.conf:2: vhid 256 is out of range: valid values are 1-255$/],
      ['vhid 1x', /^f\.conf:2: vhid "1x" is not a number: valid values are 1-255$/],
      ['advskew', /^f\.conf:2: advskew needs a number 0-254$/],
      ['priority 5', /^f\.conf:2: unknown word "priority": valid words are vhid, advbase, .*, inet, inet6, netmask, prefixlen, alias or an address /],
      ['adv 5', /^f\.conf:2: word "adv" is ambiguous: it could be advbase or advskew$/],
      ['state master', /^f\.conf:2: state is not allowed in a configuration file: the state is decided by CARP at run time/],
      ['create', /^f\.conf:2: create is not allowed in a configuration file: .*the file itself creates the interface$/],
      ['destroy', /^f\.conf:2: destroy is not allowed in a configuration file/],
      ['carpdev eth1', /^f\.conf:2: carpdev or -carpdev is given twice \(first on line 1\): give it once$/],
      ['inet 192.0.2.1 netmask 255.0.255.0', /^f\.conf:2: netmask 255\.0\.255\.0 is not contiguous/],
      ['192.0.2.1 192.0.2.2', /^f\.conf:2: an address is given twice: give one address per line, with alias to add another$/],
      ['inet 192.0.2.1 inet', /^f\.conf:2: inet is given twice: give it once$/],
      ['-alias 192.0.2.1', /^f\.conf:2: -alias is not allowed in a configuration file: .* remove one with carpctl carpN -alias ADDRESS$/],
      ['inet 2001:db8::1/64', /^f\.conf:2: inet needs an IPv4 address/],
      ['inet6 nonsense/64', /^f\.conf:2: inet6: "nonsense" is not an address: e\.g\. 2001:db8::10\/64, or 2001:db8::10 prefixlen 64$/],
      ['group carp', /^f\.conf:2: every carp interface is in group carp/],
      ['carpnodes 1-0', /^f\.conf:2: carpnodes entry "1-0" is not VHID:ADVSKEW: write e\.g\. carpnodes 1:0,2:100$/],
      ['carpnodes 255:0', /^f\.conf:2: carpnodes vhid 255 is out of range: valid values are 1-254$/],
      ['balancing fast', /^f\.conf:2: unknown balancing mode "fast": valid balancing modes are none, ip, ip-stealth, ip-unicast or arp$/],
    ];
    for (const [line, pattern] of badLines) {
      it(`refuses "${line}" with file:line`, () => {
        assert.throws(() => parseInterfaceFile('f.conf', `carpdev eth0\n${line}\nvhid 1\n`), refusal(pattern));
      });
    }
  });

  describe('sysctl.conf text', () => {
    it('parses name=value lines, comments and spaces around "="', () => {
      const text = '# carp knobs\nnet.inet.carp.preempt=1\n\nnet.inet.carp.log = 3  # louder\n';
      assert.deepEqual(parseSysctlFile('sysctl.conf', text), [
        { name: 'net.inet.carp.preempt', value: '1' },
        { name: 'net.inet.carp.log', value: '3' },
      ]);
    });

    it('refuses bad lines with file:line', () => {
      assert.throws(() => parseSysctlFile('s.conf', 'a.b=1\nnet.inet.carp.preempt\n'), refusal(/^s\.conf:2: .*write name=value/));
      assert.throws(() => parseSysctlFile('s.conf', 'a.b=1 c.d=2\n'), refusal(/^s\.conf:1: one name=value per line$/));
      assert.throws(() => parseSysctlFile('s.conf', 'a.b=1\n\na.b=2\n'), refusal(/^s\.conf:3: a\.b is set twice \(first on line 1\)/));
    });

    it('asks the daemon\'s catalog about every assignment, refusing the file on the first bad one', () => {
      const seen: string[] = [];
      const checkSysctl = ({ name, value }: { name: string; value: string }): void => {
        seen.push(name);
        if (value !== '0' && value !== '1') throw new Error(`${name}: valid values are 0 or 1`);
      };
      assert.throws(
        () => parseSysctlFile('s.conf', 'net.inet.carp.allow=1\nnet.inet.carp.preempt=2\nnet.inet.carp.log=1\n', { checkSysctl }),
        refusal(/^s\.conf:2: net\.inet\.carp\.preempt: valid values are 0 or 1$/),
      );
      assert.deepEqual(seen, ['net.inet.carp.allow', 'net.inet.carp.preempt']);
    });
  });

  describe('readConfigDirectory', () => {
    it('returns one result per relevant file, carpN in numeric order, sysctl.conf last, others ignored', async () => {
      const dir = await configDir({
        'carp10.conf': 'vhid 10\n',
        'carp2.conf': 'vhid 2\ncarpdev eth0\ninet 192.0.2.2/24\n',
        'sysctl.conf': 'net.inet.carp.preempt=1\n',
        README: 'not configuration',
        'carp0.conf.bak': 'vhid 999',
        'eth0.conf': 'anything',
      });
      const results = await readConfigDirectory(dir);
      assert.deepEqual(summary(results, dir), ['interface carp2.conf', 'interface carp10.conf', 'sysctl sysctl.conf']);
      const [carp2, carp10, sysctl] = results;
      assert.ok(carp2?.kind === 'interface' && carp10?.kind === 'interface' && sysctl?.kind === 'sysctl');
      assert.equal(carp2.config.ifname, 'carp2');
      assert.equal(carp2.config.file, join(dir, 'carp2.conf'));
      assert.deepEqual(carp2.config.settings, { vhid: 2, carpdev: 'eth0' });
      assert.deepEqual(carp2.config.addresses.map(formatPrefix), ['192.0.2.2/24']);
      assert.equal(carp10.config.ifname, 'carp10');
      assert.deepEqual(sysctl.assignments, [{ name: 'net.inet.carp.preempt', value: '1' }]);
    });

    it('refuses a bad file as a whole and keeps the good ones', async () => {
      const dir = await configDir({
        'carp0.conf': 'vhid 1\ncarpdev eth0\n',
        'carp1.conf': 'vhid 2\ncarpdev eth0\nadvskew 255\ninet 192.0.2.3/24\n',
      });
      const results = await readConfigDirectory(dir);
      assert.deepEqual(summary(results, dir), ['interface carp0.conf', 'error carp1.conf']);
      const bad = results[1];
      assert.ok(bad?.kind === 'error');
      assert.equal(bad.message, `${join(dir, 'carp1.conf')}:3: advskew 255 is out of range: valid values are 0-254`);
      assert.ok(!('config' in bad), 'nothing of a bad file is returned');
    });

    it('refuses carp*.conf names that are not carpN.conf', async () => {
      const dir = await configDir({ 'carp.conf': 'vhid 1\n', 'carpX.conf': 'vhid 2\n', 'carp10000.conf': '', 'carp007.conf': '' });
      const results = await readConfigDirectory(dir);
      assert.deepEqual(summary(results, dir), ['error carp.conf', 'error carp007.conf', 'error carp10000.conf', 'error carpX.conf']);
      for (const result of results) {
        assert.ok(result.kind === 'error');
        assert.match(result.message, /\.conf: not a carp interface file name: name it carpN\.conf, for carpN from carp0 to carp9999/);
      }
    });

    it('resolves passfile relative to the directory, with the passfile checks and the line in errors', async () => {
      const dir = await configDir({
        'carp0.conf': 'vhid 1\npassfile keys/carp0\n',
        'carp1.conf': 'vhid 2\n\npassfile keys/open\n',
        'carp2.conf': 'passfile keys/missing\n',
      });
      await mkdir(join(dir, 'keys'), { mode: 0o700 });
      await writeFile(join(dir, 'keys', 'carp0'), 'from-a-file\r\n', { mode: 0o600 });
      await writeFile(join(dir, 'keys', 'open'), 'visible\n');
      await chmod(join(dir, 'keys', 'open'), 0o644);
      const [good, open, missing] = await readConfigDirectory(dir);
      assert.ok(good?.kind === 'interface', JSON.stringify(good));
      assert.deepEqual(good.config.settings, { vhid: 1, pass: { kind: 'text', text: 'from-a-file' } });
      assert.ok(open?.kind === 'error' && missing?.kind === 'error');
      assert.match(open.message, /carp1\.conf:3: passfile .*keys\/open is mode 0644: .*chmod 600/);
      assert.match(missing.message, /carp2\.conf:1: passfile .*keys\/missing: no such file$/);
    });

    it('refuses a sysctl.conf with a bad line and nothing of it is returned', async () => {
      const dir = await configDir({ 'sysctl.conf': 'net.inet.carp.preempt=1\nnet.inet.carp.log\n' });
      const [result] = await readConfigDirectory(dir);
      assert.ok(result?.kind === 'error');
      assert.match(result.message, /sysctl\.conf:2: /);
    });

    it('refuses a carpN.conf holding a passphrase that other users can read, and accepts it at mode 0600', async () => {
      const dir = await configDir({ 'carp0.conf': 'vhid 1 pass secret\n', 'carp1.conf': 'vhid 2\n' });
      await chmod(join(dir, 'carp0.conf'), 0o644);
      await chmod(join(dir, 'carp1.conf'), 0o644);
      const [open, noSecret] = await readConfigDirectory(dir);
      assert.ok(open?.kind === 'error');
      assert.match(open.message, /carp0\.conf is mode 0644: it holds a passphrase that users other than its owner can read or change; run chmod 600 /);
      assert.equal(noSecret?.kind, 'interface', 'a file without a passphrase may be readable');
      await chmod(join(dir, 'carp0.conf'), 0o600);
      const [closed] = await readConfigDirectory(dir);
      assert.ok(closed?.kind === 'interface');
      assert.deepEqual(closed.config.settings.pass, { kind: 'text', text: 'secret' });
    });

    it('refuses a carpN.conf that is not a regular file', async () => {
      const dir = await configDir({});
      await mkdir(join(dir, 'carp3.conf'));
      const [result] = await readConfigDirectory(dir);
      assert.ok(result?.kind === 'error');
      assert.match(result.message, /carp3\.conf: not a regular file$/);
    });

    it('throws when the directory cannot be read', async () => {
      await assert.rejects(readConfigDirectory(join(root, 'absent')), refusal(/^configuration directory .*absent: no such file or directory$/));
    });
  });
});
