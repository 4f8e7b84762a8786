import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/grammar';
import { MAX_PASSFILE_BYTES, readPassfile, resolvePassfile } from '../../src/config/passfile';
import { otherUidOrSkip } from './other-user';

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.code, 'bad-passfile');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('passfile', () => {
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carp-cli-passfile-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function passfile(name: string, content: string | Buffer, mode = 0o600): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    await chmod(path, mode);
    return path;
  }

  it('reads the first line without its LF', async () => {
    assert.equal(await readPassfile(await passfile('lf', 'secret\nsecond line\n')), 'secret');
  });

  it('strips a CRLF line end', async () => {
    assert.equal(await readPassfile(await passfile('crlf', 'secret\r\nsecond\r\n')), 'secret');
  });

  it('takes a file without a final newline whole, keeping inner spaces', async () => {
    assert.equal(await readPassfile(await passfile('bare', 'two words')), 'two words');
  });

  it('accepts mode 0400', async () => {
    assert.equal(await readPassfile(await passfile('ro', 'secret\n', 0o400)), 'secret');
  });

  it('refuses a file other users can read, naming its mode and the fix', async () => {
    const path = await passfile('open', 'secret\n', 0o644);
    await rejectsWith(readPassfile(path), new RegExp(`^passfile ${path} is mode 0644: .*; run chmod 600 ${path}$`));
  });

  it('refuses group access too', async () => {
    await rejectsWith(readPassfile(await passfile('group', 'secret\n', 0o640)), /is mode 0640/);
  });

  it('refuses a file its group can write, as another user could change the secret', async () => {
    const path = await passfile('group-write', 'secret\n', 0o620);
    await rejectsWith(
      readPassfile(path),
      new RegExp(`^passfile ${path} is writable by group, so another user could change it: refused; run chmod 600 ${path}$`),
    );
  });

  it('refuses a file in a directory others can write', async () => {
    const open = join(dir, 'open-dir');
    await mkdir(open);
    await chmod(open, 0o757);
    const path = join(open, 'key');
    await writeFile(path, 'secret\n', { mode: 0o600 });
    await rejectsWith(readPassfile(path), new RegExp(`^passfile ${path}: ${open} is writable by others, so another user could replace what it holds: refused; keep it under directories only root can change, or run chmod go-w ${open}$`));
  });

  it('refuses a file of another user, even to root (root only)', async function () {
    const uid = otherUidOrSkip(this);
    const path = await passfile('theirs', 'secret\n');
    await chown(path, uid, uid);
    await rejectsWith(readPassfile(path), new RegExp(`^passfile ${path} is owned by uid ${uid}, so another user could change it: refused; run chown root:root ${path}$`));
  });

  it('refuses a missing file', async () => {
    const path = join(dir, 'missing');
    await rejectsWith(readPassfile(path), new RegExp(`^passfile ${path}: no such file$`));
  });

  it('refuses a directory', async () => {
    const path = join(dir, 'adir');
    await mkdir(path, { mode: 0o700 });
    await rejectsWith(readPassfile(path), /is not a regular file/);
  });

  it('refuses an empty first line', async () => {
    await rejectsWith(readPassfile(await passfile('empty', '\nsecret\n')), /the first line is empty/);
    await rejectsWith(readPassfile(await passfile('crlf-empty', '\r\n')), /the first line is empty/);
    await rejectsWith(readPassfile(await passfile('nothing', '')), /the first line is empty/);
  });

  it('refuses a file too large to be a passfile', async () => {
    await rejectsWith(readPassfile(await passfile('big', Buffer.alloc(MAX_PASSFILE_BYTES + 1, 0x61))), /a passfile holds one line/);
  });

  describe('resolvePassfile', () => {
    it('replaces passfile by its text, relative to the base directory', async () => {
      await passfile('rel', 'relative-secret\n');
      const settings = await resolvePassfile({ vhid: 1, pass: { kind: 'file', path: 'rel' } }, dir);
      assert.deepEqual(settings, { vhid: 1, pass: { kind: 'text', text: 'relative-secret' } });
    });

    it('leaves text, none and no pass alone', async () => {
      assert.deepEqual(await resolvePassfile({ pass: { kind: 'text', text: 'x' } }, dir), { pass: { kind: 'text', text: 'x' } });
      assert.deepEqual(await resolvePassfile({ pass: { kind: 'none' } }, dir), { pass: { kind: 'none' } });
      assert.deepEqual(await resolvePassfile({ advskew: 3 }, dir), { advskew: 3 });
    });
  });
});
