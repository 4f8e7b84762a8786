/**
 * What carpd does with carp interfaces: the operations behind the control socket and the boot
 * configuration, and the upkeep that keeps core, relay, TAP devices and kernel in agreement
 * (`sync`). The core decides; this class only carries its decisions into the kernel and the
 * relay, and refuses bad requests before anything changes.
 */
import { CarpError } from '../carp/errors';
import type { CarpHostApi, HostStatus, InterfaceStatus } from '../carp/types';
import type { ResolvedInterfaceSettings, SysctlAssignment } from '../config/settings';
import { type CarpdevStatsDto, type InterfaceStatusDto, type SysctlChange, interfaceStatusDto } from '../control/protocol';
import type { KernelControl, KernelMirror, LinkInfo } from '../kernel/types';
import type { Relay } from '../relay/relay';
import { type IpPrefix, type MacAddress, formatPrefix, virtualMac } from '../wire/address';
import type { CarpDevices } from './carp-devices';
import type { Clock } from './clock';
import type { Driver } from './driver';
import type { CarpdevRef, KernelWork } from './kernel-work';
import type { Logger } from './logger';
import { planSettings } from './settings-plan';

export interface CarpServiceDeps {
  readonly host: CarpHostApi;
  readonly driver: Driver;
  readonly devices: CarpDevices;
  readonly relay: Relay;
  readonly mirror: KernelMirror;
  readonly control: KernelControl;
  readonly kernelWork: KernelWork;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Frames of protocol 112 on a carpdev that were not well-formed IP (AdvertisementSink). */
  readonly malformedAdvertisements: (carpdev: string) => number;
}

export class CarpService {
  /**
   * The carp interfaces this daemon manages, each with its leader's virtual MAC (null before a
   * vhid is set). Kept here because it is read for every advertisement and every kernel event,
   * where a snapshot of the core's whole status would cost too much.
   */
  private readonly leaderMacs = new Map<string, MacAddress | null>();

  constructor(private readonly deps: CarpServiceDeps) {}

  // ---------------------------------------------------------------------------------------------
  // Operations (control socket, boot configuration). Each either completes or changes nothing.

  isCarpInterface(ifname: string): boolean {
    return this.leaderMacs.has(ifname);
  }

  names(): string[] {
    return [...this.leaderMacs.keys()];
  }

  /** `carpctl carpN create [settings]`: a new device; if the settings are refused, no device. */
  async create(ifname: string, settings: ResolvedInterfaceSettings): Promise<string[]> {
    await this.attach(ifname, 'create');
    try {
      return Object.keys(settings).length > 0 ? await this.configure(ifname, settings) : [];
    } catch (e: unknown) {
      await this.removeInterface(ifname, 'destroy');
      throw e;
    }
  }

  /** Re-attaches a carpN left by an earlier run, unconfigured; its addresses stay. */
  adopt(ifname: string): Promise<void> {
    return this.attach(ifname, 'adopt');
  }

  private async attach(ifname: string, how: 'create' | 'adopt'): Promise<void> {
    const { driver, host, devices, relay } = this.deps;
    driver.run((now) => host.createInterface(ifname, now));
    this.leaderMacs.set(ifname, null);
    try {
      this.logKernelChanges(ifname, how === 'create' ? await devices.create(ifname) : await devices.adopt(ifname));
    } catch (e: unknown) {
      this.leaderMacs.delete(ifname);
      driver.run((now) => host.destroyInterface(ifname, now));
      throw e;
    }
    const tap = devices.tap(ifname) as NonNullable<ReturnType<CarpDevices['tap']>>;
    relay.addCarpInterface(ifname, tap, { carpdev: null, mac: this.carpMac(ifname) ?? Buffer.alloc(6), addresses: [] });
    this.sync(ifname);
  }

  async destroy(ifname: string): Promise<void> {
    this.requireInterface(ifname);
    await this.removeInterface(ifname, 'destroy');
  }

  async configure(ifname: string, settings: ResolvedInterfaceSettings): Promise<string[]> {
    const { driver, host, control } = this.deps;
    const current = this.requireInterface(ifname);
    const plan = planSettings(ifname, current.config, settings);
    const warnings = [...plan.warnings];
    if (typeof plan.change.carpdev === 'string') this.checkCarpdev(plan.change.carpdev);
    if (plan.state !== undefined) {
      const state = plan.state;
      driver.run((now) => host.forceState(ifname, state, now));
    }
    if (Object.keys(plan.change).length > 0) driver.run((now) => host.configure(ifname, plan.change, now));
    if (plan.up === false) driver.run((now) => host.setAdminUp(ifname, false, now));
    if (plan.up !== undefined) await control.setLinkUp(ifname, plan.up);
    this.sync(ifname);
    this.deps.logger.info({ ifname, settings: describeSettings(settings) }, `${ifname}: configured`);
    return warnings;
  }

  /** Boot configuration: `inet`/`inet6` lines are added when missing; other addresses stay. */
  async ensureAddresses(ifname: string, prefixes: readonly IpPrefix[]): Promise<void> {
    const link = this.deps.mirror.linkByName(ifname);
    if (!link) return;
    const present = new Set(this.deps.mirror.addressesOf(link.index).map((a) => formatPrefix(a.prefix)));
    for (const prefix of prefixes) {
      if (!present.has(formatPrefix(prefix))) await this.deps.control.addAddress(ifname, prefix);
    }
  }

  show(ifname: string | null): InterfaceStatusDto[] {
    if (ifname !== null) this.requireInterface(ifname);
    const status = this.deps.host.status();
    const now = this.deps.clock.now();
    return status.interfaces
      .filter((i) => ifname === null || i.name === ifname)
      .map((iface) => {
        const link = this.deps.mirror.linkByName(iface.name);
        const carpdev = iface.config.carpdev;
        return interfaceStatusDto({
          status: iface,
          now,
          mac: link?.mac ?? null,
          mtu: link?.mtu ?? 0,
          addresses: link ? this.deps.mirror.addressesOf(link.index).map((a) => a.prefix) : [],
          carpdevStats: this.carpdevStats(carpdev, status),
          dataPlane: this.deps.relay.counters(iface.name),
        });
      });
  }

  groupDemote(group: string, delta: number): void {
    this.deps.driver.run((now) => this.deps.host.adjustGroupDemotion(group, delta, now));
  }

  groupShow(group: string): { group: string; demote: number } {
    const found = this.deps.host.status().groups.find((g) => g.name === group);
    if (!found) {
      const existing = this.deps.host.status().groups.map((g) => g.name);
      throw new CarpError('bad-value', `no interface group "${group}": existing groups are ${existing.join(', ')}`);
    }
    return { group, demote: found.demote };
  }

  sysctlGet(names: readonly string[]): (readonly [string, string])[] {
    if (names.length === 0) return [...this.deps.host.listSysctls()];
    return names.map((name) => [name, this.deps.host.getSysctl(name)] as const);
  }

  sysctlSet(assignments: readonly SysctlAssignment[]): SysctlChange[] {
    const { host, driver } = this.deps;
    const before = assignments.map((a) => host.getSysctl(a.name));
    driver.run((now) => host.setSysctls(assignments, now));
    return assignments.map((a, i) => ({ name: a.name, from: before[i] as string, to: host.getSysctl(a.name) }));
  }

  // ---------------------------------------------------------------------------------------------
  // Upkeep.

  /**
   * Brings core, relay, TAP and kernel in line with the kernel's view of carpN (up state,
   * addresses) and the core's configuration (MAC, carpdev). Idempotent; called after every change.
   */
  sync(ifname: string): void {
    const { host, driver, mirror, relay, devices } = this.deps;
    const link = mirror.linkByName(ifname);
    if (!link || !this.isCarpInterface(ifname)) return;
    const prefixes = mirror.addressesOf(link.index).map((a) => a.prefix);
    const addresses = prefixes.map((p) => p.address);
    driver.run((now) => [...host.setAdminUp(ifname, link.adminUp, now), ...host.setAddresses(ifname, addresses, now)]);
    const status = this.requireInterface(ifname);
    const leader = status.config.nodes[0];
    this.leaderMacs.set(ifname, leader ? virtualMac(leader.vhid) : null);
    const mac = this.carpMac(ifname);
    if (mac && !link.mac?.equals(mac)) devices.setMac(ifname, mac);
    const carpdev = this.usableCarpdev(status.config.carpdev);
    try {
      relay.reshape(ifname, { carpdev: carpdev?.name ?? null, mac: mac ?? link.mac ?? Buffer.alloc(6), addresses });
    } catch (e: unknown) {
      this.deps.logger.error({ ifname, carpdev: carpdev?.name, err: e }, `${ifname}: cannot attach to carpdev ${carpdev?.name}`);
    }
    this.deps.kernelWork.interfaceChanged(ifname, carpdev, link.adminUp ? prefixes : null);
  }

  /** carpN's MAC: the leader's virtual MAC (carp-protocol.md 1.6), or the kernel's before a vhid. */
  carpMac(ifname: string): MacAddress | null {
    return this.leaderMacs.get(ifname) ?? this.deps.mirror.linkByName(ifname)?.mac ?? null;
  }

  /**
   * Takes carpN out of everything: core (bow-out if MASTER), relay, device, routing. `vanished`:
   * someone deleted the device; only our fd is left to close.
   */
  async removeInterface(ifname: string, how: 'destroy' | 'vanished'): Promise<void> {
    const { host, driver, relay, devices } = this.deps;
    if (this.isCarpInterface(ifname)) driver.run((now) => host.destroyInterface(ifname, now));
    this.leaderMacs.delete(ifname);
    relay.removeCarpInterface(ifname);
    if (how === 'destroy') devices.destroy(ifname);
    else devices.forget(ifname);
    await this.deps.kernelWork.interfaceRemoved(ifname);
  }

  private carpdevStats(carpdev: string | null, status: HostStatus): CarpdevStatsDto | null {
    const stats = status.carpdevs.find((d) => d.name === carpdev)?.stats;
    if (carpdev === null || stats === undefined) return null;
    return { ...stats, malformed: this.deps.malformedAdvertisements(carpdev) };
  }

  private status(ifname: string): InterfaceStatus | undefined {
    return this.deps.host.status().interfaces.find((i) => i.name === ifname);
  }

  private requireInterface(ifname: string): InterfaceStatus {
    const status = this.status(ifname);
    if (!status) {
      throw new CarpError('no-such-interface', `${ifname}: no such interface (create it with "carpctl ${ifname} create")`);
    }
    return status;
  }

  /** A carpdev that exists and can carry Ethernet frames, or null (carpN stays INIT). */
  private usableCarpdev(name: string | null): CarpdevRef | null {
    if (name === null) return null;
    const link = this.deps.mirror.linkByName(name);
    return link && isEthernet(link) ? { name, index: link.index } : null;
  }

  /** The carp interfaces attached to `carpdev`. */
  usersOf(carpdev: string): string[] {
    return this.deps.host
      .status()
      .interfaces.filter((i) => i.config.carpdev === carpdev)
      .map((i) => i.name);
  }

  /**
   * OpenBSD's carp_set_ifp: the carpdev must exist and be Ethernet. (A missing carpdev would also
   * count as a carpdev that is down, and demote every carp interface of the host.)
   */
  private checkCarpdev(name: string): void {
    if (this.isCarpInterface(name)) throw new CarpError('bad-value', `carpdev ${name} is a carp interface`);
    const link = this.deps.mirror.linkByName(name);
    if (!link) throw new CarpError('bad-value', `carpdev ${name}: no such interface`);
    if (!isEthernet(link)) throw new CarpError('bad-value', `carpdev ${name} is not an Ethernet interface`);
    this.deps.relay.checkCarpdev(name);
  }

  private logKernelChanges(ifname: string, changes: readonly string[]): void {
    for (const change of changes) this.deps.logger.info({ ifname }, `${ifname}: ${change}`);
  }
}

function isEthernet(link: LinkInfo): boolean {
  return link.mac !== null;
}

/** The words of a configure request for the log, with the passphrase left out. */
function describeSettings(settings: ResolvedInterfaceSettings): Record<string, unknown> {
  const { pass, ...rest } = settings;
  return pass === undefined ? rest : { ...rest, pass: pass.kind === 'none' ? '-pass' : 'set' };
}
