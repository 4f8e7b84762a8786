/**
 * A lab of network namespaces for tests of the real kernel path. Every namespace, process and
 * interface the lab makes is removed by `cleanup()`, which mocha's `after` hooks call also when a
 * test fails; a synchronous exit handler covers a crashed run, and `NetnsLab.create` removes what
 * an earlier, killed run of ours left behind.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** All lab namespaces are named `carpt<pid>-<name>`, so leftovers can be traced to a process. */
const PREFIX = 'carpt';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export class NetnsLab {
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly exitHandler = (): void => this.cleanupSync();

  private constructor(readonly id: string) {
    process.on('exit', this.exitHandler);
  }

  /** `tag` keeps labs of concurrent test files apart (e.g. "native", "kern"). */
  static async create(tag: string): Promise<NetnsLab> {
    await removeStaleNamespaces();
    return new NetnsLab(`${PREFIX}${process.pid}${tag}`);
  }

  /** The full namespace name for a short one. */
  ns(name: string): string {
    return `${this.id}-${name}`;
  }

  async addNamespace(name: string): Promise<string> {
    const ns = this.ns(name);
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Runs a program inside namespace `name`; rejects with its stderr on a non-zero exit. */
  async exec(name: string, file: string, args: readonly string[], timeoutMs = 30_000): Promise<ExecResult> {
    try {
      return await run('ip', ['netns', 'exec', this.ns(name), file, ...args], { timeout: timeoutMs });
    } catch (e: unknown) {
      const err = e as Error & { stderr?: string };
      throw new Error(`in ${name}: ${file} ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
    }
  }

  /**
   * Runs a shell snippet inside namespace `name`. --norc: Node's pipes are socket pairs, and a bash
   * whose stdin is a socket takes itself for a remote shell and reads ~/.bashrc.
   */
  sh(name: string, script: string, timeoutMs?: number): Promise<ExecResult> {
    return this.exec(name, 'bash', ['--norc', '-ec', script], timeoutMs);
  }

  /** Starts a long-running program in namespace `name`; it is killed by cleanup(). */
  spawn(name: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(name), file, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** A bridge `br0` in namespace `name`, up, with forwarding delay 0 so ports pass traffic at once. */
  async addBridge(name: string, bridge = 'br0'): Promise<void> {
    await this.sh(name, `ip link add ${bridge} type bridge forward_delay 0 mcast_snooping 0 && ip link set ${bridge} up`);
  }

  /**
   * A veth pair from `hostIf` in namespace `host` to a port of `bridge` in namespace `lan`.
   * The bridge-side end is named `p-<host>` (short names: interface names are at most 15 bytes).
   * The pair is made inside the namespaces, never in the root namespace, so concurrent labs
   * cannot collide on a name and an interrupted run leaves nothing on the host.
   */
  async plug(host: string, hostIf: string, lan: string, bridge = 'br0', mac?: string): Promise<string> {
    const port = `p-${host}`.slice(0, 15);
    await this.exec(host, 'ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', port, 'netns', this.ns(lan)]);
    await this.sh(lan, `ip link set ${port} master ${bridge} && ip link set ${port} up`);
    await this.sh(host, `${mac ? `ip link set ${hostIf} address ${mac} && ` : ''}ip link set ${hostIf} up`);
    return port;
  }

  /** Kills what the lab started and deletes its namespaces (and with them every interface in them). */
  async cleanup(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    while (this.namespaces.length > 0) {
      const ns = this.namespaces.pop() as string;
      await run('ip', ['netns', 'pids', ns])
        .then(({ stdout }) => stdout.split('\n').filter(Boolean).forEach((pid) => killQuietly(Number(pid))))
        .catch(() => undefined);
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
    process.off('exit', this.exitHandler);
  }

  private cleanupSync(): void {
    for (const child of this.children) child.kill('SIGKILL');
    for (const ns of this.namespaces) deleteNamespaceSync(ns);
    this.namespaces.length = 0;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function deleteNamespaceSync(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .forEach((pid) => killQuietly(Number(pid)));
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // best effort while exiting
  }
}

/** Deletes `carpt<pid>...` namespaces whose process no longer exists (a killed earlier run). */
async function removeStaleNamespaces(): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']);
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${PREFIX}(\\d+)`).exec(name);
    if (match && !processExists(Number(match[1]))) deleteNamespaceSync(name);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Set to 1 to skip the real-kernel tests as if not root. */
export const UNPRIVILEGED_ENV = 'CARP_TESTS_UNPRIVILEGED';

/**
 * Why the real-kernel tests cannot run here, or null when they can (root, `ip netns`, /dev/net/tun).
 * Tests call `this.skip()` with this reason, so a skipped run says why.
 */
export function netnsUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and TAP devices)';
  // `npm run coverage` measures what the unprivileged tests reach, even when root runs it.
  if (process.env[UNPRIVILEGED_ENV] === '1') return `${UNPRIVILEGED_ENV}=1: running as an unprivileged user would`;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 with `ip netns`';
  }
  try {
    execFileSync('test', ['-c', '/dev/net/tun']);
  } catch {
    return 'needs /dev/net/tun';
  }
  return null;
}
