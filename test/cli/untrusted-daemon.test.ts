/**
 * Root's carpctl pointed (--socket) at a fake carpd of an unprivileged user (issue 13, finding 1):
 * it must refuse before writing a single byte, since a configure request carries the passphrase.
 * The fake records everything it receives; the tests check that it got nothing.
 */
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_UNREACHABLE, runCarpctl } from '../../src/cli/run';
import { FOREIGN_USER, ForeignListener, type User, foreignListenerUnavailableReason, lookupUser } from './foreign-listener';

const SECRET = 'Kq3-never-for-a-fake';

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function carpctl(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const status = await runCarpctl(argv, {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    env,
    cwd: '/',
    // A fake that takes the request never answers: fail in seconds, not after the default 10.
    timeoutMs: 2000,
  });
  assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET), 'the passphrase is never printed');
  return { status, stdout, stderr };
}

/** Connects as root and sends `text`, to show that the listener does record what it gets. */
function probe(path: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => socket.end(text));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

describe('carpctl as root against another user\'s fake carpd', function () {
  let user: User;
  let dir = '';
  const listeners: ForeignListener[] = [];

  before(async function () {
    const reason = foreignListenerUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    user = lookupUser(FOREIGN_USER) as User;
    dir = await mkdtemp(join(tmpdir(), 'carp-untrusted-'));
    await chmod(dir, 0o755);
  });

  afterEach(() => {
    for (const listener of listeners.splice(0)) listener.stop();
  });

  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  /** A directory of `user`'s and their listener on `name.sock` in it. */
  async function fakeDaemon(name: string): Promise<{ path: string; listener: ForeignListener }> {
    const own = join(dir, name);
    await mkdir(own, { mode: 0o700 });
    await chown(own, user.uid, user.gid);
    const path = join(own, `${name}.sock`);
    const listener = await ForeignListener.start(user, path, own);
    listeners.push(listener);
    return { path, listener };
  }

  it('refuses a socket the user owns, without even connecting, and says whose it is', async () => {
    const { path, listener } = await fakeDaemon('owned');
    const run = await carpctl({}, '--socket', path, 'carp0', 'vhid', '1', 'pass', SECRET);
    await probe(path, 'probe\n');
    assert.deepEqual(await listener.closeOf(1), { id: 1, bytes: 6, text: 'probe\n' }, 'the first connection the fake saw is the probe');
    assert.deepEqual(listener.accepted, [1]);
    assert.equal(run.status, EXIT_UNREACHABLE);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      `carpctl: refusing to talk to ${path}: ${path} belongs to uid ${user.uid}, not root, so that user could have put a ` +
        `fake carpd there to read what carpctl sends, passphrases included; use carpd's own socket ` +
        `(/run/carpd.sock unless --socket or CARPD_SOCKET says otherwise)\n`,
    );
  });

  it('refuses a socket in a root-owned directory when the process listening runs as the user, having sent nothing', async () => {
    const { path, listener } = await fakeDaemon('moved');
    // The socket and its directory now look like root's; only the listener still is the user's.
    await chown(path, 0, 0);
    await chown(join(dir, 'moved'), 0, 0);
    const run = await carpctl({ CARPD_SOCKET: path }, 'carp0', 'vhid', '1', 'pass', SECRET);
    assert.deepEqual(await listener.closeOf(1), { id: 1, bytes: 0, text: '' }, 'connected to learn the uid, wrote nothing');
    assert.equal(run.status, EXIT_UNREACHABLE);
    assert.equal(
      run.stderr,
      `carpctl: refusing to talk to ${path}: the process listening there (pid ${listener.pid}) runs as uid ${user.uid}, ` +
        `not root, so it is not carpd and must not see what carpctl sends, passphrases included; run carpd as root, ` +
        `or use carpd's own socket (/run/carpd.sock unless --socket or CARPD_SOCKET says otherwise)\n`,
    );
  });
});
