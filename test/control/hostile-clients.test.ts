/**
 * carpd's control socket under hostile clients: garbage, truncated, oversize and many concurrent
 * requests. The daemon runs in-process (test/daemon/lab.ts) and its request handler is served by
 * the real transport on a socket of this test, so raw bytes can be sent; every case ends by
 * checking that nothing changed and that the daemon still answers, there and on its own socket.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeRequest } from '../../src/control/codec';
import type { InterfaceStatusDto } from '../../src/control/protocol';
import { type ControlServer, DEFAULT_SERVER_MAX_LINE_BYTES, sendRequest, startControlServer } from '../../src/control/transport';
import { createControlHandler, createSerializer } from '../../src/daemon/control-handler';
import type { DaemonLab } from '../daemon/lab';
import { pairLab } from '../daemon/scenarios';
import { RawConnection } from './raw-connection';

const SHOW = `${encodeRequest({ type: 'show', ifname: 'carp0' })}\n`;

/** Requests that decode to nothing: each must get its own error answer, in order. */
const HANDWRITTEN_GARBAGE = [
  '{',
  '{"version":1,"type":',
  'null',
  '[]',
  '"show"',
  '{"version":1}',
  '{"version":999,"type":"show"}',
  '{"version":1,"type":"reboot"}',
  '{"version":1,"type":"show","ifname":{"__proto__":{"polluted":true}}}',
  '{"version":1,"type":"show","ifname":"carp0","extra":1}',
  '{"version":1,"type":"destroy","ifname":"../../etc/passwd"}',
  '{"version":1,"type":"group-demote","group":"carp","delta":1e308}',
  '{"version":1,"type":"group-demote","group":"carp","delta":"1"}',
  '{"version":1,"type":"sysctl-set","assignments":[{"name":"net.inet.carp.allow","value":{}}]}',
  '{"version":1,"type":"configure","ifname":"carp0","settings":{"vhid":256}}',
  '{"version":1,"type":"configure","ifname":"carp0","settings":{"advskew":-1}}',
  '{"version":1,"type":"create","ifname":"carp0\\u0000x"}',
  `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
  Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7b]).toString('latin1'),
];

/** Blank lines get no answer (the server skips them), so the garbage has none. */
const blank = (line: string): boolean => Buffer.from(line, 'latin1').toString('utf8').trim() === '';

/** Random JSON and random bytes, seeded: no newline inside a line, no blank line. */
function generatedGarbage(count: number): string[] {
  const json = fc.sample(fc.json({ maxDepth: 4 }), { numRuns: count, seed: 9 });
  const bytes = fc
    .sample(fc.uint8Array({ minLength: 1, maxLength: 200 }), { numRuns: count, seed: 10 })
    .map((b) => Buffer.from(b.map((x) => (x === 0x0a ? 0x41 : x))).toString('latin1'));
  const half = Math.floor(count / 2);
  return [...json.slice(0, half), ...bytes.filter((line) => !blank(line)).slice(0, count - half)];
}

/** What a hostile client must not change: the interface as carpctl -j shows it. */
function essentials(dto: InterfaceStatusDto): unknown {
  return { ...dto, nodes: dto.nodes.map(({ stats: _, ...node }) => node) };
}

describe('control socket: hostile clients of carpd', function () {
  this.timeout(60_000);
  let lab: DaemonLab;
  let dir = '';
  let server: ControlServer;
  let before: unknown;
  const connections: RawConnection[] = [];

  beforeEach(async () => {
    lab = await pairLab(true);
    dir = await mkdtemp(join(tmpdir(), 'carp-hostile-control-'));
    server = await startControlServer(join(dir, 'carpd.sock'), createControlHandler(lab.daemon(1).service, createSerializer()));
    before = essentials(await lab.show(1));
  });

  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.close();
    await server.close();
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (): Promise<RawConnection> => {
    const connection = new RawConnection(server.path);
    connections.push(connection);
    await connection.connected;
    return connection;
  };

  /** Nothing changed, and the daemon answers on its own socket (carpctl) and on this one. */
  const unharmed = async (): Promise<void> => {
    assert.deepEqual(essentials(await lab.show(1)), before);
    const { interfaces } = await sendRequest(server.path, { type: 'show', ifname: 'carp0' });
    assert.equal(interfaces[0]?.nodes[0]?.state, 'MASTER');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
  };

  it('answers each of 1,000 garbage lines with an error, in order, on one connection', async () => {
    const lines = [...HANDWRITTEN_GARBAGE, ...generatedGarbage(1000 - HANDWRITTEN_GARBAGE.length)];
    assert.equal(lines.length, 1000);
    const connection = await open();
    connection.send(Buffer.from(`${lines.join('\n')}\n${SHOW}`, 'latin1'));
    for (const [i, line] of lines.entries()) {
      const answer = await connection.next();
      assert.equal(answer?.ok, false, `line ${i} (${line.slice(0, 60)}) was not refused: ${JSON.stringify(answer)}`);
    }
    assert.equal((await connection.next())?.ok, true, 'the request after the garbage is answered');
    await unharmed();
  });

  it('drops a request cut short by a half-close or a vanished client, and reassembles one sent byte by byte', async () => {
    const halfClosed = await open();
    halfClosed.send(SHOW.slice(0, 20));
    halfClosed.socket.end();
    assert.equal(await halfClosed.next(), null, 'no answer to a line that never ended');
    const vanished = await open();
    vanished.send(SHOW.slice(0, 30));
    vanished.close();
    const trickle = await open();
    for (const byte of Buffer.from(SHOW)) {
      trickle.send(Buffer.from([byte]));
      await new Promise((done) => setImmediate(done));
    }
    assert.equal((await trickle.next())?.ok, true);
    await unharmed();
  });

  it(`refuses a line over ${DEFAULT_SERVER_MAX_LINE_BYTES} bytes and 8 MiB without a newline, closing those connections only`, async () => {
    const long = await open();
    long.send(`${' '.repeat(DEFAULT_SERVER_MAX_LINE_BYTES)}{}\n`);
    const flood = await open();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    for (let i = 0; i < 128 && !flood.isClosed; i++) flood.send(chunk);
    for (const connection of [long, flood]) {
      assert.deepEqual((await connection.next())?.error, {
        code: 'line-too-long',
        message: `request line longer than ${DEFAULT_SERVER_MAX_LINE_BYTES} bytes: connection closed`,
      });
      assert.equal(await connection.next(), null, 'and the connection is closed');
    }
    await unharmed();
  });

  it('answers 100 concurrent connections of 10 pipelined requests each, or says busy', async () => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => open()));
    for (const client of clients) client.send(SHOW.repeat(10));
    let answered = 0;
    let busy = 0;
    for (const client of clients) {
      const first = await client.next();
      if (first?.ok === false) {
        assert.equal((first.error as { code: string }).code, 'busy');
        busy++;
        continue;
      }
      assert.equal(first?.ok, true);
      for (let i = 1; i < 10; i++) assert.equal((await client.next())?.ok, true);
      answered++;
    }
    assert.equal(answered + busy, 100);
    assert.ok(answered >= 32, `only ${answered} connections were served`);
    await unharmed();
  });
});
