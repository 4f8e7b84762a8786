/**
 * The one-line summary carpd gives its service manager (STATUS=, shown by `systemctl status`):
 * `2 interfaces: carp0 MASTER, carp1 BACKUP (vhid 2 INIT)`, and `; not running: carp1 (carpdev
 * eth1 not running)` while an interface has a virtual host in INIT, then `; maintenance mode
 * (demoted by 240)` while it is on. Beyond a screenful of interfaces it counts states instead of
 * naming each.
 */
import { MAINTENANCE_DEMOTION } from '../carp/demotion';
import type { CarpState, InterfaceStatus } from '../carp/types';

/** Up to this many interfaces are named one by one. */
export const NAMED_INTERFACES_MAX = 8;

const STATES: readonly CarpState[] = ['MASTER', 'BACKUP', 'INIT'];

export function statusLine(interfaces: readonly InterfaceStatus[], allow: boolean, maintenance = false): string {
  const line = interfacesLine(interfaces, allow);
  return maintenance ? `${line}; maintenance mode (demoted by ${MAINTENANCE_DEMOTION})` : line;
}

function interfacesLine(interfaces: readonly InterfaceStatus[], allow: boolean): string {
  const count = `${interfaces.length} interface${interfaces.length === 1 ? '' : 's'}`;
  const body = interfaces.length <= NAMED_INTERFACES_MAX ? interfaces.map(describeInterface).join(', ') : stateCounts(interfaces);
  const summary = interfaces.length === 0 ? 'no carp interfaces' : `${count}: ${body}`;
  const stopped = notRunning(interfaces);
  if (stopped.length === 0) return summary;
  const named = stopped.slice(0, NAMED_INTERFACES_MAX).map((i) => `${i.name} (${whyNotRunning(i, allow)})`);
  const more = stopped.length > named.length ? ` and ${stopped.length - named.length} more` : '';
  return `${summary}; not running: ${named.join(', ')}${more}`;
}

/** Interfaces with a vhid and a virtual host in INIT: what an administrator should look at. */
export function notRunning(interfaces: readonly InterfaceStatus[]): InterfaceStatus[] {
  return interfaces.filter((i) => i.nodes.some((n) => n.state === 'INIT'));
}

/** The first unmet part of the running condition (docs/design.md, the settle pass). */
export function whyNotRunning(iface: InterfaceStatus, allow: boolean): string {
  if (!iface.adminUp) return 'down';
  if (iface.config.carpdev === null) return 'no carpdev';
  if (!iface.carpdevRunning) return `carpdev ${iface.config.carpdev} not running`;
  if (iface.addresses.length === 0) return 'no address';
  if (!allow) return 'net.inet.carp.allow is 0';
  return 'starting';
}

/** `carp0 MASTER`; several virtual hosts: the first one's state, the others that differ after it. */
function describeInterface(iface: InterfaceStatus): string {
  const [leader, ...others] = iface.nodes;
  if (leader === undefined) return `${iface.name} no vhid`;
  const differing = others.filter((n) => n.state !== leader.state).map((n) => `vhid ${n.vhid} ${n.state}`);
  return `${iface.name} ${leader.state}${differing.length > 0 ? ` (${differing.join(', ')})` : ''}`;
}

/** `128 MASTER, 127 BACKUP (255 virtual hosts)`. */
function stateCounts(interfaces: readonly InterfaceStatus[]): string {
  const nodes = interfaces.flatMap((i) => i.nodes);
  const counts = STATES.map((state) => [state, nodes.filter((n) => n.state === state).length] as const).filter(([, n]) => n > 0);
  return `${counts.map(([state, n]) => `${n} ${state}`).join(', ')} (${nodes.length} virtual hosts)`;
}
