import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarpError } from '../../src/carp/errors';
import { formatInterface } from '../../src/cli/format-interface';
import { formatCounters, formatStats } from '../../src/cli/format-stats';
import { EXIT_OK, EXIT_REFUSED, EXIT_UNREACHABLE, runCarpctl } from '../../src/cli/run';
import { type InterfaceStatusDto, type Request, type Result, maintenanceDto } from '../../src/control/protocol';
import { type ControlServer, startControlServer } from '../../src/control/transport';
import { casesFor, leakWords, leakedFragments } from '../config/leak-cases';
import { otherUidOrSkip } from '../config/other-user';
import { BACKUP, BALANCED, COUNTERS, INIT, MASTER } from './fixtures';

const INTERFACES: readonly InterfaceStatusDto[] = [MASTER, BACKUP, INIT, BALANCED];
const SYSCTLS: readonly (readonly [string, string])[] = [
  ['net.inet.carp.allow', '1'],
  ['net.inet.carp.preempt', '0'],
  ['net.inet.carp.log', '2'],
];

/** The fake daemon's maintenance mode, as maintenance-set leaves it. */
let maintenanceOn = false;

/** What the real daemon would answer, from canned data; every request is logged as its JSON. */
function fakeDaemon(log: string[]): (request: Request) => Promise<Result> {
  return (request) => {
    log.push(JSON.stringify(request));
    return Promise.resolve(answer(request));
  };
}

function answer(request: Request): Result {
  switch (request.type) {
    case 'show': {
      const found = INTERFACES.filter((i) => request.ifname === null || i.name === request.ifname);
      if (found.length === 0) throw new CarpError('no-such-interface', `${request.ifname}: no such interface`);
      return { interfaces: found, maintenance: maintenanceDto(maintenanceOn) };
    }
    case 'configure':
    case 'create': {
      const pass = request.settings.pass;
      const long = pass?.kind === 'text' && Buffer.byteLength(pass.text) > 19;
      return { warnings: long ? ['pass is longer than 19 bytes: only the first 19 are used, as on OpenBSD and FreeBSD; ucarp refuses it'] : [] };
    }
    case 'destroy':
    case 'group-demote':
    case 'reload':
      return { warnings: [] };
    case 'group-show':
      return { group: request.group, demote: 3 };
    case 'sysctl-get': {
      const names = request.names;
      const unknown = names.find((n) => !SYSCTLS.some(([name]) => name === n));
      if (unknown !== undefined) throw new CarpError('bad-sysctl', `unknown sysctl ${unknown}: valid names are ${SYSCTLS.map(([n]) => n).join(', ')}`);
      return { values: SYSCTLS.filter(([name]) => names.length === 0 || names.includes(name)) };
    }
    case 'sysctl-set':
      return { changes: request.assignments.map((a) => ({ name: a.name, from: '0', to: a.value })) };
    case 'counters':
      return { counters: COUNTERS };
    case 'explain':
    case 'monitor':
      // Covered against a real daemon in-process (test/daemon/monitor.test.ts, explain.test.ts).
      throw new CarpError('not-running', `${request.type} is not answered by the fake daemon`);
    case 'maintenance-get':
      return { maintenance: maintenanceDto(maintenanceOn) };
    case 'maintenance-set':
      maintenanceOn = request.on;
      return { maintenance: maintenanceDto(maintenanceOn) };
  }
}

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('carpctl end to end (fake daemon)', () => {
  let dir = '';
  let socket = '';
  let server: ControlServer | undefined;
  const log: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carp-cli-carpctl-'));
    socket = join(dir, 'carpd.sock');
    server = await startControlServer(socket, fakeDaemon(log));
  });

  beforeEach(() => {
    log.length = 0;
  });

  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function carpctl(...argv: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const status = await runCarpctl(argv, {
      out: (text) => (stdout += text),
      err: (text) => (stderr += text),
      env: { CARPD_SOCKET: socket },
      cwd: dir,
    });
    return { status, stdout, stderr };
  }

  const requests = (): unknown[] => log.map((l) => JSON.parse(l) as unknown);

  describe('showing', () => {
    it('prints every interface with no arguments', async () => {
      const run = await carpctl();
      assert.deepEqual(run, { status: EXIT_OK, stdout: INTERFACES.map((i) => formatInterface(i)).join(''), stderr: '' });
      assert.deepEqual(requests(), [{ type: 'show', ifname: null }]);
    });

    it('prints one interface byte for byte', async () => {
      const run = await carpctl('carp1');
      assert.equal(run.status, EXIT_OK);
      assert.equal(
        run.stdout,
        'carp1: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n\tlladdr 00:00:5e:00:01:02\n' +
          '\tcarp: BACKUP carpdev eth1 vhid 2 advbase 2 advskew 100\n\tgroups: carp uplink\n\tstatus: backup\n' +
          '\tinet 198.51.100.7 netmask 0xffffffff\n\tinet6 fe80::1%carp1 prefixlen 64\n\tcarp demote count 1\n',
      );
      assert.deepEqual(requests(), [{ type: 'show', ifname: 'carp1' }]);
    });

    it('prints JSON with -j: the result exactly as the protocol defines it', async () => {
      const run = await carpctl('-j', 'carp0');
      assert.equal(run.status, EXIT_OK);
      assert.equal(run.stdout, `${JSON.stringify({ interfaces: [MASTER], maintenance: { on: false, demotion: 0 } }, null, 2)}\n`);
    });

    it('prints a load-balanced interface in the OpenBSD carpnodes form', async () => {
      const run = await carpctl('carp3');
      assert.equal(run.status, EXIT_OK);
      assert.equal(
        run.stdout,
        'carp3: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n\tlladdr 01:00:5e:00:01:01\n' +
          '\tcarp: carpdev eth0 advbase 1 balancing ip\n\t\tstate MASTER vhid 1 advskew 0\n\t\tstate BACKUP vhid 2 advskew 100\n' +
          '\tgroups: carp\n\tstatus: master\n\tinet 192.168.1.10 netmask 0xffffff00 broadcast 192.168.1.255\n\tcarp demote count 0\n',
      );
    });

    it('carries the balancing mode and every carpnode in JSON', async () => {
      const run = await carpctl('-j', 'carp3');
      const shown = (JSON.parse(run.stdout) as { interfaces: InterfaceStatusDto[] }).interfaces[0];
      assert.equal(shown?.balancing, 'ip');
      assert.deepEqual(
        shown?.nodes.map((n) => [n.vhid, n.advskew, n.state]),
        [
          [1, 0, 'MASTER'],
          [2, 100, 'BACKUP'],
        ],
      );
      assert.equal((JSON.parse((await carpctl('-j', 'carp0')).stdout) as { interfaces: InterfaceStatusDto[] }).interfaces[0]?.balancing, 'none');
    });

    it('prints the counters with stats', async () => {
      const run = await carpctl('carp0', 'stats');
      assert.deepEqual(run, { status: EXIT_OK, stdout: formatStats(MASTER), stderr: '' });
      assert.deepEqual(requests(), [{ type: 'show', ifname: 'carp0' }]);
    });

    it('prints every counter of the daemon with stats alone, and refuses words after it', async () => {
      const run = await carpctl('stats');
      assert.deepEqual(run, { status: EXIT_OK, stdout: formatCounters(COUNTERS), stderr: '' });
      assert.deepEqual(requests(), [{ type: 'counters' }]);
      const extra = await carpctl('stats', 'carp0');
      assert.equal(extra.status, EXIT_REFUSED);
      assert.match(extra.stderr, /stats takes no words, not "carp0"/);
    });

    it('asks for a reload with reload, prints nothing on success, and refuses words after it', async () => {
      assert.deepEqual(await carpctl('reload'), { status: EXIT_OK, stdout: '', stderr: '' });
      assert.deepEqual(requests(), [{ type: 'reload' }]);
      const extra = await carpctl('reload', 'carp0');
      assert.equal(extra.status, EXIT_REFUSED);
      assert.match(extra.stderr, /reload takes no words, not "carp0"/);
    });

    it('passes on the daemon\'s refusal and exits 1', async () => {
      const run = await carpctl('carp9');
      assert.deepEqual(run, { status: EXIT_REFUSED, stdout: '', stderr: 'carpctl: carp9: no such interface\n' });
    });
  });

  describe('changing', () => {
    it('sends the settings of an ifconfig-like line, in any order, and prints nothing', async () => {
      const run = await carpctl('carp0', 'vhid', '1', 'pass', 'secret', 'carpdev', 'eth0', 'advbase', '1', 'advs', '100');
      assert.deepEqual(run, { status: EXIT_OK, stdout: '', stderr: '' });
      assert.deepEqual(requests(), [
        {
          type: 'configure',
          ifname: 'carp0',
          settings: { vhid: 1, pass: { kind: 'text', text: 'secret' }, carpdev: 'eth0', advbase: 1, advskew: 100 },
        },
      ]);
    });

    it('sends carpnodes sorted by vhid and the balancing mode, as OpenBSD\'s example line', async () => {
      const run = await carpctl('carp3', 'create', 'carpnodes', '2:100,1:0', 'balancing', 'ip', 'carpdev', 'eth0', 'pass', 'secret');
      assert.deepEqual(run, { status: EXIT_OK, stdout: '', stderr: '' });
      assert.deepEqual(requests(), [
        {
          type: 'create',
          ifname: 'carp3',
          settings: {
            nodes: [
              { vhid: 1, advskew: 0 },
              { vhid: 2, advskew: 100 },
            ],
            balancing: 'ip',
            carpdev: 'eth0',
            pass: { kind: 'text', text: 'secret' },
          },
        },
      ]);
    });

    it('sends create with settings, and destroy', async () => {
      assert.equal((await carpctl('carp3', 'create', 'vhid', '3', 'carpdev', 'eth0')).status, EXIT_OK);
      assert.equal((await carpctl('carp3', 'destroy')).status, EXIT_OK);
      assert.deepEqual(requests(), [
        { type: 'create', ifname: 'carp3', settings: { vhid: 3, carpdev: 'eth0' } },
        { type: 'destroy', ifname: 'carp3' },
      ]);
    });

    it('sends -pass, -carpdev, state, up/down and groups', async () => {
      assert.equal((await carpctl('carp0', '-pass', '-carpdev', 'state', 'backup', 'down', 'group', 'dmz', '-group', 'lan')).status, EXIT_OK);
      assert.deepEqual(requests(), [
        {
          type: 'configure',
          ifname: 'carp0',
          settings: { pass: { kind: 'none' }, carpdev: null, state: 'BACKUP', up: false, groupsAdded: ['dmz'], groupsRemoved: ['lan'] },
        },
      ]);
    });

    it('sends an address word as ifconfig takes it, and sysctl -w as an assignment', async () => {
      assert.equal((await carpctl('carp0', 'vhid', '1', '192.168.1.10')).status, EXIT_OK);
      assert.equal((await carpctl('carp0', 'inet', 'alias', '192.168.1.11', 'netmask', '0xffffff00')).status, EXIT_OK);
      assert.equal((await carpctl('carp0', '-alias', '2001:db8::1')).status, EXIT_OK);
      assert.equal((await carpctl('sysctl', '-w', 'net.inet.carp.allow=1')).status, EXIT_OK);
      assert.deepEqual(requests(), [
        { type: 'configure', ifname: 'carp0', settings: { vhid: 1, address: { kind: 'set', address: '192.168.1.10', prefixLength: 32 } } },
        { type: 'configure', ifname: 'carp0', settings: { address: { kind: 'alias', address: '192.168.1.11', prefixLength: 24 } } },
        { type: 'configure', ifname: 'carp0', settings: { address: { kind: 'remove', address: '2001:db8::1', prefixLength: null } } },
        { type: 'sysctl-set', assignments: [{ name: 'net.inet.carp.allow', value: '1' }] },
      ]);
    });

    it('prints the daemon\'s warnings on stderr', async () => {
      const run = await carpctl('carp0', 'pass', 'a-passphrase-of-24-bytes');
      assert.equal(run.status, EXIT_OK);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^carpctl: warning: pass is longer than 19 bytes: only the first 19 are used/);
    });

    it('reads passfile relative to the working directory and sends the passphrase as text', async () => {
      await writeFile(join(dir, 'carp0.key'), 'from-file\r\n', { mode: 0o600 });
      assert.equal((await carpctl('carp0', 'passfile', 'carp0.key')).status, EXIT_OK);
      assert.deepEqual(requests(), [{ type: 'configure', ifname: 'carp0', settings: { pass: { kind: 'text', text: 'from-file' } } }]);
    });

    it('refuses a passfile other users can read before asking the daemon', async () => {
      const path = join(dir, 'open.key');
      await writeFile(path, 'visible\n');
      await chmod(path, 0o644);
      const run = await carpctl('carp0', 'vhid', '1', 'passfile', path);
      assert.equal(run.status, EXIT_REFUSED);
      assert.equal(run.stderr, `carpctl: passfile ${path} is mode 0644: users other than its owner can read or change it; run chmod 600 ${path}\n`);
      assert.deepEqual(log, [], 'nothing was sent');
    });
  });

  describe('a passfile another user can change', () => {
    it('is refused in a directory others can write, before asking the daemon', async () => {
      const open = join(dir, 'open-keys');
      await mkdir(open);
      await chmod(open, 0o777);
      await writeFile(join(open, 'carp0.key'), 'secret\n', { mode: 0o600 });
      const run = await carpctl('carp0', 'passfile', join(open, 'carp0.key'));
      assert.equal(run.status, EXIT_REFUSED);
      assert.equal(
        run.stderr,
        `carpctl: passfile ${join(open, 'carp0.key')}: ${open} is writable by group and others, so another user could replace what it holds: refused; keep it under directories only root can change, or run chmod go-w ${open}\n`,
      );
      assert.deepEqual(log, [], 'nothing was sent');
    });

    it('is refused when another user owns it, even to root (root only)', async function () {
      const uid = otherUidOrSkip(this);
      const path = join(dir, 'theirs.key');
      await writeFile(path, 'secret\n', { mode: 0o600 });
      await chown(path, uid, uid);
      const run = await carpctl('carp0', 'vhid', '1', 'passfile', path);
      assert.equal(run.status, EXIT_REFUSED);
      assert.equal(run.stderr, `carpctl: passfile ${path} is owned by uid ${uid}, so another user could change it: refused; run chown root:root ${path}\n`);
      assert.deepEqual(log, [], 'nothing was sent');
    });
  });

  describe('groups and sysctl', () => {
    it('shows a group\'s demote count as OpenBSD does', async () => {
      assert.deepEqual(await carpctl('-g', 'carp'), { status: EXIT_OK, stdout: 'carp: carp demote count 3\n', stderr: '' });
      assert.deepEqual(requests(), [{ type: 'group-show', group: 'carp' }]);
    });

    it('sends carpdemote [N] and -carpdemote [N]', async () => {
      for (const words of [['carpdemote'], ['carpdemote', '5'], ['-carpdemote'], ['-carpdemote', '2']]) {
        assert.deepEqual(await carpctl('-g', 'carp', ...words), { status: EXIT_OK, stdout: '', stderr: '' });
      }
      assert.deepEqual(
        requests().map((r) => (r as { delta: number }).delta),
        [1, 5, -1, -2],
      );
    });

    it('lists every sysctl with -a or no name', async () => {
      const expected = 'net.inet.carp.allow=1\nnet.inet.carp.preempt=0\nnet.inet.carp.log=2\n';
      assert.deepEqual(await carpctl('sysctl', '-a'), { status: EXIT_OK, stdout: expected, stderr: '' });
      assert.deepEqual(await carpctl('sysctl'), { status: EXIT_OK, stdout: expected, stderr: '' });
    });

    it('shows named sysctls as NAME=VALUE', async () => {
      assert.deepEqual(await carpctl('sysctl', 'net.inet.carp.preempt'), { status: EXIT_OK, stdout: 'net.inet.carp.preempt=0\n', stderr: '' });
    });

    it('sets sysctls, printing old -> new as OpenBSD sysctl does', async () => {
      const run = await carpctl('sysctl', 'net.inet.carp.preempt=1', 'net.inet.carp.log=3');
      assert.deepEqual(run, { status: EXIT_OK, stdout: 'net.inet.carp.preempt: 0 -> 1\nnet.inet.carp.log: 0 -> 3\n', stderr: '' });
      assert.deepEqual(requests(), [
        {
          type: 'sysctl-set',
          assignments: [
            { name: 'net.inet.carp.preempt', value: '1' },
            { name: 'net.inet.carp.log', value: '3' },
          ],
        },
      ]);
    });

    it('prints sysctl JSON with -j', async () => {
      const run = await carpctl('-j', 'sysctl', 'net.inet.carp.allow');
      assert.deepEqual(JSON.parse(run.stdout), { values: [['net.inet.carp.allow', '1']] });
    });
  });

  describe('maintenance mode', () => {
    afterEach(() => {
      maintenanceOn = false;
    });

    it('shows it with maintenance alone and switches it with maintenance on|off (prefixes too)', async () => {
      assert.deepEqual(await carpctl('maintenance'), { status: EXIT_OK, stdout: 'maintenance mode: off\n', stderr: '' });
      assert.deepEqual(await carpctl('maintenance', 'on'), { status: EXIT_OK, stdout: 'maintenance mode: on (demoted by 240)\n', stderr: '' });
      assert.deepEqual(await carpctl('maint', 'of'), { status: EXIT_OK, stdout: 'maintenance mode: off\n', stderr: '' });
      assert.deepEqual(requests(), [{ type: 'maintenance-get' }, { type: 'maintenance-set', on: true }, { type: 'maintenance-set', on: false }]);
    });

    it('prints a maintenance line in every interface block while it is on, and the mode under -j', async () => {
      await carpctl('maintenance', 'on');
      const run = await carpctl('carp1');
      assert.match(run.stdout, /\tcarp: BACKUP carpdev eth1 vhid 2 advbase 2 advskew 100\n\tcarp: maintenance mode \(demoted by 240\)\n\tgroups:/);
      const json = JSON.parse((await carpctl('-j', 'maintenance')).stdout) as unknown;
      assert.deepEqual(json, { maintenance: { on: true, demotion: 240 } });
    });

    it('refuses other words, naming on and off, and sends nothing', async () => {
      const bad = await carpctl('maintenance', 'yes');
      assert.equal(bad.status, EXIT_REFUSED);
      assert.match(bad.stderr, /unknown word "yes": valid words are on or off/);
      const extra = await carpctl('maintenance', 'on', 'now');
      assert.equal(extra.status, EXIT_REFUSED);
      assert.match(extra.stderr, /maintenance takes one word, on or off, not also "now"/);
      assert.deepEqual(requests(), []);
    });
  });

  describe('exit status', () => {
    const refusals: readonly (readonly [string[], RegExp])[] = [
      [['carp0', 'adv', '5'], /^carpctl: word "adv" is ambiguous: it could be advbase or advskew\n$/],
      [['carp0', 'vhid', '256'], /^carpctl: vhid 256 is out of range: valid values are 1-255\n$/],
      [['carp0', 'vhid'], /^carpctl: vhid needs a number 1-255\n$/],
      [['carp0', 'bogus'], /^carpctl: unknown word "bogus": valid words are create, destroy, stats, explain, vhid, .*, -alias or an address \(ADDRESS\[\/PREFIX\], e\.g\. 192\.0\.2\.10\/24\)\n$/],
      [['carpX'], /^carpctl: "carpX" is not a carp interface name/],
      [['eth0'], /^carpctl: unknown command "eth0": give a carp interface \(carpN \.\.\.\), -g GROUP, sysctl, stats, monitor, reload or maintenance\n$/],
      [['-x'], /^carpctl: unknown option "-x": valid options are --socket PATH, -j, -g GROUP or -h\n$/],
      [['--socket'], /^carpctl: --socket needs a path/],
      [['-g'], /^carpctl: -g needs a group name/],
      [['-g', 'carp', 'carpdemote', '256'], /^carpctl: carpdemote 256 is out of range: valid values are 1-255\n$/],
      [['sysctl', 'net.inet.carp.preempt=1', 'net.inet.carp.log'], /not both/],
      [['carp0', 'state', 'primary'], /valid states are init, backup or master/],
      [['carp0', 'carpnodes', '1:0,2:0', 'vhid', '1'], /^carpctl: vhid and carpnodes contradict each other: give either carpnodes/],
      [['carp0', 'carpnodes', '1:0,1:100'], /^carpctl: carpnodes: vhid 1 is given twice/],
      [['carp0', 'carpnodes', '255:0'], /^carpctl: carpnodes vhid 255 is out of range: valid values are 1-254\n$/],
      [['carp0', 'balancing', 'ip-'], /^carpctl: balancing mode "ip-" is ambiguous: it could be ip-stealth or ip-unicast\n$/],
      [['carp0', 'carp', 'eth0'], /^carpctl: word "carp" is ambiguous: it could be carpnodes, carpdev, carppeer or carpver\n$/],
    ];
    for (const [argv, pattern] of refusals) {
      it(`exits 1 for "carpctl ${argv.join(' ')}" without asking the daemon`, async () => {
        const run = await carpctl(...argv);
        assert.equal(run.status, EXIT_REFUSED);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, pattern);
        assert.deepEqual(log, []);
      });
    }

    it('exits 1 for a refusal of the daemon', async () => {
      const run = await carpctl('sysctl', 'net.inet.carp.nonsense');
      assert.equal(run.status, EXIT_REFUSED);
      assert.match(run.stderr, /^carpctl: unknown sysctl net\.inet\.carp\.nonsense: valid names are/);
    });

    it('exits 2 when the daemon cannot be reached, naming the socket', async () => {
      const missing = join(dir, 'absent.sock');
      const run = await carpctl('--socket', missing, 'carp0');
      assert.equal(run.status, EXIT_UNREACHABLE);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, new RegExp(`^carpctl: cannot reach carpd: ${missing} does not exist; is carpd running`));
    });

    it('exits 2 and sends nothing to a daemon in a directory anyone could have put a socket in', async () => {
      const open = join(dir, 'open');
      await mkdir(open);
      await chmod(open, 0o777);
      const requests: string[] = [];
      const impostor = await startControlServer(join(open, 'carpd.sock'), fakeDaemon(requests));
      try {
        const run = await carpctl('--socket', impostor.path, 'carp0', 'pass', 'secret');
        assert.equal(run.status, EXIT_UNREACHABLE);
        assert.match(run.stderr, new RegExp(`^carpctl: refusing to talk to ${impostor.path}: directory ${open} is writable by group and others \\(mode 0777\\) and not sticky`));
        assert.deepEqual(requests, []);
      } finally {
        await impostor.close();
      }
    });

    it('exits 2 and says carpd is busy, with its limit, when every connection has a request in progress', async () => {
      let release = (): void => undefined;
      let reached = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const arrived = new Promise<void>((resolve) => (reached = resolve));
      const handler = async (request: Request): Promise<Result> => {
        reached();
        await held;
        return answer(request);
      };
      const busy = await startControlServer(join(dir, 'busy.sock'), handler, { maxConnections: 1 });
      try {
        const first = carpctl('--socket', busy.path, '-g', 'carp');
        await arrived;
        const run = await carpctl('--socket', busy.path, 'carp0');
        assert.deepEqual(run, {
          status: EXIT_UNREACHABLE,
          stdout: '',
          stderr: `carpctl: carpd at ${busy.path} is busy: every control connection (limit 1) has a request in progress; try again in a moment\n`,
        });
        release();
        assert.equal((await first).status, EXIT_OK);
      } finally {
        release();
        await busy.close();
      }
    });

    it('lets --socket win over CARPD_SOCKET', async () => {
      const run = await carpctl(`--socket=${join(dir, 'other.sock')}`, '-g', 'carp');
      assert.equal(run.status, EXIT_UNREACHABLE);
      assert.deepEqual(log, []);
    });

    it('prints the usage with -h and exits 0', async () => {
      const run = await carpctl('-h');
      assert.equal(run.status, EXIT_OK);
      assert.match(run.stdout, /^usage: carpctl \[--socket PATH\] \[-j\]/);
      assert.match(run.stdout, /vhid 1-255 {3}advbase 0-255 {3}advskew 0-254/);
      assert.match(run.stdout, /carpnodes VHID:ADVSKEW\[,\.\.\.\] {3}balancing none\|ip\|ip-stealth\|ip-unicast\|arp/);
    });
  });

  it('never shows the passphrase, except in the configure or create request that carries it', async () => {
    const secret = 'Zq7-unique-passphrase';
    await writeFile(join(dir, 'secret.key'), `${secret}\n`, { mode: 0o600 });
    const runs = [
      await carpctl('carp0', 'pass', secret),
      await carpctl('carp4', 'create', 'vhid', '4', 'pass', secret),
      await carpctl('carp0', 'passfile', 'secret.key'),
      await carpctl('-j', 'carp0', 'pass', secret),
      await carpctl('carp0', 'pass', secret, 'vhid', '256'),
      await carpctl('carp0', 'pass', secret, 'pass', secret),
      await carpctl('carp0'),
      await carpctl('-j'),
      await carpctl('carp0', 'stats'),
      await carpctl('-j', 'carp0', 'stats'),
    ];
    for (const run of runs) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), JSON.stringify(run));
    }
    const carrying = log.filter((line) => line.includes(secret));
    assert.equal(carrying.length, 4, 'pass, create, passfile and -j pass each sent it once');
    for (const line of carrying) assert.match(line, /^\{"type":"(configure|create)"/);
  });

  describe('never prints a word after pass in a refusal', () => {
    for (const leak of casesFor('command')) {
      const words = leakWords(leak);
      it(`carpctl carp0 ${words.join(' ')}`, async () => {
        for (const argv of [['carp0', ...words], ['carp4', 'create', ...words], ['-j', 'carp0', ...words]]) {
          const run = await carpctl(...argv);
          assert.equal(run.status, EXIT_REFUSED);
          assert.equal(run.stdout, '');
          assert.deepEqual(leakedFragments(run.stderr, leak, /^carpctl: /), [], run.stderr);
          assert.match(run.stderr, /^carpctl: the \d+(st|nd|rd|th) word after pass /);
        }
        assert.deepEqual(log, [], 'nothing was sent');
      });
    }

    it('nor after a pass where no passphrase is read', async () => {
      const extra = await carpctl('stats', 'pass', 'Zq7secret');
      const count = await carpctl('-g', 'carp', 'carpdemote', 'pass', 'Zq7secret');
      for (const run of [extra, count]) {
        assert.equal(run.status, EXIT_REFUSED);
        assert.ok(!run.stderr.includes('Zq7'), run.stderr);
      }
      assert.equal(extra.stderr, 'carpctl: stats takes no words, not "pass"\n');
    });
  });

  describe('the carpctl program', () => {
    const program = join(__dirname, '..', '..', 'src', 'bin', 'carpctl.js');

    function spawnCarpctl(argv: string[], env: NodeJS.ProcessEnv): Promise<Run> {
      return new Promise((resolve) => {
        execFile(process.execPath, [program, ...argv], { env }, (error, stdout, stderr) => {
          const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          resolve({ status, stdout, stderr });
        });
      });
    }

    it('prints and exits 0 against the daemon', async () => {
      const run = await spawnCarpctl(['-g', 'carp'], { CARPD_SOCKET: socket });
      assert.deepEqual(run, { status: 0, stdout: 'carp: carp demote count 3\n', stderr: '' });
    });

    it('exits 1 on a usage error and 2 when the daemon is missing', async () => {
      assert.equal((await spawnCarpctl(['carp0', 'adv', '1'], { CARPD_SOCKET: socket })).status, 1);
      const unreachable = await spawnCarpctl(['carp0'], { CARPD_SOCKET: join(dir, 'none.sock') });
      assert.equal(unreachable.status, 2);
      assert.match(unreachable.stderr, /none\.sock does not exist/);
    });
  });
});
