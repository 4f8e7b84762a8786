/**
 * The demo's LAN: namespace `switch` holds bridge br0; the boxes fw1, fw2 and client each have
 * eth0 plugged into it. Every command runs inside its box's namespace; shown commands are printed
 * with their output. Once cleanup has begun the lab starts nothing new and waits for what is in
 * flight, so a Ctrl-C in the middle of a step cannot leave a process in a namespace being deleted.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CarpState } from '../../src/carp/types';
import type { InterfaceStatusDto, ShowResult } from '../../src/control/protocol';
import { NetnsLab } from '../helpers/netns';
import { exited, holds, waitFor } from '../helpers/poll';
import type { Narrator } from './narrator';
import { PingProbe } from '../helpers/ping-probe';

const run = promisify(execFile);

const DIST = resolve(__dirname, '..', '..');
const CARPD = join(DIST, 'src', 'bin', 'carpd.js');
const CARPCTL = join(DIST, 'src', 'bin', 'carpctl.js');

/** RFC 5737 documentation addresses: they can never clash with a real network. */
export const LAN = {
  prefixLength: 24,
  vip: '192.0.2.1',
  fw1: '192.0.2.2',
  fw2: '192.0.2.3',
  client: '192.0.2.10',
} as const;

export type Firewall = 'fw1' | 'fw2';
export type Box = Firewall | 'client' | 'switch';

/** Lines of carpd output kept per firewall, for the message when something fails. */
const LOG_TAIL_LINES = 30;
const COMMAND_TIMEOUT_MS = 15_000;

class LabClosedError extends Error {
  override readonly name = 'LabClosedError';

  constructor() {
    super('the lab is being removed');
  }
}

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class DemoLab {
  private closing = false;
  private dir: string | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly children: ChildProcess[] = [];
  private readonly carpdLogs = new Map<Firewall, string[]>();

  private constructor(
    private readonly net: NetnsLab,
    private readonly narrator: Narrator,
  ) {}

  /** Creates nothing yet: `build()` does, after the caller has arranged for `cleanup()`. */
  static async open(narrator: Narrator): Promise<DemoLab> {
    return new DemoLab(await NetnsLab.create('demo'), narrator);
  }

  /** The real namespace name of a box, e.g. carpt1234demo-fw1. */
  namespaceOf(box: Box): string {
    return this.net.ns(box);
  }

  async build(): Promise<void> {
    this.dir = await this.guarded(() => mkdtemp(join(tmpdir(), 'carp-demo-')));
    await this.guarded(() => this.net.addNamespace('switch'));
    await this.guarded(() => this.net.addBridge('switch'));
    for (const box of ['fw1', 'fw2', 'client'] as const) {
      await this.guarded(() => this.net.addNamespace(box));
      // The pair is made inside the namespaces, never in the root namespace, so concurrent labs
      // cannot collide on a temporary name and an interrupted run leaves nothing on the host.
      await this.quiet(box, 'ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p-${box}`, 'netns', this.net.ns('switch')]);
      await this.quiet('switch', 'ip', ['link', 'set', `p-${box}`, 'master', 'br0', 'up']);
      await this.quiet(box, 'ip', ['link', 'set', 'eth0', 'up']);
      await this.quiet(box, 'ip', ['addr', 'add', `${LAN[box]}/${LAN.prefixLength}`, 'dev', 'eth0']);
    }
  }

  private socketOf(fw: Firewall): string {
    return join(this.workDir(), `${fw}.sock`);
  }

  /** Starts carpd on `fw` with an empty configuration and waits until carpctl gets an answer. */
  async startCarpd(fw: Firewall): Promise<void> {
    const config = join(this.workDir(), fw);
    await this.guarded(() => mkdir(config, { mode: 0o700 }));
    this.narrator.command(fw, ['export', `CARPD_SOCKET=${this.socketOf(fw)}`]);
    // Namespaces share the file system: each firewall needs a runtime directory of its own.
    const runtimeDir = join(this.workDir(), `${fw}-run`);
    this.narrator.command(fw, ['carpd', '--config', config, '--runtime-dir', runtimeDir, '&']);
    const child = this.spawn(fw, process.execPath, [CARPD, '--config', config, '--runtime-dir', runtimeDir], { CARPD_SOCKET: this.socketOf(fw) });
    const log: string[] = [];
    this.carpdLogs.set(fw, log);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        log.push(...chunk.toString().split('\n').filter(Boolean));
        log.splice(0, Math.max(0, log.length - LOG_TAIL_LINES));
      });
    }
    await this.waitFor(`carpd on ${fw} to answer`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`carpd on ${fw} exited (${child.signalCode ?? child.exitCode}) before answering`);
      }
      return (await this.carpctlQuiet(fw, [])).code === 0;
    });
  }

  /** The last lines carpd printed on `fw`. */
  carpdLog(fw: Firewall): readonly string[] {
    return this.carpdLogs.get(fw) ?? [];
  }

  /** Runs a command on `box` and prints it with its output; fails on a non-zero exit. */
  async show(box: Box, program: string, args: readonly string[]): Promise<string> {
    this.narrator.command(box, [program, ...args]);
    const result = await this.invoke(box, program, args);
    this.narrator.output(result.stdout);
    if (result.code !== 0) throw new Error(`${box}# ${[program, ...args].join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** A command not worth showing (setup, polling); fails on a non-zero exit. */
  async quiet(box: Box, program: string, args: readonly string[]): Promise<string> {
    const result = await this.invoke(box, program, args);
    if (result.code !== 0) throw new Error(`${box}: ${[program, ...args].join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  async status(fw: Firewall): Promise<InterfaceStatusDto> {
    const { interfaces } = JSON.parse(await this.quiet(fw, 'carpctl', ['-j', 'carp0'])) as ShowResult;
    const carp0 = interfaces[0];
    if (!carp0) throw new Error(`${fw}: carpctl -j carp0 shows no carp0`);
    return carp0;
  }

  async state(fw: Firewall): Promise<CarpState> {
    return (await this.status(fw)).nodes[0]?.state ?? 'INIT';
  }

  async waitState(fw: Firewall, state: CarpState, timeoutMs: number): Promise<number> {
    return this.waitFor(`${fw} carp0 ${state}`, async () => (await this.state(fw)) === state, timeoutMs);
  }

  waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
    return waitFor(what, condition, timeoutMs);
  }

  holds(what: string, condition: () => Promise<boolean>, durationMs: number): Promise<void> {
    return holds(what, condition, durationMs);
  }

  /** Pings `target` from the client in the background, every `intervalMs`, with timestamps. */
  startPing(target: string, intervalMs: number): PingProbe {
    const args = ['-D', '-n', '-i', String(intervalMs / 1000), target];
    this.narrator.command('client', ['ping', ...args, '&']);
    return new PingProbe(this.spawn('client', 'ping', args));
  }

  /**
   * Kills every process of the lab, deletes its namespaces (and with them every interface in
   * them) and its directory. Returns the names of namespaces that could not be deleted.
   */
  async cleanup(): Promise<string[]> {
    this.closing = true;
    await Promise.allSettled([...this.pending]);
    await this.net.cleanup();
    await Promise.all(this.children.map(exited));
    // An `ip netns add` cut short by Ctrl-C can leave a namespace NetnsLab never recorded.
    for (const ns of await this.ourNamespaces()) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    return this.ourNamespaces();
  }

  private async ourNamespaces(): Promise<string[]> {
    const { stdout } = await run('ip', ['netns', 'list']);
    return stdout
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith(this.net.ns('')));
  }

  private carpctlQuiet(fw: Firewall, args: readonly string[]): Promise<CommandResult> {
    return this.invoke(fw, 'carpctl', args);
  }

  /** `carpctl` is the CLI of this checkout, talking to the box's own carpd. */
  private invoke(box: Box, program: string, args: readonly string[]): Promise<CommandResult> {
    const command =
      program === 'carpctl' && isFirewall(box)
        ? ['env', `CARPD_SOCKET=${this.socketOf(box)}`, process.execPath, CARPCTL, ...args]
        : [program, ...args];
    return this.guarded(async () => {
      try {
        const { stdout, stderr } = await run('ip', ['netns', 'exec', this.net.ns(box), ...command], { timeout: COMMAND_TIMEOUT_MS });
        return { code: 0, stdout, stderr };
      } catch (e: unknown) {
        const failed = e as { code?: unknown; stdout?: string; stderr?: string; message?: string };
        return {
          code: typeof failed.code === 'number' ? failed.code : -1,
          stdout: failed.stdout ?? '',
          stderr: failed.stderr || (failed.message ?? String(e)),
        };
      }
    });
  }

  private spawn(box: Box, file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    if (this.closing) throw new LabClosedError();
    const child = this.net.spawn(box, file, args, { ...process.env, ...env });
    this.children.push(child);
    return child;
  }

  /** Starts `work` unless cleanup has begun, and lets cleanup wait for it. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) throw new LabClosedError();
    const promise = work();
    this.pending.add(promise);
    try {
      return await promise;
    } finally {
      this.pending.delete(promise);
    }
  }

  private workDir(): string {
    if (this.dir === undefined) throw new Error('the lab is not built');
    return this.dir;
  }
}

function isFirewall(box: Box): box is Firewall {
  return box === 'fw1' || box === 'fw2';
}
