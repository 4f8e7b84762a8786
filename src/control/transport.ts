/**
 * The control socket: a Unix stream socket carrying newline-delimited JSON, one request line
 * answered by one response line, in order. The server never trusts a line: malformed or oversize
 * input gets an error response, never a crash. The socket is root-only (mode 0600 from the moment
 * it exists), which is the whole access control: every request is an administrator's. The client
 * in turn talks only to a daemon it can trust with a passphrase (trusted-connection.ts).
 */
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import { lstat, stat, unlink } from 'node:fs/promises';
import {
  decodeEvent,
  decodeRequest,
  decodeResponse,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  errorDtoOf,
  errorResponse,
  okResponse,
} from './codec';
import { ConnectionSlots } from './connection-slots';
import { type ControlLogger, OverloadReport } from './overload-report';
import { CONTROL_SOCKET_ENV } from './paths';
import {
  BUSY,
  type ControlHandler,
  type EventStream,
  type MonitorEventDto,
  ProtocolError,
  type Request,
  type RequestType,
  type ResultFor,
} from './protocol';
import { UntrustedSocketError, connectTrusted } from './trusted-connection';

export const DEFAULT_SERVER_MAX_LINE_BYTES = 64 * 1024;
/** A `show` of many interfaces is the largest answer; this leaves ample room. */
export const DEFAULT_CLIENT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** carpctl sends its request at once; a few seconds cover a loaded host, not a client that dawdles. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONNECTIONS = 32;
/** Monitors at once: a quarter of the connections, so that commands always find a slot. */
const DEFAULT_MAX_STREAMS = 8;
/**
 * Event bytes carpd holds for a monitor that does not read. A burst of transitions of every vhid
 * is far less; beyond it the client is stuck, and its connection is closed rather than let grow.
 */
export const MAX_QUEUED_EVENT_BYTES = 1024 * 1024;
const DEFAULT_OVERLOAD_REPORT_INTERVAL_MS = 60_000;
/** How long an existing socket may take to accept before it counts as a live (if stuck) daemon. */
const PROBE_TIMEOUT_MS = 1000;
const SOCKET_MODE = 0o600;
const CHECK_LOG = 'check its log (journalctl -u carpd)';

/** Splits a byte stream into lines (LF, with an optional CR before it), refusing overlong lines. */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines completed by `chunk`; after `overflow` the reader ignores everything. */
  push(chunk: Buffer): { lines: string[]; overflow: boolean } {
    const lines: string[] = [];
    let start = 0;
    while (!this.overflowed) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline < 0 ? chunk.length : newline;
      if (this.pendingBytes + end - start > this.maxLineBytes) {
        this.overflowed = true;
        this.pending = [];
        break;
      }
      if (newline < 0) {
        this.pending.push(Buffer.from(chunk.subarray(start)));
        this.pendingBytes += chunk.length - start;
        break;
      }
      const line = Buffer.concat([...this.pending, chunk.subarray(start, newline)]).toString('utf8');
      lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
    }
    return { lines, overflow: this.overflowed };
  }
}

// ---------------------------------------------------------------------------------------------
// Server.

export interface ControlServerOptions {
  readonly maxLineBytes?: number;
  /** A connection with no request in progress is closed when it completes no request line for this long. */
  readonly idleTimeoutMs?: number;
  /** Open connections at most; at the limit a new one replaces the one idle longest (connection-slots.ts). */
  readonly maxConnections?: number;
  /** Connections that may stream events (monitor requests) at once; the rest are busy. */
  readonly maxStreams?: number;
  /** Where a full socket is reported; nothing is logged without one. */
  readonly logger?: ControlLogger;
  /** After the first record of a full socket, further evictions and refusals are summed up this often. */
  readonly overloadReportIntervalMs?: number;
}

export interface ControlServer {
  readonly path: string;
  /** Stops listening, drops open connections and removes the socket file. */
  close(): Promise<void>;
}

export type ControlServerErrorCode = 'socket-in-use' | 'not-a-socket' | 'insecure-socket';

/** Why the server did not start; the message says what to do. */
export class ControlServerError extends Error {
  override readonly name = 'ControlServerError';

  constructor(
    readonly code: ControlServerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Listens on `path`. Refuses when a live daemon answers there or the path is not a socket; removes
 * a stale socket file (nothing listening) first.
 */
export async function startControlServer(
  path: string,
  handler: ControlHandler,
  options: ControlServerOptions = {},
): Promise<ControlServer> {
  await removeStaleSocket(path);
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_SERVER_MAX_LINE_BYTES;
  const maxStreams = Math.min(options.maxStreams ?? DEFAULT_MAX_STREAMS, maxConnections - 1);
  const slots = new ConnectionSlots({ maxConnections, idleTimeoutMs, maxStreams });
  const report = new OverloadReport(options.logger, path, maxConnections, options.overloadReportIntervalMs ?? DEFAULT_OVERLOAD_REPORT_INTERVAL_MS);
  const connections = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    // A client that goes away mid-answer is not the daemon's problem.
    socket.on('error', () => socket.destroy());
    const admission = slots.admit(socket);
    if (admission !== 'admitted') report.note(admission);
    if (admission === 'refused') refuseAsBusy(socket, maxConnections, idleTimeoutMs);
    else serveConnection(socket, handler, slots, { maxLineBytes, maxStreams });
  });
  await listenPrivately(server, path);
  const close = async (): Promise<void> => {
    report.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of connections) socket.destroy();
    await closed;
  };
  try {
    await verifySocketMode(path);
  } catch (e: unknown) {
    await close();
    throw e;
  }
  return { path, close };
}

async function removeStaleSocket(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (e: unknown) {
    if (errorCode(e) === 'ENOENT') return;
    throw e;
  }
  if (!info.isSocket()) {
    const advice = 'refusing to replace it; remove it or use another socket path';
    throw new ControlServerError('not-a-socket', `${path} exists and is not a socket: ${advice}`);
  }
  if (await answers(path)) {
    const advice = `stop it first (systemctl stop carpd) or give this one another socket (${CONTROL_SOCKET_ENV})`;
    throw new ControlServerError('socket-in-use', `another carpd already listens on ${path}: ${advice}`);
  }
  await unlink(path);
}

/** True when something accepts connections on `path` (or takes too long to refuse them). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createConnection(path);
    const done = (live: boolean): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS);
    probe.once('connect', () => done(true));
    probe.once('error', (e: Error) => {
      if (errorCode(e) === 'ECONNREFUSED') return done(false);
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The umask makes the socket file 0600 at bind(); a later chmod would leave a window open. */
function listenPrivately(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const previous = process.umask(0o777 & ~SOCKET_MODE);
    try {
      // bind() runs synchronously inside listen(); only the 'listening' event comes later.
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
}

async function verifySocketMode(path: string): Promise<void> {
  const info = await stat(path);
  const mode = info.mode & 0o777;
  if (!info.isSocket() || mode !== SOCKET_MODE) {
    const message = `${path} was created with mode ${mode.toString(8)}, not 600: refusing to serve on it`;
    throw new ControlServerError('insecure-socket', message);
  }
}

interface ConnectionLimits {
  readonly maxLineBytes: number;
  readonly maxStreams: number;
}

function serveConnection(socket: Socket, handler: ControlHandler, slots: ConnectionSlots, limits: ConnectionLimits): void {
  const reader = new LineReader(limits.maxLineBytes);
  const events = new ConnectionEvents(socket);
  let queue = Promise.resolve();
  let refused = false;
  let streaming = false;
  socket.on('data', (chunk: Buffer) => {
    // Once streaming, the connection carries only carpd's events: what the client sends is ignored.
    if (streaming) return;
    const { lines, overflow } = reader.push(chunk);
    for (const line of lines.filter((l) => l.trim() !== '')) {
      slots.requestStarted(socket);
      queue = queue.then(async () => {
        if (!streaming) {
          const answer = await answerLine(line, handler, events, () => slots.startStream(socket), limits.maxStreams);
          reply(socket, answer.line);
          if (answer.then === 'stream') {
            streaming = true;
            events.open();
          } else if (answer.then === 'close') socket.end();
        }
        slots.requestAnswered(socket);
      });
    }
    if (overflow && !refused) {
      // The framing is lost: answer what came before, say why, and stop talking.
      refused = true;
      const error = { code: 'line-too-long', message: `request line longer than ${limits.maxLineBytes} bytes: connection closed` };
      queue = queue.then(() => {
        reply(socket, encodeResponse(errorResponse(error)));
        socket.end();
      });
    }
  });
  socket.on('end', () => {
    void queue.then(() => socket.end());
  });
}

/**
 * The event side of a connection. Events pushed before the answer to the monitor request is out
 * wait for it, so that the client reads the answer first.
 */
class ConnectionEvents implements EventStream {
  private waiting: string[] | null = [];
  private readonly closeListeners: (() => void)[] = [];
  private closed = false;

  constructor(private readonly socket: Socket) {
    socket.once('close', () => {
      this.closed = true;
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  push(event: MonitorEventDto): void {
    const line = encodeEvent(event);
    if (this.waiting === null) this.write(line);
    else this.waiting.push(line);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** The answer is out: what waited goes now, the rest as it comes. */
  open(): void {
    const waiting = this.waiting ?? [];
    this.waiting = null;
    for (const line of waiting) this.write(line);
  }

  private write(line: string): void {
    if (this.socket.writableLength > MAX_QUEUED_EVENT_BYTES) this.socket.destroy();
    else reply(this.socket, line);
  }
}

/**
 * Says "busy" instead of closing silently, so carpctl can tell why. The client's request is read
 * and dropped: closing with it unread would reset the connection and could lose the answer.
 */
function refuseAsBusy(socket: Socket, maxConnections: number, idleTimeoutMs: number): void {
  const error = { code: BUSY, message: `every control connection (limit ${maxConnections}) has a request in progress; try again in a moment` };
  socket.end(`${encodeResponse(errorResponse(error))}\n`);
  socket.resume();
  // A deadline, not an idle timer: it holds no slot, so it must not outstay one by trickling bytes.
  const deadline = setTimeout(() => socket.destroy(), idleTimeoutMs);
  socket.once('close', () => clearTimeout(deadline));
}

/** An answer line, and what becomes of the connection after it. */
interface Answer {
  readonly line: string;
  readonly then: 'more' | 'stream' | 'close';
}

/** Never rejects: every failure becomes an error response; a failed monitor request closes. */
async function answerLine(
  line: string,
  handler: ControlHandler,
  events: EventStream,
  startStream: () => boolean,
  maxStreams: number,
): Promise<Answer> {
  let monitor = false;
  try {
    const request = decodeRequest(line);
    if (request.type === 'monitor' && !startStream()) {
      const error = { code: BUSY, message: `${maxStreams} monitors are running already (the limit); stop one or try again later` };
      return { line: encodeResponse(errorResponse(error)), then: 'more' };
    }
    monitor = request.type === 'monitor';
    const result = await handler(request, events);
    return { line: encodeResponse(okResponse(result)), then: monitor ? 'stream' : 'more' };
  } catch (e: unknown) {
    return { line: encodeResponse(errorResponse(errorDtoOf(e))), then: monitor ? 'close' : 'more' };
  }
}

function reply(socket: Socket, line: string): void {
  if (socket.writable) socket.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// Client.

export interface ClientOptions {
  /** For the whole exchange: connect, send, answer. */
  readonly timeoutMs?: number;
  readonly maxLineBytes?: number;
}

/** carpd could not be asked: not running, no permission, busy, not trusted, no answer or a garbled one. */
export class ControlTransportError extends Error {
  override readonly name = 'ControlTransportError';

  constructor(
    readonly kind: 'unreachable' | 'untrusted' | 'busy' | 'timeout' | 'protocol',
    readonly socketPath: string,
    message: string,
  ) {
    super(message);
  }
}

/** carpd answered with a refusal; code and message are the daemon's. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one request and returns its result; throws RemoteError or ControlTransportError. */
export async function sendRequest<R extends Request>(
  path: string,
  request: R,
  options: ClientOptions = {},
): Promise<ResultFor<R['type']>> {
  const line = await exchange(path, encodeRequest(request), options);
  return resultOf(path, line, request.type) as ResultFor<R['type']>;
}

/** The result in a response line; throws RemoteError or ControlTransportError. */
function resultOf<T extends RequestType>(path: string, line: string, type: T): ResultFor<T> {
  let decoded;
  try {
    decoded = decodeResponse(line, type);
  } catch (e: unknown) {
    throw invalid(path, e);
  }
  if (!decoded.ok && decoded.error.code === BUSY) {
    throw new ControlTransportError('busy', path, `carpd at ${path} is busy: ${decoded.error.message}`);
  }
  if (!decoded.ok) throw new RemoteError(decoded.error.code, decoded.error.message);
  return decoded.result;
}

function invalid(path: string, e: unknown): Error {
  if (!(e instanceof ProtocolError)) return e instanceof Error ? e : new Error(String(e));
  return new ControlTransportError('protocol', path, `carpd at ${path} sent an invalid response: ${e.message}`);
}

/**
 * Sends a monitor request and hands each event to `onEvent` until `stop` settles (resolves) or
 * carpd closes the connection (rejects with ControlTransportError). The timeout covers the answer
 * to the request only: events may be hours apart.
 */
export async function monitorEvents(
  path: string,
  onEvent: (event: MonitorEventDto) => void,
  stop: Promise<void>,
  options: ClientOptions = {},
): Promise<void> {
  const socket = await connect(path);
  return new Promise((resolve, reject) => {
    const reader = new LineReader(options.maxLineBytes ?? DEFAULT_CLIENT_MAX_LINE_BYTES);
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let answered = false;
    let done = false;
    const finish = (error: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error === null) resolve();
      else reject(error);
    };
    const timer = setTimeout(() => {
      finish(new ControlTransportError('timeout', path, `carpd at ${path} did not answer within ${timeoutMs} ms; ${CHECK_LOG}`));
    }, timeoutMs);
    void stop.then(() => finish(null));
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = reader.push(chunk);
      try {
        for (const line of lines) {
          if (done) return;
          if (answered) onEvent(decodeEvent(line));
          else {
            resultOf(path, line, 'monitor');
            answered = true;
            clearTimeout(timer);
          }
        }
      } catch (e: unknown) {
        finish(invalid(path, e));
      }
      if (overflow) finish(new ControlTransportError('protocol', path, `carpd at ${path} sent a line longer than the limit`));
    });
    const closed = (): void => finish(answered ? monitorEnded(path) : closedEarly(path));
    socket.once('error', closed);
    socket.once('close', closed);
    socket.write(`${encodeRequest({ type: 'monitor' })}\n`);
  });
}

async function exchange(path: string, line: string, options: ClientOptions): Promise<string> {
  const socket = await connect(path);
  return new Promise((resolve, reject) => {
    const reader = new LineReader(options.maxLineBytes ?? DEFAULT_CLIENT_MAX_LINE_BYTES);
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const finish = (error: Error | null, answer = ''): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error === null) resolve(answer);
      else reject(error);
    };
    const timer = setTimeout(() => {
      const message = `carpd at ${path} did not answer within ${timeoutMs} ms; ${CHECK_LOG}`;
      finish(new ControlTransportError('timeout', path, message));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = reader.push(chunk);
      const [first] = lines;
      if (first !== undefined) finish(null, first);
      else if (overflow) {
        finish(new ControlTransportError('protocol', path, `carpd at ${path} sent a response line longer than the limit`));
      }
    });
    socket.once('error', () => finish(closedEarly(path)));
    socket.once('close', () => finish(closedEarly(path)));
    socket.write(`${line}\n`);
  });
}

/** A connection that is safe to send the request on, or the reason there is none. */
async function connect(path: string): Promise<Socket> {
  try {
    return await connectTrusted(path);
  } catch (e: unknown) {
    if (e instanceof UntrustedSocketError) throw new ControlTransportError('untrusted', path, e.message);
    if (errorCode(e) === '') throw e;
    throw unreachable(path, e as Error);
  }
}

function closedEarly(path: string): ControlTransportError {
  const message = `carpd at ${path} closed the connection without answering; ${CHECK_LOG}`;
  return new ControlTransportError('protocol', path, message);
}

function monitorEnded(path: string): ControlTransportError {
  return new ControlTransportError('unreachable', path, `carpd at ${path} closed the monitor connection: it stopped, or ${CHECK_LOG}`);
}

function unreachable(path: string, e: Error): ControlTransportError {
  const check = `is carpd running (systemctl status carpd)? Another socket is chosen with --socket PATH or ${CONTROL_SOCKET_ENV}`;
  const denied = `permission denied on ${path}; the control socket is root-only (mode 0600): run carpctl as root`;
  const reasons: Record<string, string> = {
    ENOENT: `${path} does not exist; ${check}`,
    ECONNREFUSED: `nothing listens on ${path}; ${check}`,
    EACCES: denied,
    EPERM: denied,
    ENOTSOCK: `${path} is not a socket; ${check}`,
    EAGAIN: `carpd at ${path} accepts no more connections (its queue is full); ${CHECK_LOG}`,
  };
  const reason = reasons[errorCode(e)] ?? `${e.message} (${path}); ${check}`;
  return new ControlTransportError('unreachable', path, `cannot reach carpd: ${reason}`);
}

function errorCode(e: unknown): string {
  return e instanceof Error && 'code' in e ? String(e.code) : '';
}
