/**
 * carpd in-process, on the fake world (test/fakes/): each host runs a real Daemon with the memory
 * binding, a fake kernel mirror and control, the fake clock and timers, and a real control socket
 * in a temporary directory, so tests drive it with the real carpctl code path. No root, no real
 * sleeps: time moves only through `advance`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CarpState } from '../../src/carp/types';
import { runCarpctl } from '../../src/cli/run';
import type { InterfaceStatusDto } from '../../src/control/protocol';
import { type ControlServer, startControlServer } from '../../src/control/transport';
import { Daemon, type DaemonEnvironment } from '../../src/daemon/daemon';
import type { FastPathRunner } from '../../src/kernel/fast-path';
import type { TimerApi } from '../../src/daemon/driver';
import { killHook, spawnHook } from '../../src/daemon/hook-process';
import type { ListenAddress } from '../../src/daemon/listen-address';
import { createLogger } from '../../src/daemon/logger';
import { type MetricsEndpoint, startMetricsServer } from '../../src/daemon/metrics-server';
import type { IpPrefix } from '../../src/wire/address';
import type { FakeMirror } from '../fakes/fake-mirror';
import type { FakePacketSocket } from '../fakes/fake-packet-socket';
import type { FakeTap } from '../fakes/fake-tap';
import { RecordingNotifier } from '../fakes/recording-notifier';
import { World, type WorldOptions } from '../fakes/world';
import { waitFor } from '../helpers/poll';
import { Prng, seededRandomSource } from '../sim/prng';

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface CarpctlRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The wall-clock time of fake time 0: monitor events are stamped LAB_EPOCH + fake now, and strict counters follow it. */
export const LAB_EPOCH = Date.UTC(2026, 11, 6, 17, 40, 0);

/** A `carpctl monitor` running in-process: its output so far, and ^C. */
export interface MonitorRun {
  stdout(): string;
  stderr(): string;
  /** ^C: the run ends with its status. */
  interrupt(): Promise<CarpctlRun>;
  /** The run as it ended by itself (carpd went away). */
  readonly done: Promise<CarpctlRun>;
}

/**
 * Timers of one daemon process: a crash takes them all, as the process's event loop goes; while
 * the process is stopped, timers that come due wait and fire late, all at once, when it resumes.
 */

class ProcessTimers implements TimerApi {
  private readonly live = new Set<NodeJS.Timeout>();
  private dead = false;
  /** Callbacks that came due while stopped, by handle: clearing a timer drops it, as in Node. */
  private held: Map<NodeJS.Timeout, () => void> | null = null;
  /** The held callbacks being run by resume, each dropped before it runs. */
  private resuming = new Map<NodeJS.Timeout, () => void>();

  constructor(private readonly timers: TimerApi) {}

  setTimeout(callback: () => void, ms: number): NodeJS.Timeout {
    const handle = this.timers.setTimeout(() => {
      this.live.delete(handle);
      if (this.dead) return;
      if (this.held !== null) this.held.set(handle, callback);
      else callback();
    }, ms);
    this.live.add(handle);
    return handle;
  }

  clearTimeout(timer: NodeJS.Timeout): void {
    this.live.delete(timer);
    this.held?.delete(timer);
    this.resuming.delete(timer);
    this.timers.clearTimeout(timer);
  }

  stop(): void {
    this.held ??= new Map();
  }

  /** The held callbacks in the order they came due; one cleared by an earlier one does not run. */
  resume(): void {
    this.resuming = this.held ?? new Map<NodeJS.Timeout, () => void>();
    this.held = null;
    for (const [handle, callback] of this.resuming) {
      this.resuming.delete(handle);
      callback();
    }
  }

  kill(): void {
    this.dead = true;
    for (const timer of this.live) this.timers.clearTimeout(timer);
    this.live.clear();
  }
}

/** The resources the kernel takes back when a carpd process dies: its fds, sockets and timers. */
interface RunningDaemon {
  readonly daemon: Daemon;
  readonly mirror: FakeMirror;
  readonly timers: ProcessTimers;
  readonly server: () => ControlServer | null;
  readonly metrics: () => MetricsEndpoint | null;
  readonly socket: string;
  readonly configDir: string;
  /** What the daemon runs on SIGHUP (DaemonEnvironment.onReloadRequest). */
  readonly reload: () => Promise<boolean>;
  readonly fdsBefore: { readonly taps: number; readonly sockets: number };
}

export interface StartOptions {
  /** Files of the daemon's configuration directory, by name (carp0.conf, sysctl.conf, ...). */
  readonly config?: Readonly<Record<string, string>>;
  /** --hooks-dir; by default the configuration directory's hooks.d (which the lab leaves absent). */
  readonly hooksDir?: string;
  /** --metrics (real HTTP; port 0 takes a free port, see Daemon.metricsAddress). */
  readonly metrics?: ListenAddress;
  /** --ready-timeout in ms. */
  readonly readyTimeoutMs?: number;
  /** WATCHDOG_USEC of the recording service manager, in ms; none by default. */
  readonly watchdogMs?: number;
  /** Each policy routing task finishes when the promise this returns resolves (a slow `ip`); at once by default. */
  readonly routingDone?: () => Promise<void>;
  /**
   * The in-kernel data path's `tc` and `nft` (DaemonEnvironment.fastPathRunner) and the packet
   * captures carpd sees (packetCaptures); by default neither, and the relay carries every frame.
   */
  readonly fastPath?: { readonly runner: FastPathRunner; readonly captures: () => ReadonlySet<number> };
}

export class DaemonLab {
  readonly world: World;
  private readonly running = new Map<number, RunningDaemon>();
  private readonly logs = new Map<number, LogRecord[]>();
  private readonly kernelTasks = new Map<number, string[]>();
  private readonly notifiers = new Map<number, RecordingNotifier>();
  /** Monitor requests each carpd has answered (so far, over all its starts). */
  private readonly monitorsAnswered = new Map<number, number>();
  /** Hook processes of every daemon: real processes, killed when the lab closes. */
  private readonly hookProcesses = new Set<ChildProcess>();

  private constructor(
    options: WorldOptions,
    private readonly dir: string,
  ) {
    this.world = new World(options);
  }

  static async create(options: WorldOptions): Promise<DaemonLab> {
    return new DaemonLab(options, await mkdtemp(join(tmpdir(), 'carp-daemon-lab-')));
  }

  /** Starts carpd on host n (from 1); its configuration directory holds `config`. */
  async start(n: number, options: StartOptions = {}): Promise<Daemon> {
    if (this.running.has(n)) throw new Error(`carpd already runs on host ${n}`);
    const host = this.world.host(n);
    const configDir = join(this.dir, `host${n}`, `start${Date.now()}-${Math.random().toString(16).slice(2)}`);
    await writeConfig(configDir, options.config ?? {});
    const socket = join(this.dir, `host${n}.sock`);
    const mirror = this.world.mirror(n);
    const timers = new ProcessTimers(this.world.scheduler.timers);
    const log = this.logs.get(n) ?? [];
    this.logs.set(n, log);
    let server: ControlServer | null = null;
    let metricsEndpoint: MetricsEndpoint | null = null;
    const tasks = this.kernelTasks.get(n) ?? [];
    this.kernelTasks.set(n, tasks);
    const notifier = new RecordingNotifier(this.world.scheduler.clock, options.watchdogMs ?? null);
    let reload: () => Promise<boolean> = () => Promise.reject(new Error('carpd did not take a reload handler'));
    this.notifiers.set(n, notifier);
    const env: DaemonEnvironment = {
      binding: host.binding,
      mirror,
      control: host.kernel,
      kernelTasks: {
        configureCarpdev: (carpdev) => Promise.resolve(void tasks.push(`carpdev ${carpdev}`)).then(() => []),
        reconcileRouting: async (wanted: ReadonlyMap<string, readonly IpPrefix[]>) => {
          await options.routingDone?.();
          for (const [ifname, vips] of wanted) tasks.push(`routing ${ifname} ${vips.length}`);
          return new Map([...wanted.keys()].map((ifname) => [ifname, { changes: [], error: null }]));
        },
      },
      prepareCarpInterface: () => Promise.resolve([]),
      isTapDevice: (ifname) => host.kernel.isTapDevice(ifname),
      ipv6Forwarding: () => host.kernel.ipv6Forwarding,
      listen: async (path, handler) =>
        (server = await startControlServer(path, async (request, stream) => {
          const result = await handler(request, stream);
          if (request.type === 'monitor') this.monitorsAnswered.set(n, (this.monitorsAnswered.get(n) ?? 0) + 1);
          return result;
        })),
      serveMetrics: async (address, families) => (metricsEndpoint = await startMetricsServer(address, families)),
      clock: this.world.scheduler.clock,
      // One wall clock for every host, moving with the fake clock: strict counters compare them,
      // and monitor events are stamped with it.
      wallClock: { now: () => LAB_EPOCH + this.world.scheduler.clock.now() },
      timers,
      logger: createLogger('debug', { write: (line: string) => void log.push(JSON.parse(line) as LogRecord) }),
      random: seededRandomSource(new Prng(n * 7919 + this.running.size)),
      notifier,
      ...(options.fastPath === undefined ? {} : { fastPathRunner: options.fastPath.runner, packetCaptures: options.fastPath.captures }),
      onReloadRequest: (handler) => (reload = handler),
      spawnHook: (file, args, environment) => {
        const child = spawnHook(file, args, environment);
        this.hookProcesses.add(child);
        child.once('exit', () => this.hookProcesses.delete(child));
        return child;
      },
    };
    const fdsBefore = { taps: host.binding.taps.length, sockets: host.binding.sockets.length };
    // The runtime directory outlives the daemon, as /run outlives a crashed carpd.
    const runtimeDir = join(this.dir, `host${n}-run`);
    // The state directory outlives it too, as /var/lib outlives a reboot.
    const stateDir = this.stateDir(n);
    const { hooksDir, metrics, readyTimeoutMs } = options;
    const daemon = await Daemon.start({ configDir, runtimeDir, stateDir, socket, logLevel: 'debug', hooksDir, metrics, readyTimeoutMs }, env);
    const running = { daemon, mirror, timers, server: () => server, metrics: () => metricsEndpoint, socket, configDir, fdsBefore };
    this.running.set(n, { ...running, reload: () => reload() });
    return daemon;
  }

  /** carpd's --state-dir on host n. */
  stateDir(n: number): string {
    return join(this.dir, `host${n}-state`);
  }

  daemon(n: number): Daemon {
    const running = this.running.get(n);
    if (!running) throw new Error(`carpd does not run on host ${n}`);
    return running.daemon;
  }

  /** `carpctl ARGS...` against host n's carpd, in-process. */
  async carpctl(n: number, ...argv: string[]): Promise<CarpctlRun> {
    const running = this.running.get(n);
    let stdout = '';
    let stderr = '';
    const status = await runCarpctl(argv, {
      out: (text) => (stdout += text),
      err: (text) => (stderr += text),
      env: { CARPD_SOCKET: running?.socket ?? join(this.dir, `host${n}.sock`) },
      cwd: this.dir,
    });
    return { status, stdout, stderr };
  }

  /**
   * `carpctl ARGS... monitor` against host n's carpd, in-process; resolves once carpd has answered
   * the monitor request, so every later change reaches it. Output arrives in real time.
   */
  async monitor(n: number, ...argv: string[]): Promise<MonitorRun> {
    const running = this.running.get(n);
    let stdout = '';
    let stderr = '';
    let interrupt!: () => void;
    const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
    const answered = this.monitorsAnswered.get(n) ?? 0;
    let ended = false;
    const done = runCarpctl([...argv, 'monitor'], {
      out: (text) => (stdout += text),
      err: (text) => (stderr += text),
      env: { CARPD_SOCKET: running?.socket ?? join(this.dir, `host${n}.sock`) },
      cwd: this.dir,
      interrupted: () => interrupted,
    }).then((status) => {
      ended = true;
      return { status, stdout, stderr };
    });
    // A monitor that ended at once (carpd unreachable, busy) is for the test to look at.
    await waitFor('carpd to answer the monitor request', () => Promise.resolve(ended || (this.monitorsAnswered.get(n) ?? 0) > answered));
    return {
      stdout: () => stdout,
      stderr: () => stderr,
      interrupt: () => {
        interrupt();
        return done;
      },
      done,
    };
  }

  /** Like carpctl, but fails the test unless the command succeeded. */
  async ok(n: number, ...argv: string[]): Promise<string> {
    const run = await this.carpctl(n, ...argv);
    if (run.status !== 0) throw new Error(`host${n}: carpctl ${argv.join(' ')}: exit ${run.status}: ${run.stderr}`);
    return run.stdout;
  }

  /** The status of a carp interface as carpctl -j shows it. */
  async show(n: number, ifname = 'carp0'): Promise<InterfaceStatusDto> {
    const parsed = JSON.parse(await this.ok(n, '-j', ifname)) as { interfaces: InterfaceStatusDto[] };
    const dto = parsed.interfaces[0];
    if (!dto) throw new Error(`host${n}: no status for ${ifname}`);
    return dto;
  }

  /** The state of a node of carpN on host n, from the daemon itself (no socket round trip). */
  state(n: number, ifname = 'carp0', vhid?: number): CarpState | undefined {
    const iface = this.daemon(n).service.show(ifname)[0];
    const node = vhid === undefined ? iface?.nodes[0] : iface?.nodes.find((x) => x.vhid === vhid);
    return node?.state;
  }

  /** Lets `ms` of fake time pass. */
  advance(ms: number): Promise<void> {
    return this.world.scheduler.advance(ms);
  }

  /** Runs until `predicate` holds; fails after `limitMs` of fake time. */
  until(predicate: () => boolean, limitMs: number): Promise<void> {
    return this.world.scheduler.runUntil(predicate, limitMs);
  }

  log(n: number): readonly LogRecord[] {
    return this.logs.get(n) ?? [];
  }

  /** What host n's carpd told its service manager (sd_notify), latest start. */
  notifications(n: number): RecordingNotifier {
    const notifier = this.notifiers.get(n);
    if (!notifier) throw new Error(`carpd never started on host ${n}`);
    return notifier;
  }

  /** What carpd asked of the kernel besides links and addresses (sysctls, policy routes). */
  kernelWork(n: number): readonly string[] {
    return this.kernelTasks.get(n) ?? [];
  }

  /** Changes files of host n's configuration directory; null removes one. */
  async editConfig(n: number, files: Readonly<Record<string, string | null>>): Promise<void> {
    const { configDir } = this.runningOn(n);
    for (const [name, text] of Object.entries(files)) {
      if (text === null) await rm(join(configDir, name));
      else await writeFile(join(configDir, name), text, { mode: 0o600 });
    }
  }

  /** kill -HUP: carpd reloads its configuration directory; true when it applied it. */
  hangup(n: number): Promise<boolean> {
    return this.runningOn(n).reload();
  }

  private runningOn(n: number): RunningDaemon {
    const running = this.running.get(n);
    if (!running) throw new Error(`carpd does not run on host ${n}`);
    return running;
  }

  /** An orderly stop (SIGTERM): masters bow out. */
  async stop(n: number): Promise<void> {
    const running = this.running.get(n);
    if (!running) return;
    this.running.delete(n);
    await running.daemon.stop();
  }

  /** kill -STOP: the daemon's timers and fds wait while the world goes on. */
  freeze(n: number): void {
    const running = this.running.get(n);
    if (!running) throw new Error(`carpd does not run on host ${n}`);
    running.timers.stop();
    for (const fd of this.fdsOf(n, running)) fd.freeze();
  }

  /** kill -CONT: its overdue timers fire first, then its fds are read (libuv's order). */
  thaw(n: number): void {
    const running = this.running.get(n);
    if (!running) throw new Error(`carpd does not run on host ${n}`);
    running.timers.resume();
    for (const fd of this.fdsOf(n, running)) fd.thaw();
  }

  private fdsOf(n: number, running: RunningDaemon): (FakeTap | FakePacketSocket)[] {
    const binding = this.world.host(n).binding;
    return [...binding.taps.slice(running.fdsBefore.taps), ...binding.sockets.slice(running.fdsBefore.sockets)];
  }

  /**
   * kill -9: nothing of the daemon runs any more; the kernel closes its fds (persistent TAPs stay,
   * their carrier goes off), its netlink socket, its control socket and its metrics port.
   */
  async crash(n: number): Promise<void> {
    const running = this.running.get(n);
    if (!running) return;
    this.running.delete(n);
    running.timers.kill();
    running.mirror.close();
    const binding = this.world.host(n).binding;
    for (const tap of binding.taps.slice(running.fdsBefore.taps)) tap.close();
    for (const socket of binding.sockets.slice(running.fdsBefore.sockets)) socket.close();
    await running.server()?.close();
    await running.metrics()?.close();
  }

  /** Stops every daemon and removes the temporary files, also after a failed test. */
  async close(): Promise<void> {
    for (const n of [...this.running.keys()]) await this.crash(n);
    for (const child of this.hookProcesses) killHook(child);
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function writeConfig(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text, { mode: 0o600 });
}
