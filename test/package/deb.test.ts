/**
 * The Debian package end to end (root; CI): built from this tree, installed with dpkg -i, used
 * from PATH, man and systemd as an administrator would, a failover between two hosts in network
 * namespaces run by the INSTALLED carpd and carpctl, then removed (only the conffile stays) and
 * purged (nothing stays). The package is purged after the run even when a step fails.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NetnsLab, netnsUnavailableReason } from '../helpers/netns';
import { exited, waitFor } from '../helpers/poll';
import { CarpLab } from '../netns/carp-lab';
import { EXPOSURE_THRESHOLD, unitValues } from '../systemd/unit-file';
import { PACKAGE, buildDeb, debUnavailableReason, dpkg, packageFiles, packageStatus, purgeQuietly } from './deb-package';

const run = promisify(execFile);

const UNIT = '/lib/systemd/system/carpd.service';
/** The link deb-systemd-helper makes for `WantedBy=multi-user.target`: the service is enabled. */
const ENABLED_LINK = '/etc/systemd/system/multi-user.target.wants/carpd.service';
/** Where the package puts the addon, and where the loader must find it (no compiler on the target). */
const PREBUILT_ADDON = `/usr/lib/carpd/prebuilds/${process.platform}-${process.arch}/carp_native.napi.node`;
/** h2's master-down interval: 3 * advbase + advskew/256 s (docs/protocol.md §3.2). */
const BACKUP_MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;

function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

describe('Debian package: build, dpkg -i, use, remove, purge', function () {
  let dir: string | undefined;
  let deb: string;

  before(async function () {
    this.timeout(240_000);
    const reason = debUnavailableReason() ?? netnsUnavailableReason();
    if (reason) return this.skip();
    dir = await mkdtemp(join(tmpdir(), 'carp-deb-'));
    deb = await buildDeb(dir);
    await dpkg('-i', deb);
  });

  after(async function () {
    this.timeout(120_000);
    if (dir === undefined) return;
    await purgeQuietly();
    await rm(dir, { recursive: true, force: true });
  });

  it('lintian reports no errors', async function () {
    this.timeout(180_000);
    // lintian exits 1 on errors only (its default --fail-on error).
    const { stdout } = await run('lintian', [deb], { timeout: 170_000, maxBuffer: 16 << 20 }).catch((e: { stdout?: string }) => {
      throw new Error(`lintian found errors:\n${e.stdout ?? ''}`);
    });
    assert.doesNotMatch(stdout, /^E: /m);
  });

  it('puts carpd and carpctl on PATH; both answer their help option', async () => {
    assert.equal(packageStatus(), 'install ok installed');
    const carpctl = await run('carpctl', ['-h']);
    assert.match(carpctl.stdout, /^usage: carpctl /);
    const carpd = await run('carpd', ['--help']);
    assert.match(carpd.stdout, /^usage: carpd /);
    assert.equal((await run('sh', ['-c', 'command -v carpd; command -v carpctl'])).stdout, '/usr/sbin/carpd\n/usr/bin/carpctl\n');
  });

  it('installs carpd(8), carpctl(8) and carp.conf(5) where man finds them, rendered from docs/', async () => {
    const { stdout } = await run('man', ['-w', 'carpd', 'carpctl', 'carp.conf']);
    assert.deepEqual(stdout.trim().split('\n'), [
      '/usr/share/man/man8/carpd.8.gz',
      '/usr/share/man/man8/carpctl.8.gz',
      '/usr/share/man/man5/carp.conf.5.gz',
    ]);
    const page = (await run('man', ['carpctl'], { env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } })).stdout;
    assert.match(page, /^CARPCTL\(8\) +System Manager's Manual +CARPCTL\(8\)$/m);
    assert.match(page, /^SYNOPSIS\n +carpctl \[--socket path\] \[-j\]\n/m);
    // A link of the Markdown keeps its text only, "carpd(8)" and not "carpd(8) (carpd.8.md)"; the
    // documents the pages name by file are installed beside the README.
    assert.doesNotMatch(page, /\(\S+\.md\)/);
    for (const doc of ['README.md', 'design.md', 'security.md', 'benchmarks.md']) assert.ok(existsSync(`/usr/share/doc/carpd/${doc}`), doc);
    // carpd(8) SCHEDULING: the real-time drop-in, for the administrator to copy.
    assert.ok(existsSync('/usr/share/doc/carpd/examples/realtime.conf'));
  });

  it('installs the unit, which passes systemd-analyze verify and stays within the exposure of the repository unit', async () => {
    await run('systemd-analyze', ['verify', UNIT]);
    await run('systemd-analyze', ['security', '--offline=true', `--threshold=${EXPOSURE_THRESHOLD}`, UNIT]);
    const unit = await readFile(UNIT, 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/sbin\/carpd --config \/etc\/carp /m);
    // The memory settings of the repository's unit (carpd(8) MEMORY) come along.
    const environment = unit.split('\n').filter((line) => line.startsWith('Environment='));
    assert.deepEqual(environment, unitValues('Environment').map((value) => `Environment=${value}`));
  });

  it('enables the service on installation and makes /etc/carp root-only', () => {
    assert.equal(lstatSync(ENABLED_LINK).isSymbolicLink(), true);
    assert.equal(lstatSync('/etc/carp').mode & 0o777, 0o700);
  });

  describe('two hosts running the installed carpd and carpctl', function () {
    let lab: CarpLab | undefined;

    before(async function () {
      if (dir === undefined) return this.skip();
      lab = await CarpLab.create('deb', ['h1', 'h2'], { carpd: ['/usr/sbin/carpd'], carpctl: ['/usr/bin/carpctl'] });
      await lab.startDaemon('h1');
      await lab.startDaemon('h2');
      await lab.configureCarp('h1', 'vhid 3 pass secret carpdev eth0 advskew 0');
      await lab.configureCarp('h2', 'vhid 3 pass secret carpdev eth0 advskew 100');
      await lab.waitState('h1', 'MASTER');
      await lab.waitState('h2', 'BACKUP');
    });

    after(async () => {
      await lab?.cleanup();
    });

    it('carpd runs the addon the package installed, not one of the build tree', async () => {
      const maps = await readFile(`/proc/${lab?.daemonPid('h1')}/maps`, 'utf8');
      const addons = new Set(maps.split('\n').filter((line) => line.endsWith('.node')).map((line) => line.split(/\s+/).pop()));
      assert.ok(addons.has(PREBUILT_ADDON), [...addons].join(', '));
      assert.ok([...addons].every((file) => file?.startsWith('/usr/lib/carpd/')), [...addons].join(', '));
    });

    it('the backup takes over when the master loses its link', async () => {
      const l = lab as CarpLab;
      await l.net.exec('lan', 'ip', ['link', 'set', 'p-h1', 'down']);
      await l.waitState('h2', 'MASTER', BACKUP_MASTER_DOWN_MS + 2000);
      await l.net.exec('lan', 'ip', ['link', 'set', 'p-h1', 'up']);
      await l.waitState('h1', 'BACKUP');
    });

    it('a master stopped as removal stops it (SIGTERM) bows out: the backup takes over at once', async () => {
      const l = lab as CarpLab;
      await l.stopDaemon('h2', 'SIGTERM');
      await l.waitState('h1', 'MASTER', 1000);
      assert.equal((await l.status('h1')).nodes[0]?.lastTransition?.reason, 'bow-out');
    });
  });

  it('carpd takes the /etc/carp the package made, with its default --config, and complains of nothing', async function () {
    if (dir === undefined) return this.skip();
    const net = await NetnsLab.create('debetc');
    try {
      await net.addNamespace('h');
      const socket = join(dir, 'etc-carp.sock');
      const child = net.spawn('h', '/usr/sbin/carpd', ['--socket', socket, '--runtime-dir', join(dir, 'run'), '--state-dir', join(dir, 'state')]);
      const log: string[] = [];
      for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
      try {
        await waitFor('carpd to answer', () => run('/usr/bin/carpctl', ['--socket', socket, 'sysctl', 'net.inet.carp.preempt']).then(() => true, () => false));
      } finally {
        child.kill('SIGTERM');
        await exited(child);
      }
      // pino levels: 40 warn, 50 error, 60 fatal.
      assert.doesNotMatch(log.join(''), /"level":[4-6]0/);
    } finally {
      await net.cleanup();
    }
  });

  describe('removal and purge', () => {
    it('dpkg -r leaves nothing of the package but its conffile (and, until purge, the enabled state)', async () => {
      const { files, conffiles } = await packageFiles();
      assert.deepEqual(conffiles, ['/etc/carp/sysctl.conf']);
      await dpkg('-r', PACKAGE);
      assert.equal(packageStatus(), 'deinstall ok config-files');
      // Directories may be other packages' too (and /lib a link to /usr/lib): files only.
      const left = files.filter((path) => existsSync(path) && !statSync(path).isDirectory());
      assert.deepEqual(left, conffiles);
      for (const dir of ['/usr/lib/carpd', '/etc/carp']) assert.equal(existsSync(dir), dir === '/etc/carp', dir);
      await assert.rejects(run('sh', ['-c', 'command -v carpd || command -v carpctl']));
      // As for every package whose unit debhelper installs: a reinstallation keeps the
      // administrator's choice to enable or disable carpd.service.
      assert.equal(present(ENABLED_LINK), true);
    });

    it('dpkg --purge removes the conffile, /etc/carp, the enabled state and /var/lib/carpd', async () => {
      await dpkg('--purge', PACKAGE);
      assert.equal(packageStatus(), undefined);
      for (const path of ['/etc/carp', ENABLED_LINK, '/var/lib/carpd']) assert.equal(present(path), false, path);
    });
  });
});
