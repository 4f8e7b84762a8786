/**
 * A Unix datagram socket that collects what is sent to it, as systemd's notification socket does:
 * socat (UNIX-RECV or ABSTRACT-RECV) writes every datagram it receives to its standard output. The
 * messages carpd sends end with a newline, so the output is a list of KEY=VALUE lines in order.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { sendUnixDatagram } from '../../src/native/binding';
import { exited, waitFor } from './poll';

/** Why socat cannot be used here, or null when it can. */
export function socatUnavailableReason(): string | null {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'socat is not installed (apt-get install socat)';
  }
}

export class DatagramListener {
  private output = '';

  private constructor(
    /** A path, or `@name` for an abstract socket (NOTIFY_SOCKET's spelling). */
    readonly address: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Binds `address` and resolves once a datagram sent there arrives (a probe, not recorded). */
  static async bind(address: string): Promise<DatagramListener> {
    const target = address.startsWith('@') ? `ABSTRACT-RECV:${address.slice(1)}` : `UNIX-RECV:${address},unlink-early`;
    const listener = new DatagramListener(address, spawn('socat', ['-u', target, 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] }));
    // One probe once the socket exists: a second one could arrive after the caller's messages.
    let probed = false;
    await waitFor(`socat to bind ${address}`, () => {
      try {
        if (!probed) sendUnixDatagram(address, Buffer.from(PROBE));
        probed = true;
      } catch {
        return Promise.resolve(false);
      }
      return Promise.resolve(listener.output.includes(PROBE));
    });
    listener.output = listener.output.slice(listener.output.indexOf(PROBE) + PROBE.length);
    return listener;
  }

  /** Everything received since bind, as one string. */
  get text(): string {
    return this.output;
  }

  /** The KEY=VALUE lines received since bind, in order. */
  get lines(): string[] {
    return this.output.split('\n').filter(Boolean);
  }

  async close(): Promise<void> {
    const gone = exited(this.child);
    this.child.kill();
    await gone;
  }
}

const PROBE = 'X-PROBE=1\n';
