/**
 * carpd's composition root (docs/design.md, "The daemon"): every collaborator — native binding,
 * kernel mirror and control, host facts, control socket, clock, timers, logger, randomness —
 * comes in through DaemonEnvironment, so the same daemon runs on the real kernel and, in tests,
 * in-process on fakes (test/fakes/).
 */
import { CarpHost } from '../carp/host';
import { CARP_INTERFACE_NAME } from '../carp/limits';
import { masterDownInterval } from '../carp/timing';
import { vrrpMasterDownInterval } from '../carp/vrrp-timing';
import type { Action, CarpHostApi, Millis, RandomSource } from '../carp/types';
import { controlSocketPath } from '../control/paths';
import type { ControlHandler } from '../control/protocol';
import type { ControlServer } from '../control/transport';
import type { KernelControl, KernelMirror } from '../kernel/types';
import type { NativeBinding } from '../native/types';
import { FastPath, type FastPathRunner, PROCESS_DELAY_MS } from '../kernel/fast-path';
import type { FastPathRequests } from '../kernel/fast-path-requests';
import { Relay } from '../relay/relay';
import { fastPathEvents } from './fast-path-events';
import type { IpAddress } from '../wire/address';
import { CaptureWatch } from './capture-watch';
import { CarpEventLog } from './carp-event-log';
import { CarpInterfaces } from './carp-interfaces';
import { CarpService } from './carp-service';
import { CarpTaps, type PrepareCarpInterface } from './carp-taps';
import { EventFeed } from './event-feed';
import { ConfigDirectory } from './config-directory';
import type { Clock } from './clock';
import { createControlHandler, createSerializer } from './control-handler';
import { type DaemonCounters, collectCounters } from './counters';
import { describeError } from './describe-error';
import { Driver, type TimerApi } from './driver';
import { ActionExecutor } from './executor';
import { listHooks } from './hook-directory';
import { type SpawnHook, spawnHook } from './hook-process';
import { DEFAULT_HOOK_TIMEOUT_MS, HookRunner } from './hook-runner';
import { KernelEventHandler } from './kernel-events';
import { KernelWork, type KernelWorkTasks } from './kernel-work';
import { type ListenAddress, formatListenAddress } from './listen-address';
import { LocalSources } from './local-sources';
import { LoopMonitor } from './loop-monitor';
import type { Logger } from './logger';
import { MaintenanceStore } from './maintenance-store';
import { daemonMetrics } from './metrics';
import { METRICS_PATH, type MetricsEndpoint, startMetricsServer } from './metrics-server';
import type { MetricFamily } from './metrics-text';
import { DEFAULT_RUNTIME_DIR, DEFAULT_STATE_DIR, type DaemonOptions, hooksDirFor } from './options';
import { PeerSockets } from './peer-sockets';
import { resumeMasters } from './resume';
import { SILENT_NOTIFIER, type ServiceNotifier } from './service-notifier';
import { DEFAULT_READY_TIMEOUT_MS, ServiceReport } from './service-report';
import { StateJournal } from './state-journal';
import { createRelaySink } from './relay-sink';
import { describeStall } from './stall-report';
import { Watchdog } from './watchdog';

export interface DaemonEnvironment {
  readonly binding: NativeBinding;
  readonly mirror: KernelMirror;
  readonly control: KernelControl;
  readonly kernelTasks: KernelWorkTasks;
  readonly prepareCarpInterface: PrepareCarpInterface;
  /** Whether a link is a TAP device (a carpN of ours from an earlier run, if it is named so). */
  isTapDevice(ifname: string): Promise<boolean>;
  /** net.ipv6.conf.all.forwarding: the Router flag of our neighbour advertisements. */
  ipv6Forwarding(): boolean;
  /** Opens the control socket; the production one is src/control/transport.ts. */
  listen(path: string, handler: ControlHandler): Promise<ControlServer>;
  readonly clock: Clock;
  /**
   * The wall clock (ms since the epoch): net.inet.carp.strict_counter's counters and the time
   * stamps of monitor events; Date by default.
   */
  readonly wallClock?: Clock;
  readonly timers: TimerApi;
  readonly logger: Logger;
  readonly random?: RandomSource;
  /** The service manager (sd_notify: READY, STATUS, WATCHDOG, STOPPING); silent when absent. */
  readonly notifier?: ServiceNotifier;
  /** Starts a hook (hook-process.ts) when absent. */
  readonly spawnHook?: SpawnHook;
  /** Opens the metrics endpoint; startMetricsServer (metrics-server.ts) when absent. */
  serveMetrics?(address: ListenAddress, families: () => readonly MetricFamily[]): Promise<MetricsEndpoint>;
  /**
   * Hands over what a reload request (SIGHUP in production) runs: carpd re-reads its configuration
   * directory (Daemon.reload). Absent: carpd cannot be asked to reload this way.
   */
  onReloadRequest?(reload: () => Promise<boolean>): void;
  /**
   * Runs `tc` and `nft` for the in-kernel data path (src/kernel/fast-path.ts). Absent: the relay
   * carries every frame, whatever net.inet.carp.fastpath says.
   */
  readonly fastPathRunner?: FastPathRunner;
  /**
   * Removes the tc half of an in-kernel data path by rtnetlink in the turn of the state change,
   * and gives a carp interface found its clsact qdisc (src/kernel/fast-path-requests.ts). Absent:
   * both wait their turn and run `tc`.
   */
  readonly fastPathRequests?: FastPathRequests;
  /**
   * The ifindexes packet captures listen on (src/kernel/packet-captures.ts): the relay carries a
   * captured carp interface's traffic, which the kernel's path would hide from the capture
   * (capture-watch.ts). Absent, or without fastPathRunner: not watched.
   */
  readonly packetCaptures?: () => ReadonlySet<number>;
}

export class Daemon {
  private stopping: Promise<void> | null = null;
  private server: ControlServer | null = null;
  private readonly host: CarpHost;
  private readonly driver: Driver;
  private readonly relay: Relay;
  private readonly fastPath: FastPath | null;
  private readonly peerSockets: PeerSockets;
  private readonly taps: CarpTaps;
  private readonly interfaces: CarpInterfaces;
  private readonly kernelWork: KernelWork;
  private readonly kernelEvents: KernelEventHandler;
  private readonly serialize = createSerializer();
  readonly service: CarpService;
  private readonly configDirectory: ConfigDirectory;
  /** Settles once the boot configuration has been applied. */
  private booted: Promise<void> | null = null;

  private readonly journal: StateJournal;
  private readonly loopMonitor: LoopMonitor;
  private readonly captureWatch: CaptureWatch | null;
  private readonly report: ServiceReport;
  private readonly hooks: HookRunner;
  private metrics: MetricsEndpoint | null = null;

  private constructor(
    private readonly env: DaemonEnvironment,
    options: DaemonOptions,
  ) {
    const { logger, clock, mirror } = env;
    const wallClock = env.wallClock ?? WALL_CLOCK;
    const wallClockOffset = wallClock.now() - clock.now();
    const host = new CarpHost({ ...(env.random ? { random: env.random } : {}), wallClockOffset, kernelSetup: true });
    const events = new CarpEventLog(logger, () => Number(host.getSysctl('net.inet.carp.log')), () => clock.now());
    const journal = new StateJournal(options.runtimeDir ?? DEFAULT_RUNTIME_DIR, env.timers, (e) =>
      logger.warn({ err: e }, `state journal: ${describeError(e)}`),
    );
    const notifier = env.notifier ?? SILENT_NOTIFIER;
    const allow = (): boolean => host.getSysctl('net.inet.carp.allow') === '1';
    const { timers } = env;
    const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const report = new ServiceReport({ notifier, status: () => host.status(), allow, clock, timers, logger, readyTimeoutMs });
    const hooksDir = options.hooksDir ?? hooksDirFor(options.configDir);
    const spawn = env.spawnHook ?? spawnHook;
    const hooks = new HookRunner({ dir: hooksDir, list: listHooks, spawn, clock, timers, logger, timeoutMs: DEFAULT_HOOK_TIMEOUT_MS });
    const feed = new EventFeed(() => wallClock.now());
    const execute = (action: Parameters<ActionExecutor['execute']>[0]): void => {
      // First of all: the kernel must stop answering for a node that is no longer MASTER (relay.ts).
      if (action.kind === 'state' && action.from === 'MASTER') relay.leavingMaster(action.ifname, action.vhid);
      executor.execute(action);
      // Where a change becomes an event: logged (executor), journaled, reported, hooked, published.
      if (action.kind === 'state' || action.kind === 'demotion') feed.publish(action);
      // A node that is no longer MASTER must not be resumed by a restarted carpd.
      if (action.kind === 'state' && action.to !== 'MASTER') journal.left(action.ifname, action.vhid);
      if (action.kind === 'state') {
        report.changed();
        hooks.stateChanged(action);
      }
      if (action.kind === 'demotion') report.changed();
    };
    // The loop monitor exists once the constructor is done; nothing runs before that.
    const catchUp = (): void => this.loopMonitor.catchUp();
    const driver = new Driver(host, clock, execute, env.timers, catchUp, () => executor.flush());
    const fastPath: FastPath | null =
      env.fastPathRunner === undefined
        ? null
        : new FastPath(env.fastPathRunner, fastPathEvents((): Relay => relay, logger), env.fastPathRequests ?? null, (start) =>
            void timers.setTimeout(start, PROCESS_DELAY_MS),
          );
    const localSources = new LocalSources((carpdev) => addressesOf(mirror, carpdev), (listener) => mirror.onEvent(listener));
    const relay: Relay = new Relay(
      env.binding,
      createRelaySink(host, driver, logger, catchUp, (carpdev, family) => localSources.of(carpdev, family)),
      true,
      fastPath,
    );
    const peerSockets = new PeerSockets(env.binding, logger);
    const taps = new CarpTaps(env.binding, env.control, env.prepareCarpInterface);
    const executor = new ActionExecutor({
      interfaceMac: (ifname) => mirror.linkByName(ifname)?.mac ?? null,
      addresses: (ifname) => addressesOf(mirror, ifname),
      sendFrames: (carpdev, frames) => void relay.sendOwnFrames(carpdev, frames),
      sendToPeer: (carpdev, peer, packet) => peerSockets.send(carpdev, peer, packet),
      setCarrier: (ifname, up) => taps.setCarrier(ifname, up),
      setMasters: (ifname, vhids) => relay.setMasters(ifname, vhids),
      reportSends: (outcomes) => {
        const now = clock.now();
        for (const { ifname, vhid, ok, bowOut } of outcomes) {
          // A bow-out is sent as the node leaves MASTER: it must not make a restart resume it.
          if (ok && !bowOut) journal.advertised(ifname, vhid, now);
        }
        driver.run((at) => host.sendResults(outcomes, at));
      },
      dscp: () => Number(host.getSysctl('net.inet.carp.dscp')),
      onKernelChange: (listener) => mirror.onEvent(listener),
      ipv6Forwarding: () => env.ipv6Forwarding(),
      events,
      failure: (message, error) => logger.error({ err: error }, `${message}: ${describeError(error)}`),
    });
    this.kernelWork = new KernelWork(env.kernelTasks, logger, (ifname, carpdev) => this.interfaces.kernelSetUp(ifname, carpdev));
    this.interfaces = new CarpInterfaces({ host, driver, taps, relay, peerSockets, mirror, kernelWork: this.kernelWork, logger, feed });
    // The relay starts from the core's sysctls: their defaults hold until a file or carpctl sets them.
    this.interfaces.applySysctls();
    this.service = new CarpService({
      host,
      driver,
      interfaces: this.interfaces,
      mirror,
      control: env.control,
      clock,
      logger,
      counters: () => this.counters(),
      feed,
      maintenance: new MaintenanceStore(options.stateDir ?? DEFAULT_STATE_DIR),
      waitingForCarpdev: (ifname) => this.configDirectory.waitingFor(ifname),
      reloadConfiguration: () => this.reloadNow(),
    });
    this.configDirectory = new ConfigDirectory({
      dir: options.configDir,
      service: this.service,
      checkSysctl: (name, value) => host.checkSysctl(name, value),
      linkExists: (name) => mirror.linkByName(name) !== undefined,
      groupsOf: (ifname) => host.interfaceStatus(ifname)?.config.groups ?? [],
      logger,
    });
    this.kernelEvents = new KernelEventHandler(this.interfaces, host, driver, relay, mirror, logger);
    this.host = host;
    this.driver = driver;
    this.relay = relay;
    this.fastPath = fastPath;
    this.peerSockets = peerSockets;
    this.taps = taps;
    this.journal = journal;
    this.report = report;
    this.hooks = hooks;
    const { packetCaptures } = env;
    this.captureWatch =
      fastPath === null || packetCaptures === undefined
        ? null
        : new CaptureWatch({
            timers,
            logger,
            captured: packetCaptures,
            carpInterfaceAt: (ifindex) => {
              const link = mirror.linkByIndex(ifindex);
              return link !== undefined && this.interfaces.owns(link) ? link.name : undefined;
            },
            pathEnabled: () => host.getSysctl('net.inet.carp.fastpath') === '1',
            setCaptured: (ifnames) => relay.setCaptured(ifnames),
          });
    const watchdog = new Watchdog(notifier);
    this.loopMonitor = new LoopMonitor(
      clock,
      env.timers,
      LOOP_CHECK_INTERVAL_MS,
      (lag) => this.stalled(lag),
      () => Math.min(shortestMasterDown(host), host.loopLagLimit() ?? Number.POSITIVE_INFINITY),
      (now) => watchdog.tick(now),
    );
  }

  static async start(options: DaemonOptions, env: DaemonEnvironment): Promise<Daemon> {
    const daemon = new Daemon(env, options);
    await daemon.boot(options);
    return daemon;
  }

  /** Every counter the daemon has (src/daemon/counters.ts). */
  counters(): DaemonCounters {
    return collectCounters({ host: this.host, relay: this.relay, mirror: this.env.mirror });
  }

  /** Where the metrics endpoint listens (the port chosen, for port 0), or null without one. */
  get metricsAddress(): ListenAddress | null {
    return this.metrics?.address ?? null;
  }

  /** Orderly stop: masters bow out, carriers go off, and the devices stay with their addresses. */
  stop(): Promise<void> {
    this.stopping ??= this.serialize(async () => {
      this.report.stopping();
      this.driver.run((now) => this.host.shutdown(now));
      this.driver.stop();
      this.loopMonitor.stop();
      this.captureWatch?.stop();
      this.taps.closeAll();
      this.relay.close();
      this.peerSockets.close();
      this.journal.flush();
      // The hooks of the shutdown's own transitions (to INIT) get their chance too.
      await this.hooks.stop(DEFAULT_HOOK_TIMEOUT_MS);
      await this.metrics?.close();
      await this.server?.close();
      this.env.mirror.close();
      await this.kernelWork.idle();
      await this.fastPath?.settled();
      this.env.logger.info('carpd stopped');
    });
    return this.stopping;
  }

  private async boot(options: DaemonOptions): Promise<void> {
    const { env } = this;
    // The socket first: a second carpd must fail before it touches any device. Requests wait
    // until the boot configuration has been applied.
    const socket = controlSocketPath(options.socket ?? undefined);
    let booted!: () => void;
    const ready = new Promise<void>((done) => (booted = done));
    this.booted = ready;
    env.onReloadRequest?.(() => this.reload());
    const handler = createControlHandler(this.service, this.serialize);
    this.server = await env.listen(socket, (request, stream) => ready.then(() => handler(request, stream)));
    if (options.metrics) await this.serveMetrics(options.metrics);
    // Read before anything of this run is written over it.
    const previous = this.journal.load();
    env.mirror.onEvent((event) => {
      this.kernelEvents.handle(event);
      if (event.kind === 'link-changed') this.carpdevMayHaveAppeared(event.link.name);
    });
    await env.mirror.start();
    this.kernelEvents.reportAllLinks();
    await this.serialize(async () => {
      this.service.restoreMaintenance();
      await this.kernelWork.whileApplying(async () => {
        await this.adoptLeftoverDevices();
        await this.configDirectory.boot();
      });
      // A node resumes from BACKUP, and none runs before its kernel side is set up (kernel-setup).
      await this.kernelWork.idle();
      resumeMasters(previous, this.host, this.driver, env.clock, env.logger);
    });
    booted();
    this.loopMonitor.start();
    this.captureWatch?.start();
    this.report.booted();
    env.logger.info({ socket, interfaces: this.service.names() }, `carpd ready on ${socket}`);
  }

  /**
   * Re-reads the configuration directory and applies what changed (config-directory.ts), telling
   * the service manager (RELOADING=1, then READY=1). Waits for the boot to finish; false when the
   * directory was refused (nothing changed) or carpd is stopping.
   */
  async reload(): Promise<boolean> {
    await this.booted;
    return this.serialize(async () => (await this.reloadNow()).length === 0);
  }

  /** The reload itself, run where requests are serialized; why it was refused, if it was. */
  private async reloadNow(): Promise<string[]> {
    if (this.stopping !== null) return ['carpd is stopping'];
    this.report.reloading();
    let refused: string[] | null = null;
    try {
      refused = await this.kernelWork.whileApplying(() => this.configDirectory.reload());
      return refused;
    } finally {
      this.report.reloaded(refused?.length === 0);
    }
  }

  /** A carpN.conf that waits for `name` applies now, after what the kernel event itself changed. */
  private carpdevMayHaveAppeared(name: string): void {
    if (!this.configDirectory.waitsFor(name)) return;
    this.serialize(() => this.configDirectory.linkAppeared(name)).catch((e: unknown) =>
      this.env.logger.error({ ifname: name, err: e }, `carpdev ${name}: cannot apply the files waiting for it: ${describeError(e)}`),
    );
  }

  /** Like the socket, before any device is touched: a port in use fails the start. */
  private async serveMetrics(address: ListenAddress): Promise<void> {
    const { host, env } = this;
    const sources = {
      counters: () => this.counters(),
      status: () => host.status(),
      demotion: () => Number(host.getSysctl('net.inet.carp.demotion')),
      loopLag: () => this.loopMonitor.loopLag,
    };
    try {
      this.metrics = await (env.serveMetrics ?? startMetricsServer)(address, () => daemonMetrics(sources));
    } catch (e: unknown) {
      await this.server?.close();
      throw new Error(`--metrics ${formatListenAddress(address)}: ${describeError(e)}`);
    }
    const url = `http://${formatListenAddress(this.metrics.address)}${METRICS_PATH}`;
    env.logger.info({ metrics: url }, `metrics on ${url}`);
  }

  /**
   * The daemon did not run on time (stopped, starved, blocked). Longer than a master-down interval:
   * what queued up on the carpdevs meanwhile is seconds old, answering it now helps nobody, and a
   * peer may be MASTER by now, so it is dropped unread and counted (`stale`). From a third of a
   * backup's master-down interval on, the core steps down and demotes (src/carp/loop-lag.ts). One
   * line says what happened and what was done about it.
   */
  private stalled(lagMs: Millis): void {
    const discarded = lagMs > shortestMasterDown(this.host) ? this.relay.discardQueued() : null;
    let taken: readonly Action[] = [];
    this.driver.run((now) => (taken = this.host.loopStalled(lagMs, now)));
    this.env.logger.warn({ lagMs: Math.round(lagMs), discarded }, describeStall(lagMs, discarded, taken));
  }

  /** carpN devices persist across restarts; those without a config file are kept unconfigured. */
  private async adoptLeftoverDevices(): Promise<void> {
    for (const link of this.env.mirror.links()) {
      if (!CARP_INTERFACE_NAME.test(link.name) || !(await this.env.isTapDevice(link.name))) continue;
      try {
        await this.service.adopt(link.name);
        this.env.logger.info({ ifname: link.name }, `${link.name}: re-attached to the device of an earlier run`);
      } catch (e: unknown) {
        this.env.logger.error({ ifname: link.name, err: e }, `${link.name}: cannot re-attach: ${describeError(e)}`);
      }
    }
  }
}

const WALL_CLOCK: Clock = { now: () => Date.now() };

/** How often the loop monitor checks the loop (loop-monitor.ts). */
const LOOP_CHECK_INTERVAL_MS = 250;

/** The shortest master-down interval of any configured virtual host: how long a stall may last. */
function shortestMasterDown(host: CarpHostApi): Millis {
  const style = host.getSysctl('net.inet.carp.masterdown') === 'openbsd' ? 'openbsd' : 'classic';
  let shortest = Number.POSITIVE_INFINITY;
  for (const iface of host.status().interfaces) {
    for (const node of iface.nodes) {
      // carpver 3: the master-down this node times out with, from the master's interval (RFC 5798 6.1).
      const own = node.vrrp === null ? masterDownInterval(style, iface.config.advbase, node.advskew) : vrrpMasterDownInterval(node.vrrp.priority, node.vrrp.masterInterval);
      shortest = Math.min(shortest, own);
    }
  }
  return shortest;
}

function addressesOf(mirror: KernelMirror, ifname: string): IpAddress[] {
  const link = mirror.linkByName(ifname);
  return link ? mirror.addressesOf(link.index).map((a) => a.prefix.address) : [];
}
