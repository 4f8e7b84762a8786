/**
 * The test side of fixtures/agent.ts: starts an agent inside a namespace of a NetnsLab and sends
 * it requests. A request that failed in the agent rejects with an `AgentError` carrying the
 * remote error's name, errno, code and syscall, so tests can assert on them.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { type NetnsLab, netnsUnavailableReason } from '../helpers/netns';
import type { RemoteError } from './fixtures/agent';

const AGENT_SCRIPT = path.join(__dirname, 'fixtures', 'agent.js');
const CONNECT_TIMEOUT_MS = 10_000;
const EVENT_TIMEOUT_MS = 5_000;

export class AgentError extends Error {
  constructor(readonly remote: RemoteError) {
    super(`${remote.name}: ${remote.message}`);
  }
}

export interface AgentEvent {
  readonly event: string;
  readonly handle?: number;
  readonly frames?: string[];
  readonly error?: RemoteError;
}

interface Reply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly result?: unknown;
  readonly error?: RemoteError;
}

export interface AgentExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

let agentsStarted = 0;

export class NativeAgent {
  /** Every event so far, in order; `nextEvent` consumes them. */
  readonly events: AgentEvent[] = [];
  readonly exited: Promise<AgentExit>;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  private readonly eventWaiters = new Set<() => void>();
  private nextId = 1;

  private constructor(
    private readonly connection: net.Socket,
    readonly child: ChildProcess,
    exited: Promise<AgentExit>,
  ) {
    this.exited = exited;
    connection.on('close', () => this.failPending());
    createInterface({ input: connection }).on('line', (line) => this.receive(JSON.parse(line) as Reply & AgentEvent));
  }

  /** Starts an agent in namespace `ns` of `lab`; `crashOnUncaught` leaves uncaught exceptions fatal. */
  static async start(lab: NetnsLab, ns: string, crashOnUncaught = false): Promise<NativeAgent> {
    const socketPath = path.join(os.tmpdir(), `carp-native-agent-${process.pid}-${agentsStarted++}.sock`);
    const server = net.createServer();
    server.listen(socketPath);
    await once(server, 'listening');
    try {
      const args = ['--expose-gc', '--enable-source-maps', AGENT_SCRIPT, socketPath];
      const child = lab.spawn(ns, process.execPath, crashOnUncaught ? [...args, 'crash-on-uncaught'] : args);
      const exited = collectExit(child);
      const connection = await Promise.race([
        once(server, 'connection').then(([socket]) => socket as net.Socket),
        exited.then((exit) => Promise.reject(new Error(`agent exited before connecting: ${exit.stderr}`))),
        timeout(CONNECT_TIMEOUT_MS, 'agent did not connect'),
      ]);
      return new NativeAgent(connection, child, exited);
    } finally {
      server.close();
    }
  }

  request<T = unknown>(op: string, args: object = {}): Promise<T> {
    const id = this.nextId++;
    this.connection.write(`${JSON.stringify({ id, op, args })}\n`);
    return new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  /** Resolves with the first event (consumed) that satisfies `matches`; rejects after a timeout. */
  async nextEvent(matches: (event: AgentEvent) => boolean, timeoutMs = EVENT_TIMEOUT_MS): Promise<AgentEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex(matches);
      if (index >= 0) return this.events.splice(index, 1)[0] as AgentEvent;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        this.eventWaiters.add(done);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }

  /** Ends the agent by closing its connection (it exits, and the kernel closes its fds). */
  async stop(): Promise<AgentExit> {
    this.connection.end();
    return this.exited;
  }

  private failPending(): void {
    for (const waiter of this.pending.values()) waiter.reject(new Error('the agent closed its connection'));
    this.pending.clear();
  }

  private receive(message: Reply & AgentEvent): void {
    if (message.id === undefined) {
      this.events.push(message);
      for (const wake of [...this.eventWaiters]) wake();
      this.eventWaiters.clear();
      return;
    }
    const waiter = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.ok === true) waiter?.resolve(message.result);
    else waiter?.reject(new AgentError(message.error ?? { name: 'Error', message: 'no error given', native: false }));
  }
}

function collectExit(child: ChildProcess): Promise<AgentExit> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms).unref());
}

/** The error a request failed with in the agent. */
export async function remoteError(request: Promise<unknown>): Promise<RemoteError> {
  try {
    await request;
  } catch (e: unknown) {
    if (e instanceof AgentError) return e.remote;
    throw e;
  }
  throw new Error('the request succeeded');
}

/** Skips the suite's tests when the real kernel cannot be used here, saying why in their titles. */
export function skipWithoutNetns(context: Mocha.Context): void {
  const reason = netnsUnavailableReason();
  if (reason === null) return;
  for (const test of context.test?.parent?.tests ?? []) test.title += ` (skipped: ${reason})`;
  context.skip();
}
