/**
 * Keeps the in-kernel data path (net.inet.carp.fastpath) out of a capture's way. carpN's tc egress
 * redirect takes the frames carpN sends before its taps see them (src/kernel/packet-captures.ts),
 * so `tcpdump -i carp0` would show the client's requests and none of the answers. While a capture
 * listens on a carp interface, the relay carries that interface's traffic, which its taps see both
 * ways, as on a BSD; the path comes back when the capture ends. Checked every
 * CAPTURE_CHECK_INTERVAL_MS, so the first moments of a capture may miss what carpN sends.
 */
import type { Millis } from '../carp/types';
import { describeError } from './describe-error';
import type { TimerApi } from './driver';
import type { Logger } from './logger';

export const CAPTURE_CHECK_INTERVAL_MS: Millis = 1000;

export interface CaptureWatchDeps {
  readonly timers: TimerApi;
  readonly logger: Logger;
  /** The ifindexes packet captures listen on (readCapturedIfindexes in production); throws when it cannot tell. */
  captured(): ReadonlySet<number>;
  /** The name of the carp interface with this ifindex, if it is one of ours. */
  carpInterfaceAt(ifindex: number): string | undefined;
  /** Whether the kernel's path may carry anything (net.inet.carp.fastpath); when not, nothing is read. */
  pathEnabled(): boolean;
  /** Hands the relay the carp interfaces under capture (Relay.setCaptured). */
  setCaptured(ifnames: ReadonlySet<string>): void;
}

export class CaptureWatch {
  private timer: NodeJS.Timeout | null = null;
  private captured: ReadonlySet<string> = new Set();
  private readFailed = false;

  constructor(private readonly deps: CaptureWatchDeps) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    if (this.timer !== null) this.deps.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.deps.timers.setTimeout(() => {
      this.check();
      this.schedule();
    }, CAPTURE_CHECK_INTERVAL_MS);
  }

  private check(): void {
    if (!this.deps.pathEnabled()) return;
    let ifindexes: ReadonlySet<number>;
    try {
      ifindexes = this.deps.captured();
    } catch (e: unknown) {
      // Once: the same failure every second would fill the log.
      if (!this.readFailed) this.deps.logger.warn({ err: e }, `cannot tell which interfaces are captured, a capture on a carp interface may miss what it sends: ${describeError(e)}`);
      this.readFailed = true;
      return;
    }
    this.readFailed = false;
    const captured = new Set<string>();
    for (const ifindex of ifindexes) {
      const ifname = this.deps.carpInterfaceAt(ifindex);
      if (ifname !== undefined) captured.add(ifname);
    }
    const { logger } = this.deps;
    for (const ifname of captured) {
      if (!this.captured.has(ifname)) logger.info(`${ifname}: a capture listens on ${ifname}: the relay carries its traffic while it lasts, so that the capture sees both directions`);
    }
    for (const ifname of this.captured) {
      if (!captured.has(ifname)) logger.info(`${ifname}: the capture on ${ifname} ended: the kernel may carry its traffic again`);
    }
    this.captured = captured;
    this.deps.setCaptured(captured);
  }
}
