/**
 * A running `ping -D`, as the tests and the demo watch a client: when each reply arrived (ping's
 * own timestamps, so polling never blurs them), the longest silence after a moment, and ping's
 * closing statistics.
 */
import type { ChildProcess } from 'node:child_process';

export class PingProbe {
  private readonly replies: number[] = [];
  private readonly closed: Promise<string>;

  constructor(private readonly child: ChildProcess) {
    let output = '';
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^\[(\d+\.\d+)\] \d+ bytes from/.exec(line);
        if (match) this.replies.push(Number(match[1]) * 1000);
      }
    });
    // 'close', not 'exit': only 'close' comes after the last of stdout has been read.
    this.closed = new Promise((done) => child.once('close', () => done(output)));
  }

  /** How many replies arrived after `ms` (wall-clock milliseconds, like Date.now()). */
  repliesAfter(ms: number): number {
    return this.replies.filter((t) => t > ms).length;
  }

  /** When the first reply after `ms` arrived, or undefined. */
  firstReplyAfter(ms: number): number | undefined {
    return this.replies.find((t) => t > ms);
  }

  /**
   * The longest time without a reply that ended after `ms`, counted from the reply before it; so
   * the silence that began when something broke is measured whole. Null without such replies.
   */
  longestGapAfter(ms: number): number | null {
    let longest: number | null = null;
    for (let i = 1; i < this.replies.length; i++) {
      const [before, after] = [this.replies[i - 1] as number, this.replies[i] as number];
      if (after > ms && (longest === null || after - before > longest)) longest = after - before;
    }
    return longest;
  }

  /** Stops ping as Ctrl-C would and returns its statistics (the lines after "--- ... ---"). */
  async stop(): Promise<string> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    const output = await this.closed;
    const statistics = output.indexOf('\n--- ');
    return statistics < 0 ? '' : output.slice(statistics + 1);
  }
}
