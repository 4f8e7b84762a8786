/**
 * The operations behind the control socket and the boot configuration. Each one either completes
 * or changes nothing: requests are planned (configuration-plan.ts) and refused before anything is
 * applied, and a plan is applied in one pass over the core, then the kernel, then one upkeep.
 */
import { CarpError } from '../carp/errors';
import { ConfigError } from '../config/grammar';
import type { Action, CarpHostApi, Millis } from '../carp/types';
import type { ResolvedInterfaceSettings, SysctlAssignment } from '../config/settings';
import {
  type CarpdevCountersDto,
  type CarpdevStatsDto,
  type EventStream,
  type ExplanationDto,
  type InterfaceStatusDto,
  type MaintenanceDto,
  type SysctlChange,
  interfaceStatusDto,
  maintenanceDto,
} from '../control/protocol';
import { KernelError } from '../kernel/errors';
import type { KernelControl, KernelMirror } from '../kernel/types';
import { zeroCarpdevCounters } from '../relay/counters';
import { type IpPrefix, formatPrefix } from '../wire/address';
import type { CarpInterfaces } from './carp-interfaces';
import type { Clock } from './clock';
import { type AddressChange, planAddress } from './address-plan';
import { type PlannedChange, checkWanted, planChanges, wantedFromSettings } from './configuration-plan';
import type { DaemonCounters } from './counters';
import { describeError } from './describe-error';
import type { Driver } from './driver';
import type { EventFeed } from './event-feed';
import { explainInterface } from './explain';
import type { Logger } from './logger';
import type { MaintenanceStore } from './maintenance-store';

export interface CarpServiceDeps {
  readonly host: CarpHostApi;
  readonly driver: Driver;
  readonly interfaces: CarpInterfaces;
  readonly mirror: KernelMirror;
  readonly control: KernelControl;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: () => DaemonCounters;
  readonly feed: EventFeed;
  readonly maintenance: MaintenanceStore;
  /** The carpdev a carpN.conf waits for (config-directory.ts), shown in the status. */
  readonly waitingForCarpdev?: (ifname: string) => string | null;
  /** Reloads the configuration directory (Daemon); why it was refused, empty when applied. */
  readonly reloadConfiguration?: () => Promise<readonly string[]>;
}

export class CarpService {
  constructor(private readonly deps: CarpServiceDeps) {}

  isCarpInterface(ifname: string): boolean {
    return this.deps.interfaces.has(ifname);
  }

  names(): string[] {
    return this.deps.interfaces.names();
  }

  /**
   * `carpctl carpN create [settings]`, and `carpctl carpN settings` on a carpN that does not exist:
   * a new device; if the settings are refused, no device.
   */
  async create(ifname: string, settings: ResolvedInterfaceSettings): Promise<string[]> {
    await this.deps.interfaces.attach(ifname, 'create');
    try {
      return Object.keys(settings).length > 0 ? await this.configure(ifname, settings) : [];
    } catch (e: unknown) {
      await this.deps.interfaces.remove(ifname, 'destroy');
      throw e;
    }
  }

  /** Re-attaches a carpN left by an earlier run, unconfigured; its addresses stay. */
  adopt(ifname: string): Promise<void> {
    return this.deps.interfaces.attach(ifname, 'adopt');
  }

  async destroy(ifname: string): Promise<void> {
    this.deps.interfaces.status(ifname);
    await this.deps.interfaces.remove(ifname, 'destroy');
  }

  /**
   * Every check first (the words, the addresses, the carpdev by subnet, the core's own), then the
   * kernel's address changes, then the core and the kernel's up/down. OpenBSD's ifconfig creates a
   * cloned interface on first use: so does a configure of a carpN that does not exist.
   */
  async configure(ifname: string, settings: ResolvedInterfaceSettings): Promise<string[]> {
    const { interfaces, host } = this.deps;
    if (!interfaces.has(ifname)) return this.create(ifname, settings);
    const running = interfaces.status(ifname);
    const present = interfaces.prefixesOf(ifname);
    const addresses = planAddress(ifname, present, settings.address);
    const changed = addresses.changes.length > 0;
    const carpdev = interfaces.carpdevs.plan(ifname, running.config.carpdev, settings.carpdev, { expected: addresses.expected, changed });
    const resolved = carpdev.setting === undefined ? settings : { ...settings, carpdev: carpdev.setting };
    const { wanted, warnings } = wantedFromSettings(ifname, running.config, resolved);
    const others = host.status().interfaces;
    checkWanted(ifname, wanted.config, others);
    checkWanted(ifname, { ...wanted.config, carpdev: carpdev.predicted }, others);
    if (typeof settings.carpdev === 'string' && settings.carpdev !== running.config.carpdev) interfaces.checkCarpdev(settings.carpdev);
    await this.changeAddresses(ifname, addresses.changes);
    interfaces.carpdevs.commit(ifname, settings.carpdev, carpdev);
    await this.apply(ifname, planChanges(running, wanted), changed);
    this.deps.logger.info({ ifname, settings: describeSettings(settings) }, `${ifname}: configured`);
    return [...carpdev.warnings, ...warnings];
  }

  /**
   * Boot configuration: the addresses of the file are added when missing; other addresses stay.
   * Refused, as a command is, when they would match two interfaces by subnet while the carpdev is
   * chosen so. The mirror may not have heard of a device created a moment ago (its netlink events
   * arrive on their own socket), so an address the kernel already has is taken as present.
   */
  async ensureAddresses(ifname: string, prefixes: readonly IpPrefix[]): Promise<void> {
    const { interfaces } = this.deps;
    const present = interfaces.prefixesOf(ifname);
    const known = new Set(present.map(formatPrefix));
    const missing = prefixes.filter((p) => !known.has(formatPrefix(p)));
    const current = interfaces.status(ifname).config.carpdev;
    interfaces.carpdevs.plan(ifname, current, undefined, { expected: [...present, ...missing], changed: missing.length > 0 });
    await this.changeAddresses(ifname, missing.map((prefix) => ({ kind: 'add', prefix })));
  }

  /** `carpctl reload`: as SIGHUP; a refused directory is an error naming each file's reason. */
  async reload(): Promise<void> {
    const refused = (await this.deps.reloadConfiguration?.()) ?? ['this carpd has no configuration directory to reload'];
    if (refused.length > 0) throw new ConfigError('bad-file', `reload refused, nothing was changed: ${refused.join('; ')}`);
  }

  /** Reload: the addresses taken out of a file go, those carpN still has. */
  async removeAddresses(ifname: string, prefixes: readonly IpPrefix[]): Promise<void> {
    const present = new Set(this.deps.interfaces.prefixesOf(ifname).map(formatPrefix));
    const gone = prefixes.filter((p) => present.has(formatPrefix(p)));
    await this.changeAddresses(ifname, gone.map((prefix) => ({ kind: 'remove', prefix })));
  }

  show(ifname: string | null): InterfaceStatusDto[] {
    const names = ifname === null ? this.names() : [this.deps.interfaces.status(ifname).name];
    const counters = this.deps.counters();
    const now = this.deps.clock.now();
    return names.flatMap((name) => {
      const status = this.deps.host.interfaceStatus(name);
      if (status === undefined) return [];
      const link = this.deps.mirror.linkByName(name);
      const carpdev = counters.carpdevs.find((d) => d.name === status.config.carpdev);
      return [
        interfaceStatusDto({
          status,
          now,
          mac: link?.mac ?? null,
          mtu: link?.mtu ?? 0,
          addresses: link ? this.deps.mirror.addressesOf(link.index).map((a) => a.prefix) : [],
          carpdevStats: carpdev === undefined ? null : carpdevStatsDto(carpdev),
          dataPlane: counters.interfaces.find((i) => i.name === name)?.dataPlane ?? null,
          waitingForCarpdev: this.deps.waitingForCarpdev?.(name) ?? null,
        }),
      ];
    });
  }

  counters(): DaemonCounters {
    return this.deps.counters();
  }

  /** `carpctl monitor`: every later state and demotion change goes to `stream`. */
  monitor(stream: EventStream): void {
    this.deps.feed.subscribe(stream);
  }

  /** `carpctl carpN explain`. */
  explain(ifname: string): ExplanationDto {
    const status = this.deps.interfaces.status(ifname);
    return explainInterface(status, this.deps.clock.now(), this.deps.host.getSysctl('net.inet.carp.preempt') === '1');
  }

  groupDemote(group: string, delta: number): void {
    this.deps.driver.run((now) => this.deps.host.adjustGroupDemotion(group, delta, now));
  }

  groupShow(group: string): { group: string; demote: number } {
    const groups = this.deps.host.status().groups;
    const found = groups.find((g) => g.name === group);
    if (!found) {
      throw new CarpError('bad-value', `no interface group "${group}": existing groups are ${groups.map((g) => g.name).join(', ')}`);
    }
    return { group, demote: found.demote };
  }

  maintenance(): MaintenanceDto {
    return maintenanceDto(this.deps.host.status().maintenance);
  }

  /** The file first: when it cannot be written the command fails and nothing changes. */
  setMaintenance(on: boolean): MaintenanceDto {
    const { host, driver, logger, maintenance } = this.deps;
    const was = host.status().maintenance;
    maintenance.save(on);
    driver.run((now) => host.setMaintenance(on, now));
    const dto = this.maintenance();
    if (was !== on) {
      const what = on
        ? `on: every carp interface is demoted by ${dto.demotion}, so peers take over its MASTER roles`
        : 'off: the demotion is taken back';
      logger.warn({ maintenance: on, file: maintenance.path }, `maintenance mode ${what} (kept in ${maintenance.path})`);
    }
    return dto;
  }

  /**
   * At start, before any interface is configured, so that a host in maintenance never shows a
   * peer an undemoted advertisement. An unusable file counts as on (maintenance-store.ts).
   */
  restoreMaintenance(): void {
    const { host, driver, logger, maintenance } = this.deps;
    const saved = maintenance.load();
    if (saved.problem !== null) {
      logger.error(
        { file: maintenance.path },
        `${maintenance.path} ${saved.problem}: carpd starts in maintenance mode to be safe; carpctl maintenance on|off sets it and rewrites the file`,
      );
    }
    if (!saved.on) return;
    driver.run((now) => host.setMaintenance(true, now));
    logger.warn({ maintenance: true, file: maintenance.path }, `maintenance mode is on (${maintenance.path}): every carp interface is demoted by ${this.maintenance().demotion}`);
  }

  sysctlGet(names: readonly string[]): (readonly [string, string])[] {
    if (names.length === 0) return [...this.deps.host.listSysctls()];
    return names.map((name) => [name, this.deps.host.getSysctl(name)] as const);
  }

  sysctlSet(assignments: readonly SysctlAssignment[]): SysctlChange[] {
    const { host, driver } = this.deps;
    const before = assignments.map((a) => host.getSysctl(a.name));
    driver.run((now) => host.setSysctls(assignments, now));
    this.deps.interfaces.applySysctls();
    return assignments.map((a, i) => ({ name: a.name, from: before[i] as string, to: host.getSysctl(a.name) }));
  }

  /**
   * The kernel's address changes, one by one as `ip addr` makes them (IPv6 without duplicate
   * address detection, see KernelControl); if one fails, those made are undone.
   */
  private async changeAddresses(ifname: string, changes: readonly AddressChange[]): Promise<void> {
    const made: AddressChange[] = [];
    try {
      for (const change of changes) if (await this.changeAddress(ifname, change)) made.push(change);
    } catch (e: unknown) {
      for (const change of made.reverse()) {
        const undo: AddressChange = { kind: change.kind === 'add' ? 'remove' : 'add', prefix: change.prefix };
        await this.changeAddress(ifname, undo).catch((failed: unknown) =>
          this.deps.logger.error({ ifname, err: failed }, `${ifname}: cannot undo a change of ${formatPrefix(change.prefix)}: ${describeError(failed)}`),
        );
      }
      throw e;
    }
  }

  /** False when the kernel had it so already: the mirror had not heard of that yet. */
  private async changeAddress(ifname: string, change: AddressChange): Promise<boolean> {
    const { control, logger } = this.deps;
    try {
      if (change.kind === 'add') await control.addAddress(ifname, change.prefix);
      else await control.removeAddress(ifname, change.prefix);
    } catch (e: unknown) {
      if (e instanceof KernelError && e.code === (change.kind === 'add' ? 'EEXIST' : 'EADDRNOTAVAIL')) return false;
      throw e;
    }
    logger.info({ ifname }, `${ifname}: ${change.kind === 'add' ? 'added' : 'removed'} ${formatPrefix(change.prefix)}`);
    return true;
  }

  /**
   * The core changes in one run (checked as a whole beforehand, and again by the core, so a
   * refusal leaves everything as it was), then the kernel's up/down, then upkeep.
   */
  private async apply(ifname: string, plan: readonly PlannedChange[], addressesPending: boolean): Promise<void> {
    const { driver, host, control, interfaces } = this.deps;
    const admin = plan.find((change) => change.kind === 'admin');
    if (admin !== undefined) interfaces.expectAdmin(ifname, admin.up);
    driver.run((now) => plan.flatMap((change) => applyToCore(host, ifname, change, now)));
    if (admin !== undefined) {
      try {
        await control.setLinkUp(ifname, admin.up);
      } catch (e: unknown) {
        interfaces.expectAdmin(ifname, undefined);
        throw e;
      }
    }
    interfaces.sync(ifname, addressesPending);
  }
}

function applyToCore(host: CarpHostApi, ifname: string, change: PlannedChange, now: Millis): Action[] {
  switch (change.kind) {
    case 'force-state':
      return host.forceState(ifname, change.state, now);
    case 'configure':
      return host.configure(ifname, change.change, now);
    case 'admin':
      // Down at once (a MASTER bows out now); up once the kernel has acknowledged it (upkeep).
      return change.up ? [] : host.setAdminUp(ifname, false, now);
  }
}

/** A carpdev's counters for the status of a carp interface on it: the core's and the relay's. */
function carpdevStatsDto(carpdev: CarpdevCountersDto): CarpdevStatsDto {
  const { malformed, unclaimed, stale } = carpdev.dataPlane ?? zeroCarpdevCounters();
  return { ...carpdev.protocol, malformed, unclaimed, stale };
}

/** The words of a configure request for the log, with the passphrase left out. */
function describeSettings(settings: ResolvedInterfaceSettings): Record<string, unknown> {
  const { pass, ...rest } = settings;
  return pass === undefined ? rest : { ...rest, pass: pass.kind === 'none' ? '-pass' : 'set' };
}
