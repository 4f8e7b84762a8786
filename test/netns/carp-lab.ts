/**
 * A LAN for real-kernel tests of carpd: a bridge in namespace `lan`, carp hosts h1, h2 (h3) and a
 * client `cl`, each with eth0 on the bridge. Every host runs its own carpd with its own socket,
 * and tests drive it with the real carpctl. Waits poll with a deadline; no test sleeps for a
 * fixed time to let something happen.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CarpState } from '../../src/carp/types';
import type { InterfaceStatusDto } from '../../src/control/protocol';
import { NetnsLab } from '../helpers/netns';
import { unitEnvironment } from '../systemd/unit-file';
import { PingProbe } from '../helpers/ping-probe';
import { exited, holds, waitFor } from '../helpers/poll';

const run = promisify(execFile);

const DIST = resolve(__dirname, '..', '..');
export const CARPD = join(DIST, 'src', 'bin', 'carpd.js');
export const CARPCTL = join(DIST, 'src', 'bin', 'carpctl.js');

/** The command lines that run carpd and carpctl (before their own arguments). */
export interface CarpPrograms {
  readonly carpd: readonly string[];
  readonly carpctl: readonly string[];
}

/** carpd and carpctl of this build tree, run by the Node.js running the tests. */
export const BUILD_TREE_PROGRAMS: CarpPrograms = { carpd: [process.execPath, CARPD], carpctl: [process.execPath, CARPCTL] };

export const SUBNET4 = '10.77.0';
export const SUBNET6 = '2001:db8:77::';
export const VIP4 = `${SUBNET4}.50`;
export const VIP6 = `${SUBNET6}50`;
export const CLIENT4 = `${SUBNET4}.100`;
export const CLIENT6 = `${SUBNET6}100`;

export interface DaemonOptions {
  /** Contents of files to put in the daemon's config directory. */
  readonly config?: Readonly<Record<string, string>>;
  /** Runs carpd through this command (e.g. setpriv with a reduced capability set). */
  readonly wrapper?: readonly string[];
  /** How long carpd may take to apply its configuration and answer (default 10 s). */
  readonly readyTimeoutMs?: number;
  /**
   * carpd's environment (default: the test's); e.g. NOTIFY_SOCKET as systemd sets it. The
   * variables of the unit's Environment= lines are added, as systemd adds them.
   */
  readonly env?: NodeJS.ProcessEnv;
  /** false: without the unit's Environment= lines, i.e. with Node's and malloc's defaults (bench/scale.ts). */
  readonly unitEnvironment?: boolean;
  /** More options for carpd (--metrics, --hooks-dir, ...). */
  readonly args?: readonly string[];
}

interface RunningDaemon {
  readonly child: ChildProcess;
  readonly log: string[];
}

export class CarpLab {
  private readonly daemons = new Map<string, RunningDaemon>();
  private readonly logs = new Map<string, string[]>();

  private constructor(
    readonly net: NetnsLab,
    readonly dir: string,
    readonly hosts: readonly string[],
    readonly programs: CarpPrograms,
  ) {}

  /** Hosts get eth0 addresses .1, .2, ... and 2001:db8:77::1, ...; the client .100 / ::100. */
  /** `programs`: which carpd and carpctl the hosts run (an installed package's, say). */
  static async create(tag: string, hosts: readonly string[] = ['h1', 'h2'], programs = BUILD_TREE_PROGRAMS): Promise<CarpLab> {
    const net = await NetnsLab.create(tag);
    const dir = await mkdtemp(join(tmpdir(), `carplab-${tag}-`));
    const lab = new CarpLab(net, dir, hosts, programs);
    try {
      await net.addNamespace('lan');
      await net.addBridge('lan');
      for (const [i, host] of [...hosts, 'cl'].entries()) {
        const n = host === 'cl' ? 100 : i + 1;
        await net.addNamespace(host);
        await net.plug(host, 'eth0', 'lan', 'br0', `02:77:00:00:00:${n.toString(16).padStart(2, '0')}`);
        await net.sh(host, `ip addr add ${SUBNET4}.${n}/24 dev eth0 && ip addr add ${SUBNET6}${n.toString(16)}/64 dev eth0 nodad`);
      }
    } catch (e: unknown) {
      await lab.cleanup();
      throw e;
    }
    return lab;
  }

  socket(host: string): string {
    return join(this.dir, `${host}.sock`);
  }

  async startDaemon(host: string, options: DaemonOptions = {}): Promise<void> {
    const configDir = join(this.dir, `${host}-config`);
    await rm(configDir, { recursive: true, force: true });
    await run('mkdir', ['-p', configDir]);
    for (const [name, text] of Object.entries(options.config ?? {})) {
      await writeFile(join(configDir, name), text, { mode: 0o600 });
    }
    // Namespaces share the file system: each host keeps its runtime and state directories across restarts.
    const runtimeDir = join(this.dir, `${host}-run`);
    const stateDir = join(this.dir, `${host}-state`);
    const args = [
      ...['--socket', this.socket(host), '--config', configDir, '--runtime-dir', runtimeDir, '--state-dir', stateDir],
      ...['--log-level', 'debug', ...(options.args ?? [])],
    ];
    const [file, ...rest] = [...(options.wrapper ?? []), ...this.programs.carpd, ...args];
    // Node's and malloc's memory settings of systemd/carpd.service: what is measured is what users run.
    const unit = options.unitEnvironment === false ? {} : unitEnvironment();
    const child = this.net.spawn(host, file as string, rest, { ...(options.env ?? process.env), ...unit });
    const log = this.logs.get(host) ?? [];
    this.logs.set(host, log);
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean)));
    this.daemons.set(host, { child, log });
    await this.waitFor(`carpd on ${host} to answer`, async () => (await this.carpctl(host)).code === 0, options.readyTimeoutMs ?? 10_000);
  }

  /** SIGTERM (an orderly stop, with bow-outs) or SIGKILL; resolves when the process is gone. */
  async stopDaemon(host: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const daemon = this.daemons.get(host);
    if (!daemon) return null;
    this.daemons.delete(host);
    const gone = exited(daemon.child);
    daemon.child.kill(signal);
    await gone;
    return daemon.child.exitCode;
  }

  daemonPid(host: string): number | undefined {
    return this.daemons.get(host)?.child.pid;
  }

  async carpctl(host: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const [file, ...command] = this.programs.carpctl;
      // carpctl -j of 1,000 carp interfaces prints more than execFile's default 1 MiB.
      const { stdout, stderr } = await run(file as string, [...command, '--socket', this.socket(host), ...args], {
        timeout: 15_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (e: unknown) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  }

  /** carpctl that must succeed. */
  async ctl(host: string, ...args: string[]): Promise<string> {
    const result = await this.carpctl(host, ...args);
    if (result.code !== 0) throw new Error(`carpctl ${args.join(' ')} on ${host} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  async status(host: string, ifname = 'carp0'): Promise<InterfaceStatusDto> {
    const { interfaces } = JSON.parse(await this.ctl(host, '-j', ifname)) as { interfaces: InterfaceStatusDto[] };
    const found = interfaces[0];
    if (!found) throw new Error(`${host}: no ${ifname}`);
    return found;
  }

  async state(host: string, ifname = 'carp0'): Promise<CarpState> {
    return (await this.status(host, ifname)).nodes[0]?.state ?? 'INIT';
  }

  async waitState(host: string, state: CarpState, timeoutMs = 10_000, ifname = 'carp0'): Promise<void> {
    await this.waitFor(`${host} ${ifname} ${state}`, async () => (await this.state(host, ifname)) === state, timeoutMs);
  }

  /** Creates carp0 on `host` with the given words, then adds the addresses. */
  async configureCarp(host: string, words: string, addresses: readonly string[] = [`${VIP4}/24`]): Promise<void> {
    await this.ctl(host, 'carp0', 'create', ...words.split(' '));
    for (const address of addresses) await this.net.exec(host, 'ip', ['addr', 'add', address, 'dev', 'carp0']);
  }

  /**
   * The pair most tests start from: carpd on h1 and h2, `carp0` with `words` plus advskew 0 on h1
   * (MASTER) and advskew 100 on h2 (BACKUP), settled in those states. `config`: the files both
   * carpds boot with (sysctl.conf).
   */
  async startPair(
    words: string,
    { addresses = [`${VIP4}/24`], config }: { readonly addresses?: readonly string[]; readonly config?: DaemonOptions['config'] } = {},
  ): Promise<void> {
    await this.startDaemon('h1', { config });
    await this.startDaemon('h2', { config });
    await this.configureCarp('h1', `${words} advskew 0`, addresses);
    await this.configureCarp('h2', `${words} advskew 100`, addresses);
    await this.waitState('h1', 'MASTER');
    await this.waitState('h2', 'BACKUP');
  }

  /**
   * Pulls h1's cable (its bridge port goes down, so eth0 loses carrier) while the client pings
   * `vip` every 20 ms; resolves with the client's outage, from the cut to the first reply, once h2
   * is MASTER. `masterDownMs` is h2's master-down interval; the waits allow 2 s and 3 s beyond it.
   */
  async cableCutOutage(vip: string, masterDownMs: number): Promise<number> {
    const probe = this.startPing(vip, 20);
    try {
      await this.waitFor('the client to reach the VIP', () => Promise.resolve(probe.repliesAfter(0) >= 3));
      const cut = Date.now();
      await this.net.exec('lan', 'ip', ['link', 'set', 'p-h1', 'down']);
      await this.waitState('h2', 'MASTER', masterDownMs + 2000);
      await this.waitFor('a reply after the cut', () => Promise.resolve(probe.firstReplyAfter(cut) !== undefined), 3000);
      return (probe.firstReplyAfter(cut) as number) - cut;
    } finally {
      await probe.stop();
    }
  }

  waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
    return waitFor(what, condition, timeoutMs);
  }

  holds(what: string, condition: () => Promise<boolean>, durationMs: number): Promise<void> {
    return holds(what, condition, durationMs);
  }

  /** Pings `target` from the client every `intervalMs` until the probe is stopped. */
  startPing(target: string, intervalMs: number): PingProbe {
    const family = target.includes(':') ? '-6' : '-4';
    return new PingProbe(this.net.spawn('cl', 'ping', [family, '-D', '-n', '-i', String(intervalMs / 1000), '-W', '0.1', target]));
  }

  /** The daemon logs, for a failing test's message. */
  logOf(host: string): string {
    return (this.logs.get(host) ?? []).join('\n');
  }

  async cleanup(): Promise<void> {
    for (const host of [...this.daemons.keys()]) await this.stopDaemon(host, 'SIGKILL');
    await this.net.cleanup();
    await rm(this.dir, { recursive: true, force: true });
  }
}
