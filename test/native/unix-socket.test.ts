/**
 * connectUnixSocket: a connected fd plus who listens at the other end (SO_PEERCRED). Unix sockets
 * in a temporary directory, so it runs without root.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { type Server, Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeSystemError, connectUnixSocket } from '../../src/native/binding';

function listen(path: string, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer(onConnection);
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function systemError(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof NativeSystemError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.syscall, 'connect');
    assert.match(e.message, pattern);
    return true;
  };
}

describe('native connectUnixSocket', () => {
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carp-native-unix-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns a connected fd and the listener\'s pid, uid and gid; net.Socket talks over the fd', async () => {
    const path = join(dir, 'echo.sock');
    const server = await listen(path, (socket) => socket.on('data', (chunk) => socket.end(chunk)));
    try {
      const { fd, peer } = connectUnixSocket(path);
      assert.deepEqual(peer, { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
      const socket = new Socket({ fd, readable: true, writable: true });
      const echoed = new Promise<string>((resolve) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
      });
      socket.write('ping\n');
      assert.equal(await echoed, 'ping\n');
      socket.destroy();
    } finally {
      await closeServer(server);
    }
  });

  it('fails with ENOENT for a missing path and ECONNREFUSED where nobody listens', async () => {
    assert.throws(() => connectUnixSocket(join(dir, 'absent.sock')), systemError('ENOENT', /absent\.sock: connect: No such file or directory$/));
    const stale = join(dir, 'stale.sock');
    const script = `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`;
    await new Promise<void>((resolve) => execFile(process.execPath, ['-e', script], () => resolve()));
    assert.throws(() => connectUnixSocket(stale), systemError('ECONNREFUSED', /stale\.sock: connect: Connection refused$/));
  });

  it('refuses a path longer than sun_path instead of connecting to a shortened one', () => {
    const long = join(dir, 'x'.repeat(120));
    assert.throws(() => connectUnixSocket(long), systemError('ENAMETOOLONG', /\(a Unix socket path is at most 107 bytes\)$/));
  });

  it('refuses an empty path, a NUL (an abstract or shortened name) and a non-string before any system call', () => {
    assert.throws(() => connectUnixSocket(''), { name: 'RangeError', message: 'connectUnixSocket: a path must not be empty or contain NUL' });
    assert.throws(() => connectUnixSocket(`${dir}/a\0b`), RangeError);
    assert.throws(() => connectUnixSocket(42 as unknown as string), TypeError);
  });
});
