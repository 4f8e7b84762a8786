/**
 * The short outputs: sysctl in OpenBSD sysctl(8) form (`name=value`, and `name: old -> new` after
 * a change), the group demote count as OpenBSD `ifconfig -g` prints it, maintenance mode,
 * warnings, and JSON.
 */
import type { GroupShowResult, MaintenanceResult, Result, SysctlGetResult, SysctlSetResult } from '../control/protocol';

export function formatSysctlValues(result: SysctlGetResult): string {
  return result.values.map(([name, value]) => `${name}=${value}\n`).join('');
}

export function formatSysctlChanges(result: SysctlSetResult): string {
  return result.changes.map((c) => `${c.name}: ${c.from} -> ${c.to}\n`).join('');
}

export function formatGroup(result: GroupShowResult): string {
  return `${result.group}: carp demote count ${result.demote}\n`;
}

/** `maintenance mode: on (demoted by 240)` or `maintenance mode: off`. */
export function formatMaintenance(result: MaintenanceResult): string {
  const { on, demotion } = result.maintenance;
  return on ? `maintenance mode: on (demoted by ${demotion})\n` : 'maintenance mode: off\n';
}

export function formatWarnings(warnings: readonly string[]): string {
  return warnings.map((w) => `carpctl: warning: ${w}\n`).join('');
}

/** `-j`: the daemon's result exactly as the protocol defines it (stable), pretty-printed. */
export function formatJson(result: Result): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
