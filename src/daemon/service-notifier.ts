/**
 * What carpd tells its service manager (sd_notify(3)): READY=1, STATUS=..., WATCHDOG=1,
 * STOPPING=1. The daemon only speaks through this interface; systemd-notifier.ts is the real one
 * ($NOTIFY_SOCKET), and the in-process tests record the messages.
 */

/** One message: KEY=VALUE fields sent together (systemd applies them at once). */
export type NotifyFields = Readonly<Record<string, string>>;

export interface ServiceNotifier {
  /** Sends the fields as one message. Never throws: a failure is the notifier's to report. */
  notify(fields: NotifyFields): void;
  /** How often the service manager wants WATCHDOG=1 at the latest (WATCHDOG_USEC), or null. */
  readonly watchdogMs: number | null;
}

/** No service manager listens (carpd started by hand, or by a test that does not look). */
export const SILENT_NOTIFIER: ServiceNotifier = { notify: () => undefined, watchdogMs: null };

/** `READY=1\nSTATUS=...\n`: the wire form, one field per line, values without newlines. */
export function encodeNotification(fields: NotifyFields): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${value.replace(/\n/g, ' ')}\n`)
    .join('');
}
