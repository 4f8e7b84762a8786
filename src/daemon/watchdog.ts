/**
 * WATCHDOG=1 to the service manager, from the event loop itself: the loop monitor's check (every
 * 250 ms) calls `tick`, so pings stop exactly when the loop stops running (blocked, stopped,
 * starved) and systemd, after WatchdogSec=, kills and restarts carpd. A ping goes out every quarter
 * of the watchdog interval, so a stall shorter than three quarters of it never costs a restart.
 */
import type { Millis } from '../carp/types';
import type { ServiceNotifier } from './service-notifier';

export class Watchdog {
  private lastPing = Number.NEGATIVE_INFINITY;

  constructor(private readonly notifier: ServiceNotifier) {}

  tick(now: Millis): void {
    const interval = this.notifier.watchdogMs;
    if (interval === null || now - this.lastPing < interval / 4) return;
    this.lastPing = now;
    this.notifier.notify({ WATCHDOG: '1' });
  }
}
