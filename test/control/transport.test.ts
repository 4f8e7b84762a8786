import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarpError } from '../../src/carp/errors';
import { encodeRequest } from '../../src/control/codec';
import type { ControlHandler, Request, Result } from '../../src/control/protocol';
import {
  type ControlServer,
  ControlServerError,
  ControlTransportError,
  LineReader,
  RemoteError,
  sendRequest,
  startControlServer,
} from '../../src/control/transport';
import { RawConnection } from './raw-connection';

/** Leaves a socket file nobody listens on, as a killed daemon does. */
async function makeStaleSocket(path: string): Promise<void> {
  const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  await new Promise<void>((resolve) => execFile(process.execPath, ['-e', script], () => resolve()));
  assert.ok((await lstat(path)).isSocket(), 'the stale socket file exists');
}

const echoHandler: ControlHandler = (request: Request): Promise<Result> => {
  if (request.type === 'group-show') return Promise.resolve({ group: request.group, demote: 4 });
  return Promise.resolve({ warnings: [`did ${request.type}`] });
};

describe('control transport', () => {
  let dir = '';
  let index = 0;
  const servers: ControlServer[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carp-cli-transport-'));
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function socketPath(): string {
    return join(dir, `s${index++}.sock`);
  }

  async function start(handler: ControlHandler = echoHandler, path = socketPath(), maxLineBytes?: number): Promise<ControlServer> {
    const server = await startControlServer(path, handler, { maxLineBytes });
    servers.push(server);
    return server;
  }

  it('creates the socket with mode 0600 and leaves the process umask as it was', async () => {
    const umask = process.umask(0o022);
    try {
      const server = await start();
      const info = await stat(server.path);
      assert.ok(info.isSocket());
      assert.equal(info.mode & 0o777, 0o600);
      assert.equal(process.umask(0o022), 0o022);
    } finally {
      process.umask(umask);
    }
  });

  it('answers a request from the client with the handler\'s result', async () => {
    const seen: Request[] = [];
    const server = await start((request) => {
      seen.push(request);
      return Promise.resolve({ group: 'carp', demote: 2 });
    });
    assert.deepEqual(await sendRequest(server.path, { type: 'group-show', group: 'carp' }), { group: 'carp', demote: 2 });
    assert.deepEqual(seen, [{ type: 'group-show', group: 'carp' }]);
  });

  it('answers several requests on one connection, in order', async () => {
    const server = await start();
    const connection = new RawConnection(server.path);
    connection.send(`${encodeRequest({ type: 'destroy', ifname: 'carp1' })}\n${encodeRequest({ type: 'group-show', group: 'x' })}\n`);
    assert.deepEqual((await connection.next())?.result, { warnings: ['did destroy'] });
    assert.deepEqual((await connection.next())?.result, { group: 'x', demote: 4 });
    connection.close();
  });

  it('answers a malformed line with an error and keeps serving', async () => {
    const server = await start();
    const connection = new RawConnection(server.path);
    connection.send('this is not json\n');
    assert.deepEqual(await connection.next(), { version: 1, ok: false, error: { code: 'bad-request', message: 'the request is not valid JSON' } });
    connection.send('{"version":1,"type":"destroy","ifname":"eth0"}\r\n');
    assert.equal(((await connection.next())?.error as { code: string }).code, 'bad-value');
    connection.send(`${encodeRequest({ type: 'destroy', ifname: 'carp0' })}\n`);
    assert.deepEqual((await connection.next())?.result, { warnings: ['did destroy'] });
    connection.close();
    assert.deepEqual(await sendRequest(server.path, { type: 'destroy', ifname: 'carp2' }), { warnings: ['did destroy'] });
  });

  it('refuses an oversize line, closes that connection, and keeps serving others', async () => {
    const server = await start(echoHandler, socketPath(), 1024);
    const connection = new RawConnection(server.path);
    connection.send(Buffer.alloc(1025, 0x61));
    const answer = await connection.next();
    assert.deepEqual(answer?.error, { code: 'line-too-long', message: 'request line longer than 1024 bytes: connection closed' });
    assert.equal(await connection.next(), null, 'the connection is closed');
    assert.deepEqual(await sendRequest(server.path, { type: 'destroy', ifname: 'carp0' }), { warnings: ['did destroy'] });
  });

  it('turns handler errors into error responses with their code and message', async () => {
    const server = await start((request) => {
      if (request.type === 'destroy') throw new CarpError('no-such-interface', `${request.ifname}: no such interface`);
      return Promise.reject(new Error('disk on fire'));
    });
    await assert.rejects(sendRequest(server.path, { type: 'destroy', ifname: 'carp7' }), (e: unknown) => {
      assert.ok(e instanceof RemoteError);
      assert.equal(e.code, 'no-such-interface');
      assert.equal(e.message, 'carp7: no such interface');
      return true;
    });
    await assert.rejects(sendRequest(server.path, { type: 'show', ifname: null }), (e: unknown) => {
      assert.ok(e instanceof RemoteError);
      assert.equal(e.code, 'internal');
      assert.match(e.message, /disk on fire/);
      return true;
    });
  });

  it('answers a client that half-closes after its request, even when the answer takes a while', async () => {
    const server = await start(async (request, stream) => {
      // Answer only after the end of the request stream has been seen by the server.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      return echoHandler(request, stream);
    });
    const connection = new RawConnection(server.path);
    connection.socket.end(`${encodeRequest({ type: 'group-show', group: 'g' })}\n`);
    assert.deepEqual((await connection.next())?.result, { group: 'g', demote: 4 });
    assert.equal(await connection.next(), null);
  });

  it('removes a stale socket file and listens in its place', async () => {
    const path = socketPath();
    await makeStaleSocket(path);
    const server = await start(echoHandler, path);
    assert.deepEqual(await sendRequest(server.path, { type: 'group-show', group: 'carp' }), { group: 'carp', demote: 4 });
  });

  it('refuses to start while a live server answers on the path, which keeps serving', async () => {
    const first = await start();
    await assert.rejects(startControlServer(first.path, echoHandler), (e: unknown) => {
      assert.ok(e instanceof ControlServerError);
      assert.equal(e.code, 'socket-in-use');
      assert.match(e.message, new RegExp(`another carpd already listens on ${first.path}`));
      return true;
    });
    assert.deepEqual(await sendRequest(first.path, { type: 'group-show', group: 'carp' }), { group: 'carp', demote: 4 });
  });

  it('refuses to replace a path that is not a socket', async () => {
    const path = socketPath();
    await writeFile(path, 'precious');
    await assert.rejects(startControlServer(path, echoHandler), (e: unknown) => {
      assert.ok(e instanceof ControlServerError);
      assert.equal(e.code, 'not-a-socket');
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), 'precious');
  });

  it('removes the socket file on close', async () => {
    const server = await startControlServer(socketPath(), echoHandler);
    await server.close();
    await assert.rejects(lstat(server.path), { code: 'ENOENT' });
  });

  describe('client failures', () => {
    async function transportError(promise: Promise<unknown>, kind: string, pattern: RegExp): Promise<void> {
      await assert.rejects(promise, (e: unknown) => {
        assert.ok(e instanceof ControlTransportError, String(e));
        assert.equal(e.kind, kind);
        assert.match(e.message, pattern);
        return true;
      });
    }

    it('names the socket and what to check when it does not exist', async () => {
      const path = socketPath();
      await transportError(sendRequest(path, { type: 'show', ifname: null }), 'unreachable', new RegExp(`${path} does not exist; is carpd running`));
    });

    it('says nothing listens on a stale socket', async () => {
      const path = socketPath();
      await makeStaleSocket(path);
      await transportError(sendRequest(path, { type: 'show', ifname: null }), 'unreachable', /nothing listens on/);
    });

    it('gives up after its timeout when the daemon does not answer', async () => {
      const server = await start(() => new Promise<Result>(() => undefined));
      await transportError(sendRequest(server.path, { type: 'show', ifname: null }, { timeoutMs: 50 }), 'timeout', /did not answer within 50 ms/);
    });

    it('reports a connection closed without an answer', async () => {
      const path = socketPath();
      const rude = createServer((socket) => socket.on('data', () => socket.destroy()));
      await new Promise<void>((resolve) => rude.listen(path, resolve));
      try {
        await transportError(sendRequest(path, { type: 'show', ifname: null }), 'protocol', /closed the connection without answering/);
      } finally {
        await new Promise<void>((resolve) => rude.close(() => resolve()));
      }
    });

    it('reports a garbled answer', async () => {
      const path = socketPath();
      const liar = createServer((socket) => socket.on('data', () => socket.end('{"version":1,"ok":true}\n')));
      await new Promise<void>((resolve) => liar.listen(path, resolve));
      try {
        await transportError(sendRequest(path, { type: 'show', ifname: null }), 'protocol', /sent an invalid response: .*result must be a JSON object/);
      } finally {
        await new Promise<void>((resolve) => liar.close(() => resolve()));
      }
    });
  });

  describe('LineReader', () => {
    it('joins chunks into lines and strips CR', () => {
      const reader = new LineReader(100);
      assert.deepEqual(reader.push(Buffer.from('ab')), { lines: [], overflow: false });
      assert.deepEqual(reader.push(Buffer.from('c\r\nde\nf')), { lines: ['abc', 'de'], overflow: false });
      assert.deepEqual(reader.push(Buffer.from('\n')), { lines: ['f'], overflow: false });
    });

    it('keeps complete lines before an overlong one, then ignores everything', () => {
      const reader = new LineReader(4);
      assert.deepEqual(reader.push(Buffer.from('abcd\nabcde')), { lines: ['abcd'], overflow: true });
      assert.deepEqual(reader.push(Buffer.from('x\n')), { lines: [], overflow: true });
    });

    it('counts a line split over chunks against the limit', () => {
      const reader = new LineReader(4);
      assert.deepEqual(reader.push(Buffer.from('abc')), { lines: [], overflow: false });
      assert.deepEqual(reader.push(Buffer.from('de\n')), { lines: [], overflow: true });
    });

    it('keeps a multi-byte character split between chunks intact', () => {
      const reader = new LineReader(100);
      const bytes = Buffer.from('é\n');
      reader.push(bytes.subarray(0, 1));
      assert.deepEqual(reader.push(bytes.subarray(1)), { lines: ['é'], overflow: false });
    });
  });
});
