/**
 * tcpdump in a namespace for wire-level assertions: started, waited for until it listens, and
 * either stopped with SIGINT or left to end by itself (-c N); then read back as text.
 */
import type { ChildProcess } from 'node:child_process';
import type { CarpLab } from './carp-lab';

export class Capture {
  private readonly child: ChildProcess;
  private output = '';
  private readonly listening: Promise<void>;
  private readonly closed: Promise<string>;

  /** `args` are tcpdump's (interface, filter, -c N ...); --immediate-mode, -l and -n are added. */
  constructor(lab: CarpLab, namespace: string, args: readonly string[]) {
    // --immediate-mode: libpcap otherwise holds packets in its ring until a block times out, and
    // whatever is still held when tcpdump is interrupted is never printed.
    this.child = lab.net.spawn(namespace, 'tcpdump', ['--immediate-mode', '-l', '-n', ...args]);
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    // 'close', not 'exit': only 'close' comes after the last of stdout has been read.
    this.closed = new Promise((done) => this.child.once('close', () => done(this.output)));
    this.listening = new Promise((ready, fail) => {
      this.child.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on')) ready();
      });
      this.child.once('exit', (code) => fail(new Error(`tcpdump exited ${code} before listening`)));
    });
  }

  started(): Promise<void> {
    return this.listening;
  }

  /** What tcpdump printed once it ended by itself (-c N); rejects after `timeoutMs`. */
  finished(timeoutMs: number): Promise<string> {
    return Promise.race([
      this.closed,
      new Promise<string>((_, fail) => setTimeout(() => fail(new Error(`tcpdump still running after ${timeoutMs} ms: ${this.output}`)), timeoutMs).unref()),
    ]);
  }

  /** Stops tcpdump (if it still runs) and returns what it printed. */
  stop(): Promise<string> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    return this.closed;
  }
}
