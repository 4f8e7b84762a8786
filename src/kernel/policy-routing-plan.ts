/**
 * What the policy routing of one carp interface should be, what it is (from `ip -json`), and the
 * steps from one to the other. Pure, so the diff is tested without a kernel.
 *
 * The fixed scheme: carpN owns routing table 4200+N, and its rules have preference 4200+N (before
 * the main table's 32766). The table holds, for each VIP prefix, its connected route via carpN; one
 * rule per VIP sends traffic from that VIP to the table. Every static route in the table and every
 * rule that points at it belongs to carpd: what is not wanted is removed. (Routes of other origins,
 * a routing daemon's, are left alone: listing only static routes lets the kernel skip a large
 * main table instead of sending it, see policy-routing.ts.)
 */
import { type Family, type IpPrefix, formatIp, networkOf, parsePrefix, parseIp } from '../wire/address';
import { CARP_INTERFACE_NAME, CARP_UNIT_MAX } from '../carp/limits';
import { invalidArgument } from './errors';

/** With carp0 .. carp9999 (CARP_UNIT_MAX), table and preference stay below main (32766) and clear of the reserved 253-255. */
export const CARP_TABLE_BASE = 4200;

/** The table `ip` lists without naming it. */
const RT_TABLE_MAIN = 254;

export interface CarpRoutingScheme {
  readonly table: number;
  readonly preference: number;
}

export interface RuleSpec {
  readonly family: Family;
  /** "10.1.0.100/32"; "all" for a rule without a source selector. */
  readonly from: string;
  readonly preference: number;
  readonly table: number;
  /** Selectors other than the source (`to`, `iif`, `oif`, `fwmark`), as `ip rule` arguments. */
  readonly otherSelectors: readonly string[];
}

export interface RouteSpec {
  readonly family: Family;
  /** Network and length: "10.1.0.0/24". */
  readonly destination: string;
  readonly device: string;
  readonly table: number;
  /** "unicast", or what `ip route` names before the destination: "blackhole", "unreachable", ... */
  readonly type: string;
  /** Anything that makes it not a plain connected route (`via GW`, `metric M`), as `ip route` arguments. */
  readonly qualifiers: readonly string[];
}

export interface PolicyRoutingPlan {
  readonly deleteRules: readonly RuleSpec[];
  readonly deleteRoutes: readonly RouteSpec[];
  readonly addRules: readonly RuleSpec[];
  readonly addRoutes: readonly RouteSpec[];
}

export function carpRoutingScheme(ifname: string): CarpRoutingScheme {
  const match = CARP_INTERFACE_NAME.exec(ifname);
  if (!match) {
    throw invalidArgument(`policy routing ${ifname}`, `policy routing is for carp0 .. carp${CARP_UNIT_MAX}, not ${JSON.stringify(ifname)}`);
  }
  const unit = Number(match[1]);
  return { table: CARP_TABLE_BASE + unit, preference: CARP_TABLE_BASE + unit };
}

function hostLength(family: Family): number {
  return family === 4 ? 32 : 128;
}

function canonicalNetwork(prefix: IpPrefix): string {
  return `${formatIp(networkOf(prefix))}/${prefix.prefixLength}`;
}

export function desiredRules(vips: readonly IpPrefix[], scheme: CarpRoutingScheme): RuleSpec[] {
  const froms = new Map<string, Family>();
  for (const vip of vips) froms.set(`${formatIp(vip.address)}/${hostLength(vip.address.family)}`, vip.address.family);
  return [...froms].map(([from, family]) => ({
    family,
    from,
    preference: scheme.preference,
    table: scheme.table,
    otherSelectors: [],
  }));
}

export function desiredRoutes(vips: readonly IpPrefix[], device: string, scheme: CarpRoutingScheme): RouteSpec[] {
  const networks = new Map<string, Family>();
  for (const vip of vips) networks.set(canonicalNetwork(vip), vip.address.family);
  return [...networks].map(([destination, family]) => ({ family, destination, device, table: scheme.table, type: 'unicast', qualifiers: [] }));
}

function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  return (
    a.family === b.family &&
    a.from === b.from &&
    a.preference === b.preference &&
    a.table === b.table &&
    a.otherSelectors.join(' ') === b.otherSelectors.join(' ')
  );
}

function sameRoute(a: RouteSpec, b: RouteSpec): boolean {
  return (
    a.family === b.family &&
    a.destination === b.destination &&
    a.device === b.device &&
    a.table === b.table &&
    a.type === b.type &&
    a.qualifiers.join(' ') === b.qualifiers.join(' ')
  );
}

export function planPolicyRouting(
  wanted: { rules: readonly RuleSpec[]; routes: readonly RouteSpec[] },
  current: { rules: readonly RuleSpec[]; routes: readonly RouteSpec[] },
): PolicyRoutingPlan {
  return {
    deleteRules: current.rules.filter((rule) => !wanted.rules.some((w) => sameRule(w, rule))),
    deleteRoutes: current.routes.filter((route) => !wanted.routes.some((w) => sameRoute(w, route))),
    addRules: wanted.rules.filter((rule) => !current.rules.some((c) => sameRule(c, rule))),
    addRoutes: wanted.routes.filter((route) => !current.routes.some((c) => sameRoute(c, route))),
  };
}

function field(entry: Record<string, unknown>, key: string): string | undefined {
  const value = entry[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function entries(json: string, what: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(json.trim() === '' ? '[]' : json);
  if (!Array.isArray(parsed)) throw new Error(`${what}: expected a JSON array from ip`);
  return parsed.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
}

/** The routing table an `ip -json` entry names: its number, or null for a named table (main, local, rt_tables). */
function tableOf(entry: Record<string, unknown>, unnamed: number): number | null {
  const table = field(entry, 'table');
  if (table === undefined) return unnamed;
  return /^[0-9]+$/.test(table) ? Number(table) : null;
}

/** `ip -json -N -4|-6 rule show`: the rules that point at one of `tables`. */
export function parseIpRules(json: string, family: Family, tables: ReadonlySet<number>): RuleSpec[] {
  const rules: RuleSpec[] = [];
  for (const entry of entries(json, 'ip rule')) {
    const table = tableOf(entry, RT_TABLE_MAIN);
    if (table === null || !tables.has(table)) continue;
    const src = field(entry, 'src') ?? 'all';
    const from = src === 'all' ? 'all' : `${src}/${field(entry, 'srclen') ?? hostLength(family)}`;
    const otherSelectors: string[] = [];
    const dst = field(entry, 'dst');
    if (dst !== undefined && dst !== 'all') otherSelectors.push('to', `${dst}/${field(entry, 'dstlen') ?? hostLength(family)}`);
    for (const key of ['iif', 'oif', 'fwmark']) {
      const value = field(entry, key);
      if (value !== undefined) otherSelectors.push(key, value);
    }
    rules.push({ family, from, preference: Number(field(entry, 'priority') ?? 0), table, otherSelectors });
  }
  return rules;
}

/**
 * `ip -json -4|-6 route show table all proto static`: the routes of `tables`. A route of the main
 * table comes without a table; a table named in rt_tables comes by its name and is not one of ours.
 * Host routes come without a length, the default route as "default".
 */
export function parseIpRoutes(json: string, family: Family, tables: ReadonlySet<number>): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const entry of entries(json, 'ip route')) {
    const table = tableOf(entry, RT_TABLE_MAIN);
    if (table === null || !tables.has(table)) continue;
    const dst = field(entry, 'dst') ?? 'default';
    const prefix =
      dst === 'default'
        ? { address: parseIp(family === 4 ? '0.0.0.0' : '::'), prefixLength: 0 }
        : dst.includes('/')
          ? parsePrefix(dst)
          : { address: parseIp(dst), prefixLength: hostLength(family) };
    const qualifiers: string[] = [];
    const gateway = field(entry, 'gateway');
    if (gateway !== undefined) qualifiers.push('via', gateway);
    // IPv6 routes always carry a metric (1024 unless chosen); a route we add has the default one.
    const metric = field(entry, 'metric');
    if (metric !== undefined && !(family === 6 && metric === '1024')) qualifiers.push('metric', metric);
    const type = field(entry, 'type') ?? 'unicast';
    routes.push({ family, destination: canonicalNetwork(prefix), device: field(entry, 'dev') ?? '', table, type, qualifiers });
  }
  return routes;
}

/** `ip -4|-6` arguments (after the family) that add or delete the rule. */
export function ruleArguments(action: 'add' | 'del', rule: RuleSpec): string[] {
  const from = rule.from === 'all' ? [] : ['from', rule.from];
  return ['rule', action, ...from, ...rule.otherSelectors, 'lookup', String(rule.table), 'pref', String(rule.preference)];
}

/** `ip -4|-6` arguments (after the family) that add or delete the route; ours are `proto static` (not `kernel`: we made them). */
export function routeArguments(action: 'add' | 'del', route: RouteSpec): string[] {
  // `ip route` takes the type as the word before the destination ("del blackhole 10.9.0.0/24").
  const head = ['route', action, ...(route.type === 'unicast' ? [] : [route.type]), route.destination];
  const where = [...route.qualifiers, ...(route.device ? ['dev', route.device] : []), 'table', String(route.table)];
  const origin = action === 'add' ? ['proto', 'static', ...(route.family === 4 ? ['scope', 'link'] : [])] : [];
  return [...head, ...where, ...origin];
}

export interface PolicyRoutingStep {
  readonly action: 'added' | 'removed';
  readonly family: Family;
  /** `ip -4|-6` arguments after the family: one line of an `ip -batch`. */
  readonly words: readonly string[];
}

/**
 * The plan as `ip` commands in the order they must run. Rules go before routes when removing and
 * when adding: a rule whose table lacks the route only falls through to the next rule, so no step
 * in between misroutes traffic, and neither does a failed step with the ones after it done.
 */
export function policyRoutingSteps(plan: PolicyRoutingPlan): PolicyRoutingStep[] {
  return [
    ...plan.deleteRules.map((rule) => ({ action: 'removed' as const, family: rule.family, words: ruleArguments('del', rule) })),
    ...plan.deleteRoutes.map((route) => ({ action: 'removed' as const, family: route.family, words: routeArguments('del', route) })),
    ...plan.addRules.map((rule) => ({ action: 'added' as const, family: rule.family, words: ruleArguments('add', rule) })),
    ...plan.addRoutes.map((route) => ({ action: 'added' as const, family: route.family, words: routeArguments('add', route) })),
  ];
}

/** The step as a command line an administrator can run: "ip -4 rule add from 10.1.0.100/32 lookup 4200 pref 4200". */
export function commandLine(step: PolicyRoutingStep): string {
  return `ip -${step.family} ${step.words.join(' ')}`;
}

/**
 * Which lines of an `ip -force -batch -` failed, and why: ip writes each failure's messages, then
 * "Command failed -:LINE" (lines counted from 1), to stderr, and goes on with the next line.
 */
export function parseBatchFailures(stderr: string): Map<number, string> {
  const failures = new Map<number, string>();
  let messages: string[] = [];
  for (const line of stderr.split('\n')) {
    const failed = /^Command failed -:(\d+)$/.exec(line.trim());
    if (failed) {
      failures.set(Number(failed[1]), messages.join('; ') || 'failed');
      messages = [];
    } else if (line.trim() !== '') {
      messages.push(line.trim());
    }
  }
  return failures;
}
