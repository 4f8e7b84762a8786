/**
 * Policy routing for carp interfaces (docs/protocol.md §7.5):
 * traffic from a VIP must leave through carpN, with the virtual MAC, even when the parent has an
 * address in the same subnet and its connected route came first. The scheme is in
 * policy-routing-plan.ts.
 *
 * This runs iproute2 (`ip -json`, execFile, never a shell) rather than the `netlink` package: a
 * route dump limited to one table needs NETLINK_GET_STRICT_CHK on the socket, which the package
 * cannot set, and without it every reconcile would read the whole routing table (a million routes
 * on a BGP router) into the event loop. `ip` sets it. The changes are reported as the `ip` command
 * lines, which an administrator can read and repeat.
 *
 * IPv4 and IPv6 routes through a device that is down are refused (and flushed when it goes down):
 * reconcile again when carpN comes up.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Family, type IpPrefix } from '../wire/address';
import { IncompleteChangeError, KernelError, invalidArgument } from './errors';
import { checkInterfaceName } from './interface-name';
import {
  type RouteSpec,
  type RuleSpec,
  carpRoutingScheme,
  desiredRoutes,
  desiredRules,
  parseIpRoutes,
  parseIpRules,
  planPolicyRouting,
  routeArguments,
  ruleArguments,
} from './policy-routing-plan';

export interface PolicyRoutingChange {
  readonly action: 'added' | 'removed';
  /** The command that made the change: "ip -4 rule add from 10.1.0.100/32 lookup 4200 pref 4200". */
  readonly command: string;
}

/** Runs `ip` with the arguments and returns its stdout; rejects with a KernelError quoting stderr. */
export type IpRunner = (args: readonly string[]) => Promise<string>;

const execFileAsync = promisify(execFile);
const IP_TIMEOUT_MS = 10_000;

export const runIp: IpRunner = async (args) => {
  try {
    const { stdout } = await execFileAsync('ip', [...args], { timeout: IP_TIMEOUT_MS });
    return stdout;
  } catch (e: unknown) {
    const failure = e as Error & { stderr?: string; code?: unknown };
    const code = typeof failure.code === 'string' ? failure.code : 'EIPROUTE2';
    const detail = failure.stderr?.trim() || failure.message;
    throw new KernelError(code, `ip ${args.join(' ')}: ${detail}`, { cause: e });
  }
};

function checkVip(operation: string, vip: IpPrefix): void {
  const { family, bytes } = vip.address;
  const bits = family === 4 ? 32 : 128;
  const valid = bytes.length === bits / 8 && Number.isInteger(vip.prefixLength) && vip.prefixLength >= 0 && vip.prefixLength <= bits;
  if (!valid) throw invalidArgument(operation, 'a VIP is not an IPv4 or IPv6 prefix with a valid length');
}

/** A table that never held a route does not exist yet: `ip` then fails instead of listing nothing. */
async function listTable(runner: IpRunner, args: string[]): Promise<string> {
  try {
    return await runner(args);
  } catch (e: unknown) {
    if (e instanceof KernelError && /table does not exist/i.test(e.message)) return '[]';
    throw e;
  }
}

async function listFamily(runner: IpRunner, family: Family, table: number): Promise<{ rules: RuleSpec[]; routes: RouteSpec[] }> {
  const rules = await runner(['-json', `-${family}`, 'rule', 'show', 'table', String(table)]);
  const routes = await listTable(runner, ['-json', `-${family}`, 'route', 'show', 'table', String(table)]);
  try {
    return { rules: parseIpRules(rules, family, table), routes: parseIpRoutes(routes, family, table) };
  } catch (e: unknown) {
    throw new KernelError('EBADMSG', `policy routing: unreadable \`ip -json\` output: ${(e as Error).message}`, { cause: e });
  }
}

async function currentState(runner: IpRunner, table: number): Promise<{ rules: RuleSpec[]; routes: RouteSpec[] }> {
  const listed = await Promise.all([listFamily(runner, 4, table), listFamily(runner, 6, table)]);
  return { rules: listed.flatMap((l) => l.rules), routes: listed.flatMap((l) => l.routes) };
}

/**
 * Makes the rules and routes of `ifname`'s table exactly those for `vips`: adds what is missing,
 * removes what is stale (only rules and routes of that table), and returns the changes. Idempotent.
 * On a failure the IncompleteChangeError's `applied` lists the changes made before it.
 */
export async function reconcilePolicyRouting(
  ifname: string,
  vips: readonly IpPrefix[],
  runner: IpRunner = runIp,
): Promise<PolicyRoutingChange[]> {
  const operation = `policy routing ${ifname}`;
  checkInterfaceName(operation, ifname);
  const scheme = carpRoutingScheme(ifname);
  for (const vip of vips) checkVip(operation, vip);
  const wanted = { rules: desiredRules(vips, scheme), routes: desiredRoutes(vips, ifname, scheme) };
  const plan = planPolicyRouting(wanted, await currentState(runner, scheme.table));
  // Rules go before routes when removing and when adding: a rule whose table lacks the route only
  // falls through to the next rule, so no step in between misroutes traffic.
  const steps: { action: PolicyRoutingChange['action']; args: string[] }[] = [
    ...plan.deleteRules.map((rule) => ({ action: 'removed' as const, args: ruleArguments('del', rule) })),
    ...plan.deleteRoutes.map((route) => ({ action: 'removed' as const, args: routeArguments('del', route) })),
    ...plan.addRules.map((rule) => ({ action: 'added' as const, args: ruleArguments('add', rule) })),
    ...plan.addRoutes.map((route) => ({ action: 'added' as const, args: routeArguments('add', route) })),
  ];
  const changes: PolicyRoutingChange[] = [];
  for (const step of steps) {
    try {
      await runner(step.args);
    } catch (e: unknown) {
      if (e instanceof KernelError) throw new IncompleteChangeError(changes, e);
      throw e;
    }
    changes.push({ action: step.action, command: `ip ${step.args.join(' ')}` });
  }
  return changes;
}
