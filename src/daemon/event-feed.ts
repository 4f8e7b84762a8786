/**
 * State and demotion changes as events for monitor connections (`carpctl monitor`). The daemon
 * publishes them from the one place where the core's actions are carried out (daemon.ts), beside
 * the log and the hooks, so every subscriber sees each change once, in the order the core made
 * them; interfaces coming and going come from the one place that attaches and removes them
 * (carp-interfaces.ts).
 */
import { DEMOTION_REASONS, type DemotionAction, type StateChangeAction, TRANSITION_REASONS } from '../carp/types';
import type { EventStream, InterfaceEventDto, MonitorEventDto } from '../control/protocol';

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
    if (this.subscribers.size > 0) this.send(eventOf(action, this.time()));
  }

  interfaceChanged(ifname: string, change: InterfaceEventDto['change']): void {
    if (this.subscribers.size > 0) this.send({ kind: 'interface', time: this.time(), ifname, change });
  }

  private time(): string {
    return new Date(this.wallClock()).toISOString();
  }

  private send(event: MonitorEventDto): void {
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
