/**
 * Policy routing for carp interfaces (docs/protocol.md §7.5):
 * traffic from a VIP must leave through carpN, with the virtual MAC, even when the parent has an
 * address in the same subnet and its connected route came first. The scheme is in
 * policy-routing-plan.ts.
 *
 * This runs iproute2 (`ip -json`, execFile, never a shell) rather than the `netlink` package: a
 * route dump filtered in the kernel needs NETLINK_GET_STRICT_CHK on the socket, which the package
 * cannot set, and without it every reconcile would read the whole routing table (a million routes
 * on a BGP router) into the event loop. `ip` sets it, except in `-batch` mode: so the routes are
 * listed by one plain `ip route show table all proto static` per family, which the kernel filters
 * (it walks a large main table but sends none of it), and only the changes go through `-batch`.
 * The changes are reported as the `ip` command lines, which an administrator can read and repeat.
 *
 * The tables of many carp interfaces are reconciled together, with a fixed number of processes
 * (two listings and at most one batch of changes per family): starting a process blocks the event
 * loop until the child runs, which on a loaded machine is a scheduling round, and a boot of many
 * carp interfaces would otherwise start six per interface.
 *
 * IPv4 and IPv6 routes through a device that is down are refused (and flushed when it goes down):
 * reconcile again when carpN comes up.
 */
import { execFile } from 'node:child_process';
import { type Family, type IpPrefix } from '../wire/address';
import { IncompleteChangeError, KernelError, invalidArgument } from './errors';
import { checkInterfaceName } from './interface-name';
import {
  type PolicyRoutingStep,
  type RouteSpec,
  type RuleSpec,
  carpRoutingScheme,
  commandLine,
  desiredRoutes,
  desiredRules,
  parseBatchFailures,
  parseIpRoutes,
  parseIpRules,
  planPolicyRouting,
  policyRoutingSteps,
} from './policy-routing-plan';

export interface PolicyRoutingChange {
  readonly action: 'added' | 'removed';
  /** The command that made the change: "ip -4 rule add from 10.1.0.100/32 lookup 4200 pref 4200". */
  readonly command: string;
}

/**
 * What reconciling one carpN's table came to: the changes that took effect and, if anything
 * failed, why: an IncompleteChangeError (whose `applied` are those changes) when a step failed, a
 * KernelError when nothing was tried (bad input, a listing that failed).
 */
export interface PolicyRoutingOutcome {
  readonly changes: readonly PolicyRoutingChange[];
  readonly error: KernelError | null;
}

export interface IpResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit status: `ip -force -batch` exits 1 when a line failed, after trying all of them. */
  readonly status: number;
}

/**
 * Runs `ip` with the arguments and `input` on its stdin; resolves with what it printed and its exit
 * status, rejects with a KernelError when it could not be run or did not finish.
 */
export type IpRunner = (args: readonly string[], input?: string) => Promise<IpResult>;

const IP_TIMEOUT_MS = 10_000;
/** Room for the static routes of every table (execFile's default, 1 MiB, is some thousands). */
const IP_OUTPUT_MAX_BYTES = 64 * 1024 * 1024;

export const runIp: IpRunner = (args, input = '') =>
  new Promise((resolve, reject) => {
    const child = execFile('ip', [...args], { timeout: IP_TIMEOUT_MS, maxBuffer: IP_OUTPUT_MAX_BYTES }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ stdout, stderr, status: 0 });
      } else if (typeof error.code === 'number' && !error.killed) {
        resolve({ stdout, stderr, status: error.code });
      } else {
        const code = typeof error.code === 'string' ? error.code : 'ETIMEDOUT';
        reject(new KernelError(code, `ip ${args.join(' ')}: ${stderr.trim() || error.message}`, { cause: error }));
      }
    });
    // An `ip` that exits before reading all of its input breaks the pipe: its exit status says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });

function checkVip(operation: string, vip: IpPrefix): void {
  const { family, bytes } = vip.address;
  const bits = family === 4 ? 32 : 128;
  const valid = bytes.length === bits / 8 && Number.isInteger(vip.prefixLength) && vip.prefixLength >= 0 && vip.prefixLength <= bits;
  if (!valid) throw invalidArgument(operation, 'a VIP is not an IPv4 or IPv6 prefix with a valid length');
}

async function list(runner: IpRunner, args: string[]): Promise<string> {
  const { stdout, stderr, status } = await runner(args);
  if (status !== 0) throw new KernelError('EIPROUTE2', `ip ${args.join(' ')}: ${stderr.trim() || `exit status ${status}`}`);
  return stdout;
}

/** The rules and static routes of `tables`: one rule listing and one route listing per family. */
async function currentState(runner: IpRunner, tables: ReadonlySet<number>): Promise<{ rules: RuleSpec[]; routes: RouteSpec[] }> {
  const listed = await Promise.all(
    ([4, 6] as const).map(async (family: Family) => {
      // -N: tables by number, also those named in /etc/iproute2/rt_tables.
      const rules = await list(runner, ['-json', '-N', `-${family}`, 'rule', 'show']);
      const routes = await list(runner, ['-json', `-${family}`, 'route', 'show', 'table', 'all', 'proto', 'static']);
      try {
        return { rules: parseIpRules(rules, family, tables), routes: parseIpRoutes(routes, family, tables) };
      } catch (e: unknown) {
        throw new KernelError('EBADMSG', `policy routing: unreadable \`ip -json\` output: ${(e as Error).message}`, { cause: e });
      }
    }),
  );
  return { rules: listed.flatMap((l) => l.rules), routes: listed.flatMap((l) => l.routes) };
}

interface OwnedStep {
  readonly ifname: string;
  readonly step: PolicyRoutingStep;
}

/**
 * Runs the steps with one `ip -force -batch -` per family (-force: a failed line does not stop the
 * others) and returns, for each step, null or why it failed. Steps keep their order within a family.
 */
async function runSteps(runner: IpRunner, steps: readonly OwnedStep[]): Promise<(KernelError | null)[]> {
  const failures = new Map<OwnedStep, KernelError>();
  for (const family of [4, 6] as const) {
    const batch = steps.filter((s) => s.step.family === family);
    if (batch.length === 0) continue;
    const args = [`-${family}`, '-force', '-batch', '-'];
    let result: IpResult;
    try {
      result = await runner(args, batch.map((s) => `${s.step.words.join(' ')}\n`).join(''));
    } catch (e: unknown) {
      if (!(e instanceof KernelError)) throw e;
      // ip did not finish: what it did is not known, and the next reconcile finds out.
      for (const s of batch) failures.set(s, new KernelError(e.code, `${commandLine(s.step)}: ${e.message}`, { cause: e }));
      continue;
    }
    if (result.status === 0) continue;
    const failedLines = parseBatchFailures(result.stderr);
    const unexplained = failedLines.size === 0 ? result.stderr.trim() || `exit status ${result.status}` : null;
    batch.forEach((s, i) => {
      const message = unexplained ?? failedLines.get(i + 1);
      if (message !== undefined) failures.set(s, new KernelError('EIPROUTE2', `${commandLine(s.step)}: ${message}`));
    });
  }
  return steps.map((s) => failures.get(s) ?? null);
}

/**
 * Makes the rules and routes of each carpN's table exactly those for its VIPs (an empty list
 * cleans the table of a destroyed interface): adds what is missing, removes what is stale (only
 * rules and static routes of that table), and returns what happened to each. Idempotent. One
 * interface's bad input or failed step leaves the others' changes in place.
 */
export async function reconcilePolicyRoutingOf(
  wanted: ReadonlyMap<string, readonly IpPrefix[]>,
  runner: IpRunner = runIp,
): Promise<Map<string, PolicyRoutingOutcome>> {
  const outcomes = new Map<string, PolicyRoutingOutcome>();
  const valid = new Map<string, { table: number; rules: RuleSpec[]; routes: RouteSpec[] }>();
  for (const [ifname, vips] of wanted) {
    const operation = `policy routing ${ifname}`;
    try {
      checkInterfaceName(operation, ifname);
      const scheme = carpRoutingScheme(ifname);
      for (const vip of vips) checkVip(operation, vip);
      valid.set(ifname, { table: scheme.table, rules: desiredRules(vips, scheme), routes: desiredRoutes(vips, ifname, scheme) });
    } catch (e: unknown) {
      if (!(e instanceof KernelError)) throw e;
      outcomes.set(ifname, { changes: [], error: e });
    }
  }
  if (valid.size === 0) return outcomes;

  let current: { rules: RuleSpec[]; routes: RouteSpec[] };
  try {
    current = await currentState(runner, new Set([...valid.values()].map((v) => v.table)));
  } catch (e: unknown) {
    if (!(e instanceof KernelError)) throw e;
    for (const ifname of valid.keys()) outcomes.set(ifname, { changes: [], error: e });
    return outcomes;
  }

  const steps: OwnedStep[] = [];
  for (const [ifname, want] of valid) {
    const ofTable = {
      rules: current.rules.filter((r) => r.table === want.table),
      routes: current.routes.filter((r) => r.table === want.table),
    };
    for (const step of policyRoutingSteps(planPolicyRouting(want, ofTable))) steps.push({ ifname, step });
  }
  const failures = await runSteps(runner, steps);
  for (const ifname of valid.keys()) {
    const changes: PolicyRoutingChange[] = [];
    const failed: KernelError[] = [];
    steps.forEach((s, i) => {
      if (s.ifname !== ifname) return;
      const failure = failures[i];
      if (failure) failed.push(failure);
      else changes.push({ action: s.step.action, command: commandLine(s.step) });
    });
    const [first] = failed;
    const error = first ? new IncompleteChangeError(changes, new KernelError(first.code, failed.map((f) => f.message).join('; '))) : null;
    outcomes.set(ifname, { changes, error });
  }
  return outcomes;
}

/**
 * reconcilePolicyRoutingOf for one interface: its changes, or its error (on a failed step an
 * IncompleteChangeError whose `applied` lists the changes that took effect).
 */
export async function reconcilePolicyRouting(
  ifname: string,
  vips: readonly IpPrefix[],
  runner: IpRunner = runIp,
): Promise<readonly PolicyRoutingChange[]> {
  const outcome = (await reconcilePolicyRoutingOf(new Map([[ifname, vips]]), runner)).get(ifname);
  if (!outcome) throw new Error(`policy routing ${ifname}: no outcome`);
  if (outcome.error) throw outcome.error;
  return outcome.changes;
}
