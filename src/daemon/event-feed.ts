/**
 * State and demotion changes as events for monitor connections (`carpctl monitor`). The daemon
 * publishes from the one place where the core's actions are carried out (daemon.ts), beside the
 * log and the hooks, so every subscriber sees each change once, in the order the core made them.
 */
import { DEMOTION_REASONS, type DemotionAction, type StateChangeAction, TRANSITION_REASONS } from '../carp/types';
import type { EventStream, MonitorEventDto } from '../control/protocol';

export class EventFeed {
  private readonly subscribers = new Set<EventStream>();

  /** `wallClock`: milliseconds since the epoch, for the events' time stamps (Date.now). */
  constructor(private readonly wallClock: () => number) {}

  /** Sends every later event to `stream` until it closes. */
  subscribe(stream: EventStream): void {
    this.subscribers.add(stream);
    stream.onClose(() => this.subscribers.delete(stream));
  }

  publish(action: StateChangeAction | DemotionAction): void {
    if (this.subscribers.size === 0) return;
    const event = eventOf(action, new Date(this.wallClock()).toISOString());
    for (const stream of this.subscribers) stream.push(event);
  }
}

function eventOf(action: StateChangeAction | DemotionAction, time: string): MonitorEventDto {
  if (action.kind === 'state') {
    const { ifname, vhid, from, to, reason } = action;
    return { kind: 'state', time, ifname, vhid, from, to, reason, text: TRANSITION_REASONS[reason] };
  }
  const { group, from, to, reason } = action;
  return { kind: 'demotion', time, group, from, to, reason, text: DEMOTION_REASONS[reason] };
}
