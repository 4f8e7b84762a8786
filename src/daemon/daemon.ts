/**
 * carpd's composition root (architecture.md property 7): every collaborator — native binding,
 * kernel mirror and control, clock, logger, randomness — comes in through DaemonEnvironment, so
 * the same daemon runs on the real kernel and, in tests, on fakes.
 */
import { readFileSync } from 'node:fs';
import { CarpHost } from '../carp/host';
import { CARP_INTERFACE_NAME } from '../carp/limits';
import type { RandomSource } from '../carp/types';
import { controlSocketPath } from '../control/paths';
import { type ControlServer, startControlServer } from '../control/transport';
import type { KernelControl, KernelMirror } from '../kernel/types';
import type { NativeBinding } from '../native/types';
import { Relay } from '../relay/relay';
import type { IpAddress } from '../wire/address';
import { AdvertisementSink } from './advertisement-sink';
import { applyBootConfiguration } from './boot-config';
import { CarpDevices, type PrepareCarpInterface, isTapDevice } from './carp-devices';
import { CarpEventLog, describeError } from './carp-event-log';
import { CarpService } from './carp-service';
import type { Clock } from './clock';
import { createControlHandler, createSerializer } from './control-handler';
import { Driver } from './driver';
import { ActionExecutor } from './executor';
import { KernelEventHandler } from './kernel-events';
import { KernelWork, type KernelWorkTasks } from './kernel-work';
import type { Logger } from './logger';
import type { DaemonOptions } from './options';

export interface DaemonEnvironment {
  readonly binding: NativeBinding;
  readonly mirror: KernelMirror;
  readonly control: KernelControl;
  readonly kernelTasks: KernelWorkTasks;
  readonly prepareCarpInterface: PrepareCarpInterface;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: RandomSource;
}

export class Daemon {
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly env: DaemonEnvironment,
    private readonly host: CarpHost,
    private readonly driver: Driver,
    private readonly service: CarpService,
    private readonly devices: CarpDevices,
    private readonly relay: Relay,
    private readonly kernelWork: KernelWork,
    private readonly serialize: <T>(work: () => Promise<T>) => Promise<T>,
    private server: ControlServer | null = null,
  ) {}

  static async start(options: DaemonOptions, env: DaemonEnvironment): Promise<Daemon> {
    const { logger, clock, mirror } = env;
    const host = new CarpHost(env.random ? { random: env.random } : {});
    const events = new CarpEventLog(logger, () => Number(host.getSysctl('net.inet.carp.log')), () => clock.now());
    let service: CarpService | null = null;
    const execute = (action: Parameters<ActionExecutor['execute']>[0]): void => executor.execute(action);
    const driver = new Driver(host, clock, execute);
    const sink = new AdvertisementSink(host, driver, logger);
    const relay = new Relay(env.binding, sink, true);
    const devices = new CarpDevices(env.binding, env.control, env.prepareCarpInterface);
    const executor = new ActionExecutor({
      carpMac: (ifname) => service?.carpMac(ifname) ?? null,
      carpAddresses: (ifname) => addressesOf(mirror, ifname),
      carpdevAddresses: (carpdev) => addressesOf(mirror, carpdev),
      sendFrames: (carpdev, frames) => void relay.sendOwnFrames(carpdev, frames),
      setLinkState: (ifname, up) => {
        devices.setCarrier(ifname, up);
        relay.setForwarding(ifname, up);
      },
      reportSend: (ifname, vhid, ok) => {
        if (service?.isCarpInterface(ifname)) driver.run((now) => host.sendResult(ifname, vhid, ok, now));
      },
      dscp: () => Number(host.getSysctl('net.inet.carp.dscp')),
      ipv6Forwarding: () => readFlag('/proc/sys/net/ipv6/conf/all/forwarding'),
      events,
      failure: (message, error) => logger.error({ err: error }, `${message}: ${describeError(error)}`),
    });
    const kernelWork = new KernelWork(env.kernelTasks, logger);
    service = new CarpService({
      host,
      driver,
      devices,
      relay,
      mirror,
      control: env.control,
      kernelWork,
      clock,
      logger,
      malformedAdvertisements: (carpdev) => sink.malformed.get(carpdev) ?? 0,
    });
    const kernelEvents = new KernelEventHandler(service, host, driver, relay, mirror, logger);
    const daemon = new Daemon(env, host, driver, service, devices, relay, kernelWork, createSerializer());

    // The socket first: a second carpd must fail before it touches any device. Requests wait
    // until the boot configuration has been applied.
    const socket = controlSocketPath(options.socket ?? undefined);
    let booted!: () => void;
    const ready = new Promise<void>((done) => (booted = done));
    const handler = createControlHandler(daemon.service, daemon.serialize);
    daemon.server = await startControlServer(socket, (request) => ready.then(() => handler(request)));
    mirror.onEvent((event) => kernelEvents.handle(event));
    await mirror.start();
    kernelEvents.reportAllLinks();
    await daemon.serialize(async () => {
      await daemon.adoptLeftoverDevices();
      await applyBootConfiguration(options.configDir, daemon.service, (name, value) => host.checkSysctl(name, value), logger);
    });
    booted();
    logger.info({ socket, interfaces: daemon.service.names() }, `carpd ready on ${socket}`);
    return daemon;
  }

  /** Orderly stop: masters bow out, carriers go off, and the devices stay with their addresses. */
  stop(): Promise<void> {
    this.stopping ??= this.serialize(async () => {
      this.driver.run((now) => this.host.shutdown(now));
      this.driver.stop();
      this.devices.closeAll();
      this.relay.close();
      await this.server?.close();
      this.env.mirror.close();
      await this.kernelWork.idle();
      this.env.logger.info('carpd stopped');
    });
    return this.stopping;
  }

  /** carpN devices persist across restarts; those without a config file are kept unconfigured. */
  private async adoptLeftoverDevices(): Promise<void> {
    for (const link of this.env.mirror.links()) {
      if (!CARP_INTERFACE_NAME.test(link.name) || !(await isTapDevice(link.name))) continue;
      try {
        await this.service.adopt(link.name);
        this.env.logger.info({ ifname: link.name }, `${link.name}: re-attached to the device of an earlier run`);
      } catch (e: unknown) {
        this.env.logger.error({ ifname: link.name, err: e }, `${link.name}: cannot re-attach: ${describeError(e)}`);
      }
    }
  }
}

function addressesOf(mirror: KernelMirror, ifname: string): IpAddress[] {
  const link = mirror.linkByName(ifname);
  return link ? mirror.addressesOf(link.index).map((a) => a.prefix.address) : [];
}

function readFlag(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
