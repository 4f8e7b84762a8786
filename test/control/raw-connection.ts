/** A connection that reads whole lines, for talking to the control server below the client's level. */
import { type Socket, createConnection } from 'node:net';

export class RawConnection {
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string | null) => void)[] = [];
  private buffered = '';
  private ended = false;
  readonly socket: Socket;
  /** Resolves when the connection is established. */
  readonly connected: Promise<void>;
  /** Resolves when the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;

  constructor(path: string) {
    this.socket = createConnection(path);
    this.connected = new Promise((resolve) => this.socket.once('connect', resolve));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
        this.deliver(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.ended = true;
      for (const wake of this.waiting.splice(0)) wake(null);
    });
  }

  /** True once the connection is gone. */
  get isClosed(): boolean {
    return this.ended;
  }

  private deliver(line: string): void {
    const wake = this.waiting.shift();
    if (wake !== undefined) wake(line);
    else this.lines.push(line);
  }

  /** The next response as an object, or null once the server closed the connection. */
  async next(): Promise<Record<string, unknown> | null> {
    const line =
      this.lines.shift() ?? (this.ended ? null : await new Promise<string | null>((resolve) => this.waiting.push(resolve)));
    return line === null ? null : (JSON.parse(line) as Record<string, unknown>);
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}
