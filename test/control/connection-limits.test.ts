/**
 * The control server under connections that send nothing (issue 13, finding 4): they must not
 * lock carpctl out, and the daemon must say once, not once per connection, that it is full.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRequest } from '../../src/control/codec';
import type { ControlHandler, Request, Result } from '../../src/control/protocol';
import {
  type ControlServer,
  type ControlServerOptions,
  ControlTransportError,
  sendRequest,
  startControlServer,
} from '../../src/control/transport';
import { waitFor } from '../helpers/poll';
import { RawConnection } from './raw-connection';

interface LogRecord {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

const echo: ControlHandler = (request: Request): Promise<Result> =>
  Promise.resolve(request.type === 'group-show' ? { group: request.group, demote: 0 } : { warnings: [] });

describe('control server connection limits', () => {
  let dir = '';
  let index = 0;
  const servers: ControlServer[] = [];
  const connections: RawConnection[] = [];
  let records: LogRecord[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carp-control-limits-'));
  });

  beforeEach(() => {
    records = [];
  });

  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function start(options: ControlServerOptions = {}, handler: ControlHandler = echo): Promise<ControlServer> {
    const logger = { warn: (fields: Record<string, unknown>, message: string) => void records.push({ fields, message }) };
    const server = await startControlServer(join(dir, `s${index++}.sock`), handler, { logger, ...options });
    servers.push(server);
    return server;
  }

  async function openIdle(path: string, count: number): Promise<RawConnection[]> {
    const opened = Array.from({ length: count }, () => new RawConnection(path));
    connections.push(...opened);
    await Promise.all(opened.map((c) => c.connected));
    return opened;
  }

  it('answers a real request while 40 idle connections are held, closing the oldest idle ones, with one log record', async () => {
    const server = await start();
    const idle = await openIdle(server.path, 40);
    assert.deepEqual(await sendRequest(server.path, { type: 'group-show', group: 'carp' }), { group: 'carp', demote: 0 });
    // 40 idle + 1 request against the default limit of 32: the 9 oldest made room, in the order they came.
    const evicted = 40 + 1 - 32;
    await waitFor('the oldest idle connections to be closed', () => Promise.resolve(idle.slice(0, evicted).every((c) => c.isClosed)), 1000, 10);
    assert.deepEqual(
      idle.map((c) => c.isClosed),
      idle.map((_, i) => i < evicted),
    );
    assert.equal(records.length, 1, JSON.stringify(records));
    const [record] = records;
    assert.deepEqual(record?.fields, { socket: server.path, maxConnections: 32, evicted: 1, refused: 0 });
    assert.match(record?.message ?? '', /^control socket full \(limit 32\): closed the connection idle longest to let a new one in/);
  });

  it('closes a connection that completes no request line within the idle timeout, even while it trickles bytes', async () => {
    const server = await start({ idleTimeoutMs: 100 });
    const [slow] = await openIdle(server.path, 1);
    const started = Date.now();
    const trickle = setInterval(() => slow?.send('{'), 20);
    try {
      await slow?.closed;
    } finally {
      clearInterval(trickle);
    }
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 90 && elapsed < 400, `closed after ${elapsed} ms`);
    assert.deepEqual(records, [], 'a timeout is routine, not worth a log record');
  });

  it('keeps a connection whose request is still being answered past the idle timeout, and times it out after the answer', async () => {
    const slowHandler: ControlHandler = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      return echo(request);
    };
    const server = await start({ idleTimeoutMs: 100 }, slowHandler);
    const [client] = await openIdle(server.path, 1);
    client?.send(`${encodeRequest({ type: 'group-show', group: 'slow' })}\n`);
    assert.deepEqual((await client?.next())?.result, { group: 'slow', demote: 0 });
    const answered = Date.now();
    await client?.closed;
    const elapsed = Date.now() - answered;
    assert.ok(elapsed >= 90 && elapsed < 400, `closed ${elapsed} ms after the answer`);
  });

  it('answers busy when every connection has a request in progress, and the client says so with the limit', async () => {
    const release: (() => void)[] = [];
    const held: ControlHandler = (request) => new Promise((resolve) => release.push(() => resolve(echo(request))));
    const server = await start({ maxConnections: 2 }, held);
    const [first, second] = await openIdle(server.path, 2);
    first?.send(`${encodeRequest({ type: 'group-show', group: 'ga' })}\n`);
    second?.send(`${encodeRequest({ type: 'group-show', group: 'gb' })}\n`);
    await waitFor('both requests to reach the handler', () => Promise.resolve(release.length === 2), 1000, 10);
    await assert.rejects(sendRequest(server.path, { type: 'group-show', group: 'late' }), (e: unknown) => {
      assert.ok(e instanceof ControlTransportError, String(e));
      assert.equal(e.kind, 'busy');
      assert.equal(
        e.message,
        `carpd at ${server.path} is busy: every control connection (limit 2) has a request in progress; try again in a moment`,
      );
      return true;
    });
    for (const wake of release) wake();
    assert.deepEqual((await first?.next())?.result, { group: 'ga', demote: 0 });
    assert.deepEqual((await second?.next())?.result, { group: 'gb', demote: 0 });
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]?.fields, { socket: server.path, maxConnections: 2, evicted: 0, refused: 1 });
  });

  it('sums up the evictions after the first record once per report interval', async () => {
    const server = await start({ maxConnections: 1, overloadReportIntervalMs: 50 });
    await openIdle(server.path, 5);
    await waitFor('the summary record', () => Promise.resolve(records.length >= 2), 500, 10);
    assert.deepEqual(
      records.map((r) => r.fields),
      [
        { socket: server.path, maxConnections: 1, evicted: 1, refused: 0 },
        { socket: server.path, maxConnections: 1, evicted: 3, refused: 0 },
      ],
    );
    assert.match(records[1]?.message ?? '', /^control socket full \(limit 1\): in the last 50 ms, 3 connections closed to make room and 0 refused as busy$/);
  });
});
