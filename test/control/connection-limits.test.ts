/**
 * The control server under connections that send nothing (issue 13, finding 4): they must not
 * lock carpctl out, and the daemon must say once, not once per connection, that it is full.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRequest } from '../../src/control/codec';
import type { ControlHandler, EventStream, MonitorEventDto, Request, Result } from '../../src/control/protocol';
import {
  type ControlServer,
  type ControlServerOptions,
  ControlTransportError,
  MAX_QUEUED_EVENT_BYTES,
  monitorEvents,
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

const EVENT: MonitorEventDto = {
  kind: 'state',
  time: '2026-12-06T17:40:00.000Z',
  ifname: 'carp0',
  vhid: 1,
  from: 'BACKUP',
  to: 'MASTER',
  reason: 'master-down',
  text: 'master down timer expired',
};

/** echo, and monitor requests kept as streams the test pushes events to. */
function monitoring(streams: EventStream[]): ControlHandler {
  return (request, stream) => {
    if (request.type !== 'monitor') return echo(request, stream);
    streams.push(stream);
    return Promise.resolve({ monitoring: true });
  };
}

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
    const slowHandler: ControlHandler = async (request, stream) => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      return echo(request, stream);
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
    const held: ControlHandler = (request, stream) => new Promise((resolve) => release.push(() => resolve(echo(request, stream))));
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

  describe('monitor connections', () => {
    it('are never timed out nor evicted; beyond maxStreams a monitor is busy, and commands still get a slot', async () => {
      const streams: EventStream[] = [];
      const server = await start({ idleTimeoutMs: 100, maxConnections: 3, maxStreams: 2 }, monitoring(streams));
      const received: MonitorEventDto[][] = [[], []];
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const monitors = received.map((events) => monitorEvents(server.path, (e) => events.push(e), stopped));
      await waitFor('two monitors', () => Promise.resolve(streams.length === 2), 1000, 10);
      await assert.rejects(monitorEvents(server.path, () => undefined, stopped), (e: unknown) => {
        assert.ok(e instanceof ControlTransportError, String(e));
        assert.equal(e.kind, 'busy');
        assert.match(e.message, /2 monitors are running already \(the limit\)/);
        return true;
      });
      // Three idle timeouts pass, and idle connections come and go through the one free slot.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [firstIdle] = await openIdle(server.path, 2);
      await firstIdle?.closed;
      assert.deepEqual(await sendRequest(server.path, { type: 'group-show', group: 'carp' }), { group: 'carp', demote: 0 });
      for (const stream of streams) stream.push(EVENT);
      await waitFor('the event on both monitors', () => Promise.resolve(received.every((events) => events.length === 1)), 1000, 10);
      assert.deepEqual(received, [[EVENT], [EVENT]]);
      let closes = 0;
      for (const stream of streams) stream.onClose(() => closes++);
      stop();
      await Promise.all(monitors);
      await waitFor('the server to see both monitors go', () => Promise.resolve(closes === 2), 1000, 10);
    });

    it('sends the events pushed before the answer after it, and ignores what the client sends later', async () => {
      const server = await start({}, (request, stream) => {
        if (request.type !== 'monitor') return echo(request, stream);
        stream.push(EVENT);
        return Promise.resolve({ monitoring: true });
      });
      const [connection] = await openIdle(server.path, 1);
      connection?.send(`${encodeRequest({ type: 'monitor' })}\n${encodeRequest({ type: 'group-show', group: 'carp' })}\n`);
      assert.deepEqual(await connection?.next(), { version: 1, ok: true, result: { monitoring: true } });
      assert.deepEqual(await connection?.next(), { version: 1, event: EVENT });
      connection?.send(`${encodeRequest({ type: 'group-show', group: 'carp' })}\n`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      connection?.close();
      assert.equal(await connection?.next(), null, 'no answer to requests after monitor');
    });

    it('closes a monitor that does not read once more than the limit of events waits for it', async () => {
      const streams: EventStream[] = [];
      const server = await start({}, monitoring(streams));
      const [connection] = await openIdle(server.path, 1);
      connection?.send(`${encodeRequest({ type: 'monitor' })}\n`);
      assert.deepEqual((await connection?.next())?.result, { monitoring: true });
      connection?.socket.pause();
      const [stream] = streams;
      let closed = false;
      stream?.onClose(() => (closed = true));
      const big: MonitorEventDto = { ...EVENT, ifname: 'carp0'.padEnd(1000, '0') };
      for (let i = 0; i < (4 * MAX_QUEUED_EVENT_BYTES) / 1000 && !closed; i++) {
        stream?.push(big);
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(closed, 'the server closed the stuck monitor');
    });
  });
});
