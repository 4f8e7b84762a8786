/** A service manager that only listens: every sd_notify message carpd sends, with its fake time. */
import type { Millis } from '../../src/carp/types';
import type { Clock } from '../../src/daemon/clock';
import type { NotifyFields, ServiceNotifier } from '../../src/daemon/service-notifier';

export interface Notification {
  readonly at: Millis;
  readonly fields: NotifyFields;
}

export class RecordingNotifier implements ServiceNotifier {
  readonly messages: Notification[] = [];

  constructor(
    private readonly clock: Clock,
    /** WATCHDOG_USEC as milliseconds; null: no watchdog, as without WatchdogSec=. */
    readonly watchdogMs: number | null = null,
  ) {}

  notify(fields: NotifyFields): void {
    this.messages.push({ at: this.clock.now(), fields: { ...fields } });
  }

  /** The messages that carry `key`, in order. */
  withField(key: string): Notification[] {
    return this.messages.filter((m) => key in m.fields);
  }
}
