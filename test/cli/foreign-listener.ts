/**
 * A fake carpd run by an unprivileged user: it listens on a Unix socket and records every
 * connection and every byte it receives, so a test can prove that carpctl sent it nothing.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UNPRIVILEGED_ENV } from '../helpers/netns';

/** The unprivileged user of the test machine (see the project's test setup). */
export const FOREIGN_USER = 'tester';

export interface User {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export function lookupUser(name: string): User | null {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/** Why the tests with another user's listener cannot run here, or null when they can. */
export function foreignListenerUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (to run a listener as another user and to chown its socket)';
  if (process.env[UNPRIVILEGED_ENV] === '1') return `${UNPRIVILEGED_ENV}=1: running as an unprivileged user would`;
  if (lookupUser(FOREIGN_USER) === null) return `needs the unprivileged user ${FOREIGN_USER}`;
  return null;
}

/** What the listener saw on one connection, reported when it closed. */
export interface ReceivedConnection {
  readonly id: number;
  readonly bytes: number;
  readonly text: string;
}

const SCRIPT = `
const net = require('node:net');
let count = 0;
const say = (record) => process.stdout.write(JSON.stringify(record) + '\\n');
net.createServer((socket) => {
  const id = ++count;
  const chunks = [];
  say({ event: 'connection', id });
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    say({ event: 'closed', id, bytes: Buffer.byteLength(text), text });
  });
}).listen(process.argv[1], () => say({ event: 'listening' }));
`;

export class ForeignListener {
  private listening = false;
  /** Connections in the order they were accepted, by id. */
  readonly accepted: number[] = [];
  readonly closed: ReceivedConnection[] = [];
  private exit: string | null = null;
  private readonly waiters: (() => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    if (child.stdout === null) throw new Error('the listener has no stdout pipe');
    createInterface({ input: child.stdout }).on('line', (line) => {
      const record = JSON.parse(line) as { event: string } & ReceivedConnection;
      if (record.event === 'listening') this.listening = true;
      if (record.event === 'connection') this.accepted.push(record.id);
      if (record.event === 'closed') this.closed.push({ id: record.id, bytes: record.bytes, text: record.text });
      this.wake();
    });
    child.once('exit', (code, signal) => {
      this.exit = `the listener exited (${signal ?? code})`;
      this.wake();
    });
  }

  /** Starts the listener as `user` on `path` (in a directory that user can write). */
  static async start(user: User, path: string, cwd: string): Promise<ForeignListener> {
    const child = spawn(process.execPath, ['-e', SCRIPT, path], {
      uid: user.uid,
      gid: user.gid,
      cwd,
      env: {},
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const listener = new ForeignListener(child);
    await listener.until(() => listener.listening);
    return listener;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** What the listener received on connection `id`, once that connection is closed. */
  async closeOf(id: number): Promise<ReceivedConnection> {
    await this.until(() => this.closed.some((c) => c.id === id));
    return this.closed.find((c) => c.id === id) as ReceivedConnection;
  }

  stop(): void {
    this.child.kill();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.exit !== null) throw new Error(this.exit);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
