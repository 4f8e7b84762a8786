/**
 * Tells the log that the control socket is full, once rather than once per connection: whatever
 * floods it would otherwise flood the journal too. The first eviction or refusal is logged at once;
 * later ones are counted and summed up in one record per interval, for as long as they go on.
 */
import type { Admission } from './connection-slots';

/** The part of carpd's logger (pino) the control server uses. */
export interface ControlLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

type Overload = Exclude<Admission, 'admitted'>;

export class OverloadReport {
  private counts = { evicted: 0, refused: 0 };
  /** Running while a window is open: events go into `counts` instead of the log. */
  private window: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: ControlLogger | undefined,
    private readonly socket: string,
    private readonly maxConnections: number,
    private readonly intervalMs: number,
  ) {}

  note(overload: Overload): void {
    if (this.window !== null) {
      this.counts[overload]++;
      return;
    }
    const what =
      overload === 'evicted'
        ? 'closed the connection idle longest to let a new one in; something connects without sending requests'
        : 'refused a new connection as busy, every connection having a request in progress';
    this.log({ evicted: overload === 'evicted' ? 1 : 0, refused: overload === 'refused' ? 1 : 0 }, `${what} (more are summed up every ${this.intervalMs} ms)`);
    this.openWindow();
  }

  /** Stops the timer; what was counted since the last record is dropped with the server. */
  close(): void {
    if (this.window !== null) clearTimeout(this.window);
    this.window = null;
  }

  private openWindow(): void {
    this.window = setTimeout(() => this.summarize(), this.intervalMs);
  }

  private summarize(): void {
    const { evicted, refused } = this.counts;
    this.window = null;
    if (evicted + refused === 0) return;
    this.counts = { evicted: 0, refused: 0 };
    this.log({ evicted, refused }, `in the last ${this.intervalMs} ms, ${evicted} connections closed to make room and ${refused} refused as busy`);
    this.openWindow();
  }

  private log(counts: { evicted: number; refused: number }, text: string): void {
    const fields = { socket: this.socket, maxConnections: this.maxConnections, ...counts };
    this.logger?.warn(fields, `control socket full (limit ${this.maxConnections}): ${text}`);
  }
}
