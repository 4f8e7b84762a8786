/**
 * `carpctl monitor`: one line per event, time stamp first, or under -j the event as one JSON line
 * (JSON Lines), so that a pipe can read event by event.
 */
import type { InterfaceEventDto, MonitorEventDto } from '../control/protocol';

const INTERFACE_CHANGES: Record<InterfaceEventDto['change'], string> = {
  created: 'created',
  destroyed: 'destroyed',
  vanished: 'vanished (its device was deleted outside carpd)',
};

export function formatEvent(event: MonitorEventDto): string {
  switch (event.kind) {
    case 'state':
      return `${event.time} ${event.ifname} vhid ${event.vhid} ${event.from} -> ${event.to} (${event.text})\n`;
    case 'demotion': {
      const counter = event.group === null ? 'net.inet.carp.demotion' : `group ${event.group} demote`;
      return `${event.time} ${counter} ${event.from} -> ${event.to} (${event.text})\n`;
    }
    case 'interface':
      return `${event.time} ${event.ifname} ${INTERFACE_CHANGES[event.change]}\n`;
  }
}

export function formatEventJson(event: MonitorEventDto): string {
  return `${JSON.stringify(event)}\n`;
}
