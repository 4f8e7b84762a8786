/**
 * The control socket's mode is its access control (docs/security.md): a socket made by root is
 * 0600, so another user cannot connect even where every directory above it lets them through.
 * Needs root (the socket must belong to root, and only root can run a command as another user)
 * and a user named `tester`.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ControlHandler } from '../../src/control/protocol';
import { type ControlServer, sendRequest, startControlServer } from '../../src/control/transport';
import { UNPRIVILEGED_ENV } from '../helpers/netns';

const run = promisify(execFile);
const USER = 'tester';
const CARPCTL = resolve(__dirname, '..', '..', 'src', 'bin', 'carpctl.js');

const handler: ControlHandler = () => Promise.resolve({ group: 'carp', demote: 0 });

function skip(context: Mocha.Context, reason: string): void {
  console.log(`      skipped: ${reason}`);
  context.skip();
}

function unavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root: the socket must belong to root, and only root can act as another user';
  if (process.env[UNPRIVILEGED_ENV] === '1') return `${UNPRIVILEGED_ENV}=1: running as an unprivileged user would`;
  try {
    execFileSync('id', ['-u', USER], { stdio: 'ignore' });
  } catch {
    return `needs a user named ${USER}`;
  }
  return null;
}

/** Runs `file args` as the other user; resolves with its exit code and output. */
async function asOtherUser(file: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('runuser', ['-u', USER, '--', file, ...args], { timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (e: unknown) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe(`control socket: another user (${USER}) cannot connect to a socket root made`, function () {
  let dir = '';
  let server: ControlServer | undefined;

  before(async function () {
    const reason = unavailableReason();
    if (reason) return skip(this, reason);
    dir = await mkdtemp(join(tmpdir(), 'carp-socket-permission-'));
    // Only the socket's own mode may keep the other user out, not a directory on the way.
    await chmod(dir, 0o755);
    server = await startControlServer(join(dir, 'carpd.sock'), handler);
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('root connects; the other user`s connect() fails with EACCES', async () => {
    const path = (server as ControlServer).path;
    assert.deepEqual(await sendRequest(path, { type: 'group-show', group: 'carp' }), { group: 'carp', demote: 0 });
    const script = `require('net').createConnection(${JSON.stringify(path)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
    const { stdout } = await asOtherUser(process.execPath, ['-e', script]);
    assert.equal(stdout.trim(), 'EACCES');
  });

  it('carpctl run by the other user says that the socket is root-only', async function () {
    try {
      await run('runuser', ['-u', USER, '--', 'test', '-r', CARPCTL]);
    } catch {
      // A checkout the other user may not read (CI clones as root) leaves carpctl out of reach.
      return skip(this, `${USER} cannot read ${CARPCTL}`);
    }
    const { code, stderr } = await asOtherUser(process.execPath, [CARPCTL, '--socket', (server as ControlServer).path, '-g', 'carp']);
    assert.notEqual(code, 0);
    assert.match(stderr, /permission denied on .*carpd\.sock; the control socket is root-only \(mode 0600\): run carpctl as root/);
  });
});
