/**
 * READY=1, STATUS= and STOPPING=1 for the service manager, said honestly:
 * - READY=1 once every interface of the boot configuration runs (each virtual host BACKUP or
 *   MASTER), at once when the boot configuration has none. An interface that cannot run (a carpdev
 *   without link, say) must not hold up the boot for ever: after `readyTimeoutMs` carpd reports
 *   READY=1 anyway, with a STATUS naming what does not run, and logs it. The interfaces waited for
 *   are those with a vhid once the boot configuration was applied: a device re-attached without
 *   a file has none and could never run, and a refused file left no interface (it is logged).
 * - STATUS= on every change of state, at most once per `statusIntervalMs` (the latest summary
 *   wins) and only when the line changed, so that a flapping link cannot flood the manager.
 * - RELOADING=1 (with MONOTONIC_USEC, which systemd 253's Type=notify-reload asks for) when a
 *   reload begins, READY=1 when it is over, with a STATUS that says if it was refused. Only once
 *   ready: before, the service manager is still waiting for the first READY=1.
 * - STOPPING=1 when an orderly stop begins; nothing after it.
 */
import type { HostStatus, Millis } from '../carp/types';
import type { Clock } from './clock';
import type { TimerApi } from './driver';
import type { Logger } from './logger';
import type { ServiceNotifier } from './service-notifier';
import { notRunning, statusLine, whyNotRunning } from './status-line';

/** How long carpd waits for the boot configuration's interfaces to run before READY=1 anyway. */
export const DEFAULT_READY_TIMEOUT_MS = 10_000;
/** At most one STATUS= per second. */
export const STATUS_INTERVAL_MS = 1000;

export interface ServiceReportDeps {
  readonly notifier: ServiceNotifier;
  readonly status: () => HostStatus;
  readonly allow: () => boolean;
  readonly clock: Clock;
  readonly timers: TimerApi;
  readonly logger: Logger;
  readonly readyTimeoutMs: Millis;
}

export class ServiceReport {
  /** The boot configuration's interfaces that did not run yet, while waiting for them. */
  private waitingFor = new Set<string>();
  private phase: 'booting' | 'waiting' | 'ready' | 'stopping' = 'booting';
  private readyTimer: NodeJS.Timeout | null = null;
  private updateTimer: NodeJS.Timeout | null = null;
  private lastStatus = '';
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: ServiceReportDeps) {}

  /** The boot configuration has been applied: from now on carpd can be ready. */
  booted(): void {
    const interfaces = this.deps.status().interfaces;
    this.waitingFor = new Set(interfaces.filter((i) => i.nodes.length > 0).map((i) => i.name));
    this.phase = 'waiting';
    this.readyTimer = this.deps.timers.setTimeout(() => this.readyTimedOut(), this.deps.readyTimeoutMs);
    this.update();
  }

  /**
   * A virtual host changed state, or a demotion changed (maintenance mode shows in the summary).
   * The summary is made later, once for a burst of changes.
   */
  changed(): void {
    if (this.phase === 'booting' || this.phase === 'stopping' || this.updateTimer !== null) return;
    // While waiting for READY every change may be the last one needed: look at once (next turn).
    const delay = this.phase === 'waiting' ? 0 : Math.max(0, this.lastSentAt + STATUS_INTERVAL_MS - this.deps.clock.now());
    this.updateTimer = this.deps.timers.setTimeout(() => {
      this.updateTimer = null;
      this.update();
    }, delay);
  }

  reloading(): void {
    if (this.phase !== 'ready') return;
    const usec = Math.round(this.deps.clock.now() * 1000);
    this.deps.notifier.notify({ RELOADING: '1', MONOTONIC_USEC: String(usec), STATUS: 'reloading the configuration' });
  }

  /** `applied`: false when the configuration directory was refused (carpd logged why). */
  reloaded(applied: boolean): void {
    if (this.phase !== 'ready') return;
    const line = statusLine(this.deps.status().interfaces, this.deps.allow());
    const status = applied ? line : `reload refused, the previous configuration stays (see the log); ${line}`;
    this.send({ READY: '1', STATUS: status }, status);
  }

  stopping(): void {
    this.phase = 'stopping';
    for (const timer of [this.readyTimer, this.updateTimer]) if (timer !== null) this.deps.timers.clearTimeout(timer);
    this.readyTimer = this.updateTimer = null;
    this.deps.notifier.notify({ STOPPING: '1', STATUS: 'stopping: virtual hosts that are MASTER bow out' });
  }

  private update(): void {
    const status = this.deps.status();
    const line = statusLine(status.interfaces, this.deps.allow(), status.maintenance);
    if (this.phase === 'waiting') {
      const running = (name: string): boolean => {
        const iface = status.interfaces.find((i) => i.name === name);
        return iface === undefined || iface.nodes.every((n) => n.state !== 'INIT');
      };
      for (const name of [...this.waitingFor]) if (running(name)) this.waitingFor.delete(name);
      if (this.waitingFor.size === 0) return this.ready(line);
    }
    if (line === this.lastStatus) return;
    const wait = this.lastSentAt + STATUS_INTERVAL_MS - this.deps.clock.now();
    if (wait > 0) {
      // Rate-limited: the summary of then, not of now, is sent when the interval is over.
      this.updateTimer ??= this.deps.timers.setTimeout(() => {
        this.updateTimer = null;
        this.update();
      }, wait);
      return;
    }
    this.send({ STATUS: line }, line);
  }

  private ready(line: string): void {
    this.phase = 'ready';
    this.waitingFor.clear();
    if (this.readyTimer !== null) this.deps.timers.clearTimeout(this.readyTimer);
    this.readyTimer = null;
    this.send({ READY: '1', STATUS: line }, line);
  }

  private readyTimedOut(): void {
    this.readyTimer = null;
    this.update();
    if (this.phase !== 'waiting') return;
    const status = this.deps.status();
    const stuck = notRunning(status.interfaces).filter((i) => this.waitingFor.has(i.name));
    const names = stuck.map((i) => `${i.name} (${whyNotRunning(i, this.deps.allow())})`).join(', ');
    this.deps.logger.warn(
      { interfaces: stuck.map((i) => i.name) },
      `not every interface of the boot configuration runs after ${this.deps.readyTimeoutMs / 1000} s: ${names}; reporting ready anyway`,
    );
    this.ready(statusLine(status.interfaces, this.deps.allow(), status.maintenance));
  }

  private send(fields: Record<string, string>, line: string): void {
    this.lastStatus = line;
    this.lastSentAt = this.deps.clock.now();
    this.deps.notifier.notify(fields);
  }
}
