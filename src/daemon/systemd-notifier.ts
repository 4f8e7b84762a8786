/**
 * The sd_notify(3) protocol of systemd: each message is one datagram to the Unix socket named by
 * $NOTIFY_SOCKET (a path, or `@name` for an abstract socket). Node has no Unix datagram sockets,
 * so the native addon sends it (sendUnixDatagram, non-blocking). Like sd_notify's
 * `unset_environment`, the variables are taken out of the environment, so that nothing carpd starts
 * (hooks, ip) speaks to systemd in carpd's name.
 */
import { describeError } from './describe-error';
import { type NotifyFields, SILENT_NOTIFIER, type ServiceNotifier, encodeNotification } from './service-notifier';

export type SendDatagram = (address: string, payload: Buffer) => void;

/** The variables systemd sets for a Type=notify service with WatchdogSec=. */
const VARIABLES = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/**
 * A notifier for the service manager described by `environment` (process.env), which loses the
 * variables. Without NOTIFY_SOCKET it is silent. `report` hears each kind of failure (errno code)
 * once, so a systemd that went away cannot flood the log.
 */
export function systemdNotifier(environment: NodeJS.ProcessEnv, send: SendDatagram, report: (message: string) => void): ServiceNotifier {
  const { NOTIFY_SOCKET: socket, WATCHDOG_USEC: watchdogUsec, WATCHDOG_PID: watchdogPid } = environment;
  for (const name of VARIABLES) delete environment[name];
  // systemd sets an absolute path or an abstract name; anything else is not for us.
  if (socket === undefined || !/^[/@]/.test(socket)) return SILENT_NOTIFIER;
  const reported = new Set<string>();
  return {
    notify(fields: NotifyFields): void {
      try {
        send(socket, Buffer.from(encodeNotification(fields)));
      } catch (e: unknown) {
        const code = e instanceof Error && 'code' in e ? String(e.code) : 'unknown';
        if (reported.has(code)) return;
        reported.add(code);
        report(`cannot notify the service manager at ${socket}: ${describeError(e)} (further failures of this kind are not logged)`);
      }
    },
    watchdogMs: watchdogFor(watchdogUsec, watchdogPid),
  };
}

/** WATCHDOG_USEC in ms, when it is meant for this process (WATCHDOG_PID unset or ours). */
function watchdogFor(usec: string | undefined, pid: string | undefined): number | null {
  if (pid !== undefined && Number(pid) !== process.pid) return null;
  const value = Number(usec);
  return usec !== undefined && Number.isSafeInteger(value) && value > 0 ? value / 1000 : null;
}
