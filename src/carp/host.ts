/**
 * CarpHost: every carp interface of one machine, its interface groups, the net.inet.carp sysctls
 * and the link state of the carpdevs; pure and sans-I/O. Every mutating call takes the current
 * monotonic time and returns the actions the driver must carry out, in order. Time and randomness
 * come in from outside: `now` arguments, and the injected RandomSource for the cookies.
 *
 * Each call makes its own change, then ends with the same settle pass (settle.ts).
 */
import { randomBytes } from 'node:crypto';
import type { IpAddress } from '../wire/address';
import { CarpInterface, type RunEnvironment } from './carp-interface';
import { DemotionCounters } from './demotion';
import { countSendResult, releaseInterfaceDemotion } from './demotion-sync';
import { CarpError } from './errors';
import { screenAdvertisement, type ReceiveEnvironment } from './receive';
import { type ReconfigureContext, applyAddresses, applyConfig } from './reconfigure';
import { advertiseDemotionChanges, settle, type SettleContext, snapshotDemotion } from './settle';
import {
  type Environment,
  type Step,
  applyAdvertisement,
  becomeMaster,
  fireTimer,
  nodeEffectiveAdvskew,
  setState,
  stopNode,
} from './state-machine';
import { zeroCarpdevStats } from './stats';
import {
  DEFAULT_SYSCTLS,
  DEMOTION_SYSCTL,
  DEMOTION_TOTAL_LIMIT,
  type SysctlSettings,
  listSysctls,
  parseSysctlWrite,
  readSysctl,
} from './sysctl';
import type {
  Action,
  CarpHostApi,
  CarpInterfaceChange,
  CarpState,
  CarpdevStats,
  HostStatus,
  Millis,
  RandomSource,
  ReceivedAdvertisement,
} from './types';
import { TRANSITION_REASONS } from './types';
import { checkAddresses, checkCarpdevName, checkInterfaceName, checkVhidsFree, validateConfig } from './validate';
import type { TimerKind, VirtualHost } from './virtual-host';

export interface CarpHostOptions {
  /** Where the 8-byte replay cookies come from; crypto.randomBytes by default. */
  readonly random?: RandomSource;
}

const CRYPTO_RANDOM: RandomSource = { bytes: (count) => randomBytes(count) };

interface DueTimer {
  readonly iface: CarpInterface;
  readonly node: VirtualHost;
  readonly kind: TimerKind;
  readonly at: Millis;
}

export class CarpHost implements CarpHostApi {
  /** In creation order, which is also the order of timers due at the same time. */
  private readonly interfaces = new Map<string, CarpInterface>();
  private readonly carpdevRunning = new Map<string, boolean>();
  private readonly carpdevStats = new Map<string, CarpdevStats>();
  private readonly demotion = new DemotionCounters();
  private settings: SysctlSettings = DEFAULT_SYSCTLS;
  private shutDown = false;
  private readonly random: RandomSource;

  constructor(options: CarpHostOptions = {}) {
    this.random = options.random ?? CRYPTO_RANDOM;
  }

  createInterface(name: string, now: Millis): Action[] {
    checkInterfaceName(name);
    if (this.interfaces.has(name)) throw new CarpError('interface-exists', `${name} already exists`);
    return this.operate(now, () => {
      this.interfaces.set(name, new CarpInterface(name));
    });
  }

  destroyInterface(name: string, now: Millis): Action[] {
    const iface = this.interface(name);
    return this.operate(now, (step) => {
      for (const node of iface.nodes) stopNode(this.env, step, iface, node, 'unconfigured', true);
      releaseInterfaceDemotion(this.context, step, iface);
      this.interfaces.delete(name);
      for (const group of iface.groups) {
        if (!this.groupInUse(group, iface)) this.demotion.deleteGroup(group);
      }
    });
  }

  configure(name: string, change: CarpInterfaceChange, now: Millis): Action[] {
    const iface = this.interface(name);
    const current = iface.config();
    const next = validateConfig({
      carpdev: change.carpdev === undefined ? current.carpdev : change.carpdev,
      advbase: change.advbase ?? current.advbase,
      key: change.key ?? current.key,
      nodes: change.nodes ?? current.nodes,
      groups: change.groups ?? current.groups,
    });
    checkVhidsFree(name, next, this.vhidOwners());
    return this.operate(now, (step) => {
      applyConfig(this.context, step, iface, next);
      this.touchCarpdev(next.carpdev);
    });
  }

  setAddresses(name: string, addresses: readonly IpAddress[], now: Millis): Action[] {
    const iface = this.interface(name);
    checkAddresses(addresses);
    return this.operate(now, (step) => applyAddresses(this.context, step, iface, addresses));
  }

  setAdminUp(name: string, up: boolean, now: Millis): Action[] {
    const iface = this.interface(name);
    return this.operate(now, () => {
      iface.adminUp = up;
    });
  }

  setCarpdevRunning(carpdev: string, running: boolean, now: Millis): Action[] {
    checkCarpdevName(carpdev);
    return this.operate(now, () => {
      this.carpdevRunning.set(carpdev, running);
      this.touchCarpdev(carpdev);
    });
  }

  /**
   * `state backup|master|init`, only while the interface runs (OpenBSD). BACKUP: every node to
   * BACKUP, nothing sent, fresh master-down timers. MASTER: the master-down routine on every node
   * that is not MASTER. INIT: every node to INIT, and since the interface still runs, straight back
   * to BACKUP with fresh timers: it restarts the election.
   */
  forceState(name: string, state: CarpState, now: Millis): Action[] {
    const iface = this.interface(name);
    if (state !== 'INIT' && state !== 'BACKUP' && state !== 'MASTER') {
      throw new CarpError('bad-value', `state "${String(state)}" is not valid: valid states are INIT, BACKUP, MASTER`);
    }
    const halt = iface.haltReason(this.runEnvironment);
    if (halt !== null) {
      throw new CarpError('not-running', `${name} is not running (${TRANSITION_REASONS[halt]}): its state cannot be forced`);
    }
    return this.operate(now, (step) => {
      for (const node of iface.nodes) {
        if (state !== 'MASTER') setState(this.env, step, iface, node, state, 'forced');
        else if (node.state !== 'MASTER') becomeMaster(this.env, step, iface, node, 'forced');
      }
    });
  }

  adjustGroupDemotion(group: string, delta: number, now: Millis): Action[] {
    // adjustGroupByAdmin checks the group and the range before it changes anything.
    return this.operate(now, (step) => this.demotion.adjustGroupByAdmin(group, delta, step.out));
  }

  setSysctl(name: string, value: string, now: Millis): Action[] {
    return this.setSysctls([{ name, value }], now);
  }

  /**
   * Every write is checked against the settings the earlier ones leave (a dry run on copies)
   * before any is applied, so a refused value changes nothing.
   */
  setSysctls(assignments: readonly { readonly name: string; readonly value: string }[], now: Millis): Action[] {
    let settings = this.settings;
    let demotion = this.demotion.freebsd;
    const writes = assignments.map(({ name, value }) => {
      const write = parseSysctlWrite(settings, name, value);
      if (write.kind === 'settings') settings = write.settings;
      else demotion = checkedDemotionTotal(demotion, write.delta);
      return write;
    });
    return this.operate(now, (step) => {
      for (const write of writes) {
        if (write.kind === 'settings') this.settings = write.settings;
        else this.demotion.adjustFreebsd(write.delta, 'admin', step.out);
      }
    });
  }

  checkSysctl(name: string, value: string): void {
    const write = parseSysctlWrite(this.settings, name, value);
    if (write.kind === 'demotion') checkedDemotionTotal(this.demotion.freebsd, write.delta);
  }

  getSysctl(name: string): string {
    return readSysctl(this.settings, this.demotion.freebsd, name);
  }

  listSysctls(): readonly (readonly [string, string])[] {
    return listSysctls(this.settings, this.demotion.freebsd);
  }

  receive(packet: ReceivedAdvertisement, now: Millis): Action[] {
    return this.operate(now, (step) => {
      const accepted = screenAdvertisement(this.receiveEnvironment, packet, now, step.out);
      if (accepted !== null) applyAdvertisement(this.env, step, accepted.iface, accepted.node, accepted.ad, accepted.family);
    });
  }

  /**
   * A result for an interface or vhid that no longer exists is ignored: the driver reports the
   * result of a bow-out after destroyInterface or a vhid change has already removed its sender.
   */
  sendResult(ifname: string, vhid: number, ok: boolean, now: Millis): Action[] {
    return this.operate(now, (step) => {
      const iface = this.interfaces.get(ifname);
      const node = iface?.node(vhid);
      if (iface === undefined || node === undefined) return;
      if (!ok) node.stats.oerrors++;
      countSendResult(this.context, step, iface, ok);
    });
  }

  /**
   * Due timers run in time order, each with `now`: a late tick re-arms from now rather than
   * catching up with a burst of advertisements.
   */
  tick(now: Millis): Action[] {
    return this.operate(now, (step) => {
      for (let due = this.earliestTimer(); due !== null && due.at <= now; due = this.earliestTimer()) {
        fireTimer(this.env, step, due.iface, due.node, due.kind);
      }
    });
  }

  nextDeadline(): Millis | null {
    return this.earliestTimer()?.at ?? null;
  }

  shutdown(now: Millis): Action[] {
    return this.operate(now, () => {
      this.shutDown = true;
    });
  }

  /** A snapshot (copies). The config carries the key: whoever prints status must leave it out. */
  status(): HostStatus {
    return {
      interfaces: [...this.interfaces.values()].map((iface) => ({
        name: iface.name,
        config: iface.config(),
        adminUp: iface.adminUp,
        carpdevRunning: iface.carpdev !== null && this.isCarpdevRunning(iface.carpdev),
        linkUp: iface.linkUp,
        addresses: iface.addressesCopy(),
        demote: this.demotion.demoteCount(iface),
        nodes: iface.nodes.map((node) => node.status(nodeEffectiveAdvskew(this.env, node))),
      })),
      groups: this.demotion.groupNames().map((name) => ({ name, demote: this.demotion.counter(name) })),
      carpdevs: [...this.carpdevStats.keys()].sort().map((name) => ({ name, stats: { ...this.statsOf(name) } })),
    };
  }

  // -------------------------------------------------------------------------------------------

  private operate(now: Millis, change: (step: Step) => void): Action[] {
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new CarpError('bad-value', `now must be a finite number of milliseconds, not ${String(now)}`);
    }
    const step: Step = { now, out: [] };
    const before = snapshotDemotion(this.demotion, this.interfaces.values());
    change(step);
    settle(this.context, step, this.interfaces.values());
    advertiseDemotionChanges(this.env, step, this.interfaces.values(), before);
    return step.out;
  }

  /** The earliest armed timer; on a tie, interface creation order, then node (vhid) order. */
  private earliestTimer(): DueTimer | null {
    let best: DueTimer | null = null;
    for (const iface of this.interfaces.values()) {
      for (const node of iface.nodes) {
        const timer = node.earliestTimer();
        if (timer !== null && (best === null || timer.at < best.at)) best = { iface, node, kind: timer.kind, at: timer.at };
      }
    }
    return best;
  }

  private interface(name: string): CarpInterface {
    const iface = this.interfaces.get(name);
    if (iface === undefined) throw new CarpError('no-such-interface', `no carp interface ${String(name)}`);
    return iface;
  }

  private isCarpdevRunning(carpdev: string): boolean {
    return this.carpdevRunning.get(carpdev) ?? false;
  }

  private statsOf(carpdev: string): CarpdevStats {
    let stats = this.carpdevStats.get(carpdev);
    if (stats === undefined) {
      stats = zeroCarpdevStats();
      this.carpdevStats.set(carpdev, stats);
    }
    return stats;
  }

  /** A carpdev becomes known (listed in status) once configured, reported or heard from. */
  private touchCarpdev(carpdev: string | null): void {
    if (carpdev !== null) this.statsOf(carpdev);
  }

  private groupInUse(group: string, except: CarpInterface): boolean {
    return [...this.interfaces.values()].some((iface) => iface !== except && iface.memberOf.includes(group));
  }

  private vhidOwners(): { name: string; carpdev: string | null; vhids: number[] }[] {
    return [...this.interfaces.values()].map((i) => ({ name: i.name, carpdev: i.carpdev, vhids: i.nodes.map((n) => n.vhid) }));
  }

  private get env(): Environment {
    return { settings: this.settings, demotion: this.demotion };
  }

  private get runEnvironment(): RunEnvironment {
    return { allow: this.settings.allow, shutDown: this.shutDown, isCarpdevRunning: (c) => this.isCarpdevRunning(c) };
  }

  private get context(): ReconfigureContext & SettleContext {
    return {
      env: this.env,
      run: this.runEnvironment,
      settings: this.settings,
      demotion: this.demotion,
      random: this.random,
      isCarpdevRunning: (c) => this.isCarpdevRunning(c),
      groupInUse: (g, except) => this.groupInUse(g, except),
    };
  }

  private get receiveEnvironment(): ReceiveEnvironment {
    return {
      allow: this.settings.allow,
      carpdevStats: (c) => this.statsOf(c),
      findRunningNode: (carpdev, vhid) => {
        for (const iface of this.interfaces.values()) {
          const node = iface.carpdev === carpdev ? iface.node(vhid) : undefined;
          if (node !== undefined) return iface.haltReason(this.runEnvironment) === null ? { iface, node } : null;
        }
        return null;
      },
    };
  }
}

/** FreeBSD's demotion total after adding `delta`; throws bad-sysctl beyond our sanity limit. */
function checkedDemotionTotal(total: number, delta: number): number {
  const next = total + delta;
  if (Math.abs(next) > DEMOTION_TOTAL_LIMIT) {
    throw new CarpError(
      'bad-sysctl',
      `${DEMOTION_SYSCTL}: ${total} + ${delta} = ${next} is out of range: the total must stay within -${DEMOTION_TOTAL_LIMIT}..${DEMOTION_TOTAL_LIMIT}`,
    );
  }
  return next;
}
