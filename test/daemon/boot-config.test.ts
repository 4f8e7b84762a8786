import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedInterfaceSettings, SysctlAssignment } from '../../src/config/settings';
import type { CarpService } from '../../src/daemon/carp-service';
import { ConfigDirectory } from '../../src/daemon/config-directory';
import { createLogger } from '../../src/daemon/logger';
import { casesFor, leakWords, leakedFragments } from '../config/leak-cases';
import { otherUidOrSkip } from '../config/other-user';
import { DaemonLab, type LogRecord } from './lab';
import { PASS, VIP } from './scenarios';

const GOOD_CARP0 = `vhid 7 pass ${PASS} carpdev eth0\ninet ${VIP}/24\n`;

/** The calls of the boot configuration to carpd's service, for a directory the real daemon cannot be given. */
function recordingService(calls: string[]): CarpService {
  const service: Pick<CarpService, 'isCarpInterface' | 'create' | 'configure' | 'ensureAddresses' | 'destroy' | 'sysctlSet'> = {
    isCarpInterface: () => false,
    create: (ifname: string, settings: ResolvedInterfaceSettings) => Promise.resolve(void calls.push(`create ${ifname} vhid ${settings.vhid}`)).then(() => []),
    configure: (ifname: string) => Promise.resolve(void calls.push(`configure ${ifname}`)).then(() => []),
    ensureAddresses: () => Promise.resolve(),
    destroy: (ifname: string) => Promise.resolve(void calls.push(`destroy ${ifname}`)),
    sysctlSet: (assignments: readonly SysctlAssignment[]) => {
      calls.push(...assignments.map((a) => `sysctl ${a.name}=${a.value}`));
      return [];
    },
  };
  return service as CarpService;
}

describe('carpd boot configuration: what it refuses and logs', () => {
  describe('words after pass in a refused file (carpd in-process)', () => {
    let lab: DaemonLab;

    beforeEach(async () => {
      lab = await DaemonLab.create({ hosts: 1 });
    });

    afterEach(async () => {
      await lab.close();
    });

    it('logs each refused carpN.conf by position, never with a word after pass, and applies the good one', async () => {
      const cases = casesFor('file');
      const files = Object.fromEntries(cases.map((leak, i) => [`carp${i + 1}.conf`, `${leakWords(leak).join(' ')}\n`]));
      await lab.start(1, { config: { 'carp0.conf': GOOD_CARP0, ...files } });
      await lab.advance(10);
      assert.ok(lab.world.host(1).kernel.link('carp0'), 'the good file applied');
      for (const [i, leak] of cases.entries()) {
        const records = lab.log(1).filter((r: LogRecord) => typeof r.file === 'string' && r.file.endsWith(`/carp${i + 1}.conf`));
        assert.equal(records.length, 1, `one record for carp${i + 1}.conf`);
        const [record] = records;
        assert.equal(record?.level, 50);
        assert.deepEqual(Object.keys(record ?? {}).sort(), ['file', 'level', 'msg', 'name', 'pid', 'time'], 'no field but the message holds words');
        const msg = record?.msg ?? '';
        assert.deepEqual(leakedFragments(msg, leak, /^[^:]+:1: /), [], msg);
        assert.match(msg, /carp\d+\.conf:1: the \d+(st|nd|rd|th) word after pass /);
        assert.equal(lab.world.host(1).kernel.link(`carp${i + 1}`), undefined);
      }
    });
  });

  describe('files and directories another user could change', () => {
    let root = '';
    let count = 0;
    const calls: string[] = [];
    const messages: LogRecord[] = [];
    const logger = createLogger('debug', { write: (line: string) => void messages.push(JSON.parse(line) as LogRecord) });

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'carp-boot-config-'));
    });

    beforeEach(() => {
      calls.length = 0;
      messages.length = 0;
    });

    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    async function configDir(): Promise<string> {
      const dir = join(root, `d${count++}`);
      await mkdir(dir);
      await chmod(dir, 0o755);
      await writeFile(join(dir, 'carp0.conf'), GOOD_CARP0, { mode: 0o600 });
      await writeFile(join(dir, 'carp1.conf'), 'vhid 8 carpdev eth0\n', { mode: 0o600 });
      await writeFile(join(dir, 'sysctl.conf'), 'net.inet.carp.preempt=1\n', { mode: 0o600 });
      return dir;
    }

    const boot = (dir: string): Promise<void> =>
      new ConfigDirectory({ dir, service: recordingService(calls), checkSysctl: () => undefined, linkExists: () => true, groupsOf: () => [], logger }).boot();

    it('applies nothing from a directory its group can write, and says why', async () => {
      const dir = await configDir();
      await chmod(dir, 0o775);
      await boot(dir);
      assert.deepEqual(calls, []);
      assert.deepEqual(
        messages.map((m) => m.msg),
        [`no boot configuration applied: configuration directory ${dir} is writable by group, so another user could add or replace files in it: refused; run chmod go-w ${dir}`],
      );
    });

    it('skips a carpN.conf others can write, with its reason, and applies the rest', async () => {
      const dir = await configDir();
      await chmod(join(dir, 'carp1.conf'), 0o646);
      await boot(dir);
      assert.deepEqual(calls, ['sysctl net.inet.carp.preempt=1', 'create carp0 vhid 7']);
      const file = join(dir, 'carp1.conf');
      const refused = messages.find((m) => m.file === file);
      assert.equal(refused?.level, 50);
      assert.equal(refused?.msg, `${file} is writable by others, so another user could change it: refused; run chmod go-w ${file}`);
    });

    it('skips the files of another user, even though root runs it (root only)', async function () {
      const uid = otherUidOrSkip(this);
      const dir = await configDir();
      await chown(join(dir, 'carp0.conf'), uid, uid);
      await chown(join(dir, 'sysctl.conf'), uid, uid);
      await boot(dir);
      assert.deepEqual(calls, ['create carp1 vhid 8']);
      const errors = messages.filter((m) => m.level === 50).map((m) => m.msg);
      assert.deepEqual(errors, [
        `${join(dir, 'carp0.conf')} is owned by uid ${uid}, so another user could change it: refused; run chown root:root ${join(dir, 'carp0.conf')}`,
        `${join(dir, 'sysctl.conf')} is owned by uid ${uid}, so another user could change it: refused; run chown root:root ${join(dir, 'sysctl.conf')}`,
      ]);
    });
  });
});
