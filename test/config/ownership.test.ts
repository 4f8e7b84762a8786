import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigFileResult, readConfigDirectory } from '../../src/config/config-files';
import { ConfigError } from '../../src/config/grammar';
import { describeOwnershipProblem, ownershipProblem, trustedOwners } from '../../src/config/ownership';
import { readPassfile } from '../../src/config/passfile';
import { otherUidOrSkip } from './other-user';

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
/** carpd's own user in these cases, as when tests run unprivileged. */
const DAEMON_UID = 1000;
const TRUSTED = [0, DAEMON_UID];

function decide(facts: { uid: number; mode: number }, role: Parameters<typeof ownershipProblem>[2], path = '/etc/carp/carp0.conf'): string | null {
  const problem = ownershipProblem(path, facts, role, TRUSTED);
  return problem === null ? null : describeOwnershipProblem(problem);
}

describe('ownership (who may have written the configuration)', () => {
  describe('the rule', () => {
    it('accepts files and directories of root or of carpd\'s user that only the owner can write', () => {
      assert.equal(decide({ uid: 0, mode: S_IFREG | 0o644 }, 'file'), null);
      assert.equal(decide({ uid: DAEMON_UID, mode: S_IFREG | 0o600 }, 'file'), null);
      assert.equal(decide({ uid: 0, mode: S_IFREG | 0o400 }, 'secret'), null);
      assert.equal(decide({ uid: 0, mode: S_IFDIR | 0o755 }, 'directory', '/etc/carp'), null);
      assert.equal(decide({ uid: DAEMON_UID, mode: S_IFDIR | 0o700 }, 'on-the-way', '/home/carpd'), null);
    });

    it('refuses another owner, naming the uid and the fix', () => {
      assert.equal(
        decide({ uid: 1001, mode: S_IFREG | 0o644 }, 'file'),
        '/etc/carp/carp0.conf is owned by uid 1001, so another user could change it: refused; run chown root:root /etc/carp/carp0.conf',
      );
    });

    it('refuses group or world write permission, and says which', () => {
      assert.equal(
        decide({ uid: 0, mode: S_IFREG | 0o664 }, 'file'),
        '/etc/carp/carp0.conf is writable by group, so another user could change it: refused; run chmod go-w /etc/carp/carp0.conf',
      );
      assert.match(decide({ uid: 0, mode: S_IFREG | 0o646 }, 'file') ?? '', /is writable by others, /);
      assert.match(decide({ uid: 0, mode: S_IFREG | 0o666 }, 'file') ?? '', /is writable by group and others, /);
    });

    it('gives both faults and both fixes at once', () => {
      assert.equal(
        decide({ uid: 1001, mode: S_IFREG | 0o664 }, 'file'),
        '/etc/carp/carp0.conf is owned by uid 1001 and writable by group, so another user could change it: refused; ' +
          'run chown root:root /etc/carp/carp0.conf && chmod go-w /etc/carp/carp0.conf',
      );
    });

    it('fixes a passfile with chmod 600, since its read bits go too', () => {
      const problem = ownershipProblem('/etc/carp/key', { uid: 1001, mode: S_IFREG | 0o660 }, 'secret', TRUSTED);
      assert.ok(problem !== null);
      assert.equal(
        describeOwnershipProblem(problem, 'passfile /etc/carp/key'),
        'passfile /etc/carp/key is owned by uid 1001 and writable by group, so another user could change it: refused; ' +
          'run chown root:root /etc/carp/key && chmod 600 /etc/carp/key',
      );
    });

    it('refuses a configuration directory others can write, sticky or not', () => {
      assert.equal(
        decide({ uid: 0, mode: S_IFDIR | 0o775 }, 'directory', '/etc/carp'),
        '/etc/carp is writable by group, so another user could add or replace files in it: refused; run chmod go-w /etc/carp',
      );
      assert.match(decide({ uid: 0, mode: S_IFDIR | 0o1777 }, 'directory', '/etc/carp') ?? '', /writable by group and others/);
    });

    it('accepts a sticky directory on the way (/tmp), but not another user\'s or a plain writable one', () => {
      assert.equal(decide({ uid: 0, mode: S_IFDIR | 0o1777 }, 'on-the-way', '/tmp'), null);
      assert.equal(
        decide({ uid: 0, mode: S_IFDIR | 0o777 }, 'on-the-way', '/srv'),
        '/srv is writable by group and others, so another user could replace what it holds: refused; keep it under directories only root can change, or run chmod go-w /srv',
      );
      assert.match(decide({ uid: 1001, mode: S_IFDIR | 0o1777 }, 'on-the-way', '/scratch') ?? '', /^\/scratch is owned by uid 1001, /);
    });

    it('trusts root and the user the process runs as', () => {
      assert.deepEqual(trustedOwners(), [0, process.geteuid?.()]);
    });
  });

  describe('on disk', () => {
    let root = '';
    let count = 0;

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'carp-ownership-'));
    });

    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    /** A fresh configuration directory (mode 0755) holding `files` (mode 0600), whatever the umask. */
    async function configDir(files: Record<string, string>, parent = root): Promise<string> {
      const dir = join(parent, `d${count++}`);
      await mkdir(dir);
      await chmod(dir, 0o755);
      for (const [name, content] of Object.entries(files)) {
        await writeFile(join(dir, name), content);
        await chmod(join(dir, name), 0o600);
      }
      return dir;
    }

    function byFile(results: readonly ConfigFileResult[], dir: string): Record<string, string> {
      return Object.fromEntries(results.map((r) => [r.file.slice(dir.length + 1), r.kind === 'error' ? r.message : r.kind]));
    }

    function refusal(pattern: RegExp): (e: unknown) => boolean {
      return (e: unknown) => {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        assert.match(e.message, pattern);
        return true;
      };
    }

    const GOOD = { 'carp0.conf': 'vhid 1\n', 'carp1.conf': 'vhid 2\n', 'sysctl.conf': 'net.inet.carp.preempt=1\n' };

    it('refuses a configuration directory writable by its group, so nothing of it is read', async () => {
      const dir = await configDir(GOOD);
      await chmod(dir, 0o775);
      await assert.rejects(
        readConfigDirectory(dir),
        refusal(new RegExp(`^configuration directory ${dir} is writable by group, so another user could add or replace files in it: refused; run chmod go-w ${dir}$`)),
      );
    });

    it('refuses a directory on the way that others can write, and accepts a sticky one', async () => {
      const parent = join(root, `open${count++}`);
      await mkdir(parent);
      await chmod(parent, 0o777);
      const dir = await configDir(GOOD, parent);
      await assert.rejects(
        readConfigDirectory(dir),
        refusal(new RegExp(`^configuration directory ${dir}: ${parent} is writable by group and others, so another user could replace what it holds: refused; keep it under directories only root can change, or run chmod go-w ${parent}$`)),
      );
      await chmod(parent, 0o1777);
      assert.equal((await readConfigDirectory(dir)).length, 3);
    });

    it('skips a carpN.conf or sysctl.conf others can write, with its reason, and reads the rest', async () => {
      const dir = await configDir(GOOD);
      await chmod(join(dir, 'carp1.conf'), 0o664);
      await chmod(join(dir, 'sysctl.conf'), 0o646);
      const file = join(dir, 'carp1.conf');
      assert.deepEqual(byFile(await readConfigDirectory(dir), dir), {
        'carp0.conf': 'interface',
        'carp1.conf': `${file} is writable by group, so another user could change it: refused; run chmod go-w ${file}`,
        'sysctl.conf': `${join(dir, 'sysctl.conf')} is writable by others, so another user could change it: refused; run chmod go-w ${join(dir, 'sysctl.conf')}`,
      });
    });

    it('refuses a passfile in a directory its group can write', async () => {
      const dir = await configDir({ 'carp0.conf': 'vhid 1 passfile keys/carp0\n' });
      const keys = join(dir, 'keys');
      await mkdir(keys);
      await chmod(keys, 0o770);
      await writeFile(join(keys, 'carp0'), 'secret\n', { mode: 0o600 });
      const [result] = await readConfigDirectory(dir);
      assert.ok(result?.kind === 'error');
      assert.equal(
        result.message,
        `${join(dir, 'carp0.conf')}:1: passfile ${join(keys, 'carp0')}: ${keys} is writable by group, so another user could replace what it holds: refused; keep it under directories only root can change, or run chmod go-w ${keys}`,
      );
    });

    it('follows a symbolic link and checks where it leads', async () => {
      const elsewhere = join(root, `elsewhere${count++}`);
      await mkdir(elsewhere);
      await chmod(elsewhere, 0o777);
      await writeFile(join(elsewhere, 'carp0.conf'), 'vhid 1\n', { mode: 0o600 });
      const dir = await configDir({});
      await symlink(join(elsewhere, 'carp0.conf'), join(dir, 'carp0.conf'));
      const [result] = await readConfigDirectory(dir);
      assert.ok(result?.kind === 'error');
      assert.match(result.message, new RegExp(`^${join(dir, 'carp0.conf')}: ${elsewhere} is writable by group and others, `));
    });

    describe('owned by another user (root only)', () => {
      let uid = 0;

      before(function () {
        uid = otherUidOrSkip(this);
      });

      it('skips a carpN.conf, sysctl.conf or passfile of another user, naming the uid and the fix', async () => {
        const dir = await configDir({ ...GOOD, 'carp2.conf': 'vhid 3 passfile carp2.key\n', 'carp2.key': 'secret\n' });
        for (const name of ['carp1.conf', 'sysctl.conf', 'carp2.key']) await chown(join(dir, name), uid, uid);
        const file = join(dir, 'carp1.conf');
        const key = join(dir, 'carp2.key');
        assert.deepEqual(byFile(await readConfigDirectory(dir), dir), {
          'carp0.conf': 'interface',
          'carp1.conf': `${file} is owned by uid ${uid}, so another user could change it: refused; run chown root:root ${file}`,
          'carp2.conf': `${join(dir, 'carp2.conf')}:1: passfile ${key} is owned by uid ${uid}, so another user could change it: refused; run chown root:root ${key}`,
          'sysctl.conf': `${join(dir, 'sysctl.conf')} is owned by uid ${uid}, so another user could change it: refused; run chown root:root ${join(dir, 'sysctl.conf')}`,
        });
        await assert.rejects(readPassfile(key), refusal(new RegExp(`^passfile ${key} is owned by uid ${uid}, `)));
      });

      it('refuses a configuration directory, or one on the way, of another user', async () => {
        const dir = await configDir(GOOD);
        await chown(dir, uid, uid);
        await assert.rejects(readConfigDirectory(dir), refusal(new RegExp(`^configuration directory ${dir} is owned by uid ${uid}, so another user could add or replace files in it: refused; run chown root:root ${dir}$`)));
        const inner = await configDir(GOOD, dir);
        await assert.rejects(readConfigDirectory(inner), refusal(new RegExp(`^configuration directory ${inner}: ${dir} is owned by uid ${uid}, so another user could replace what it holds`)));
      });
    });
  });
});
