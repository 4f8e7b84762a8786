/**
 * The operations behind the control socket and the boot configuration. Each one either completes
 * or changes nothing: requests are planned (configuration-plan.ts) and refused before anything is
 * applied, and a plan is applied in one pass over the core, then the kernel, then one upkeep.
 */
import { CarpError } from '../carp/errors';
import type { Action, CarpHostApi, Millis } from '../carp/types';
import type { ResolvedInterfaceSettings, SysctlAssignment } from '../config/settings';
import {
  type CarpdevCountersDto,
  type CarpdevStatsDto,
  type InterfaceStatusDto,
  type SysctlChange,
  interfaceStatusDto,
} from '../control/protocol';
import { KernelError } from '../kernel/errors';
import type { KernelControl, KernelMirror } from '../kernel/types';
import { zeroCarpdevCounters } from '../relay/counters';
import { type IpPrefix, formatPrefix } from '../wire/address';
import type { CarpInterfaces } from './carp-interfaces';
import type { Clock } from './clock';
import { type PlannedChange, planChanges, wantedFromSettings } from './configuration-plan';
import type { DaemonCounters } from './counters';
import type { Driver } from './driver';
import type { Logger } from './logger';

export interface CarpServiceDeps {
  readonly host: CarpHostApi;
  readonly driver: Driver;
  readonly interfaces: CarpInterfaces;
  readonly mirror: KernelMirror;
  readonly control: KernelControl;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: () => DaemonCounters;
}

export class CarpService {
  constructor(private readonly deps: CarpServiceDeps) {}

  isCarpInterface(ifname: string): boolean {
    return this.deps.interfaces.has(ifname);
  }

  names(): string[] {
    return this.deps.interfaces.names();
  }

  /** `carpctl carpN create [settings]`: a new device; if the settings are refused, no device. */
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

  async configure(ifname: string, settings: ResolvedInterfaceSettings): Promise<string[]> {
    const running = this.deps.interfaces.status(ifname);
    const { wanted, warnings } = wantedFromSettings(ifname, running.config, settings);
    await this.apply(ifname, planChanges(running, wanted));
    this.deps.logger.info({ ifname, settings: describeSettings(settings) }, `${ifname}: configured`);
    return warnings;
  }

  /**
   * Boot configuration: `inet`/`inet6` lines are added when missing; other addresses stay. The
   * mirror may not have heard of a device created a moment ago (its netlink events arrive on their
   * own socket), so an address the kernel already has is taken as present, not as an error.
   */
  async ensureAddresses(ifname: string, prefixes: readonly IpPrefix[]): Promise<void> {
    const link = this.deps.mirror.linkByName(ifname);
    const present = new Set(link ? this.deps.mirror.addressesOf(link.index).map((a) => formatPrefix(a.prefix)) : []);
    for (const prefix of prefixes) {
      if (present.has(formatPrefix(prefix))) continue;
      try {
        await this.deps.control.addAddress(ifname, prefix);
      } catch (e: unknown) {
        if (!(e instanceof KernelError && e.code === 'EEXIST')) throw e;
      }
    }
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
        }),
      ];
    });
  }

  counters(): DaemonCounters {
    return this.deps.counters();
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
   * The core changes in one run (the core validates a configuration as a whole before it changes
   * anything, so a refusal leaves everything as it was), then the kernel's up/down, then upkeep.
   */
  private async apply(ifname: string, plan: readonly PlannedChange[]): Promise<void> {
    const { driver, host, control, interfaces } = this.deps;
    for (const change of plan) {
      if (change.kind === 'configure' && typeof change.change.carpdev === 'string') interfaces.checkCarpdev(change.change.carpdev);
    }
    driver.run((now) => plan.flatMap((change) => applyToCore(host, ifname, change, now)));
    for (const change of plan) {
      if (change.kind === 'admin') await control.setLinkUp(ifname, change.up);
    }
    interfaces.sync(ifname);
  }
}

function applyToCore(host: CarpHostApi, ifname: string, change: PlannedChange, now: Millis): Action[] {
  switch (change.kind) {
    case 'force-state':
      return host.forceState(ifname, change.state, now);
    case 'configure':
      return host.configure(ifname, change.change, now);
    case 'admin':
      // Down at once (a MASTER bows out now); up when the kernel reports it, with the addresses.
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
