/**
 * CarpHost: every carp interface of one machine, its interface groups, the net.inet.carp sysctls
 * and the link state of the carpdevs; pure and sans-I/O. Every mutating call takes the current
 * monotonic time and returns the actions the driver must carry out, in order. Time and randomness
 * come in from outside: `now` arguments, and the injected RandomSource for the cookies.
 *
 * Each call makes its own change, then ends with the same settle pass (settle.ts) — except the
 * calls of ordinary traffic (receive, sendResults, tick), which cannot need it (operateOnTraffic).
 */
import { randomBytes } from 'node:crypto';
import type { IpAddress } from '../wire/address';
import { CarpInterface } from './carp-interface';
import { CoreContext } from './context';
import { countSendResult, releaseInterfaceDemotion } from './demotion-sync';
import { CarpError } from './errors';
import { expireLoopLagDemotion, loopLagLimit, noteLoopLag } from './loop-lag';
import { screenAdvertisement } from './receive';
import { applyAddresses, applyConfig } from './reconfigure';
import { DemotionWatch, advertiseDemotionChanges, settle, snapshotDemotion } from './settle';
import {
  type Step,
  applyAdvertisement,
  applyVrrpAdvertisement,
  becomeMaster,
  fireTimer,
  nodeEffectiveAdvskew,
  setState,
  vrrpNodeStatus,
  stopNode,
} from './state-machine';
import { DEMOTION_SYSCTL, DEMOTION_TOTAL_LIMIT, listSysctls, parseSysctlWrite, readSysctl } from './sysctl';
import type {
  Action,
  CarpHostApi,
  CarpInterfaceChange,
  CarpState,
  HostStatus,
  InterfaceStatus,
  Millis,
  RandomSource,
  ReceivedAdvertisement,
  SendResult,
} from './types';
import { TRANSITION_REASONS } from './types';
import { checkAddresses, checkCarpdevName, checkInterfaceName, checkVersionKept, checkVhidsFree, validateConfig } from './validate';
import { TIMER_KINDS, type TimerKind, type VirtualHost } from './virtual-host';

export interface CarpHostOptions {
  /** Where the 8-byte replay cookies come from; crypto.randomBytes by default. */
  readonly random?: RandomSource;
  /** The wall-clock time (ms since the epoch) at monotonic 0, for strict counters; 0 by default. */
  readonly wallClockOffset?: Millis;
  /**
   * Interfaces wait in INIT until setKernelReady says their kernel side (the carpdev's ARP
   * settings, the policy routes) is in place: carpd on Linux. Off by default.
   */
  readonly kernelSetup?: boolean;
}

const CRYPTO_RANDOM: RandomSource = { bytes: (count) => randomBytes(count) };

interface DueTimer {
  readonly iface: CarpInterface;
  readonly node: VirtualHost;
  readonly kind: TimerKind;
  readonly at: Millis;
}

export class CarpHost implements CarpHostApi {
  /** All the host's state; the modules it calls read it from the same object. */
  private readonly ctx: CoreContext;

  constructor(options: CarpHostOptions = {}) {
    this.ctx = new CoreContext(options.random ?? CRYPTO_RANDOM, options.wallClockOffset ?? 0, options.kernelSetup ?? false);
  }

  createInterface(name: string, now: Millis): Action[] {
    checkInterfaceName(name);
    if (this.ctx.interfaces.has(name)) throw new CarpError('interface-exists', `${name} already exists`);
    return this.operate(now, () => {
      this.ctx.interfaces.set(name, new CarpInterface(name));
    });
  }

  destroyInterface(name: string, now: Millis): Action[] {
    const iface = this.interface(name);
    return this.operate(now, (step) => {
      for (const node of iface.nodes) stopNode(this.ctx, step, iface, node, 'unconfigured', true);
      releaseInterfaceDemotion(this.ctx, step, iface);
      this.ctx.interfaces.delete(name);
      this.ctx.interfacesChanged();
      for (const group of iface.groups) {
        if (!this.ctx.groupInUse(group, iface)) this.ctx.demotion.deleteGroup(group);
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
      balancing: change.balancing ?? current.balancing,
      groups: change.groups ?? current.groups,
      garpRefresh: change.garpRefresh ?? current.garpRefresh,
      peers: change.peers ?? current.peers,
      vrrp: change.vrrp === undefined ? current.vrrp : change.vrrp,
    });
    checkVersionKept(current, next);
    checkVhidsFree(name, next, this.vhidOwners());
    return this.operate(now, (step) => {
      applyConfig(this.ctx, step, iface, next);
      this.touchCarpdev(next.carpdev);
    });
  }

  setAddresses(name: string, addresses: readonly IpAddress[], now: Millis): Action[] {
    const iface = this.interface(name);
    checkAddresses(addresses);
    return this.operate(now, (step) => applyAddresses(this.ctx, step, iface, addresses));
  }

  setAdminUp(name: string, up: boolean, now: Millis): Action[] {
    const iface = this.interface(name);
    return this.operate(now, () => {
      iface.adminUp = up;
    });
  }

  setKernelReady(name: string, carpdev: string | null, now: Millis): Action[] {
    const iface = this.interface(name);
    return this.operate(now, () => {
      iface.kernelReadyFor = carpdev;
    });
  }

  setCarpdevRunning(carpdev: string, running: boolean, now: Millis): Action[] {
    checkCarpdevName(carpdev);
    return this.operate(now, () => {
      this.ctx.setCarpdevRunning(carpdev, running);
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
    const halt = iface.haltReason(this.ctx);
    if (halt !== null) {
      throw new CarpError('not-running', `${name} is not running (${TRANSITION_REASONS[halt]}): its state cannot be forced`);
    }
    return this.operate(now, (step) => {
      for (const node of iface.nodes) {
        if (state !== 'MASTER') setState(this.ctx, step, iface, node, state, 'forced');
        else if (node.state !== 'MASTER') becomeMaster(this.ctx, step, iface, node, 'forced');
      }
    });
  }

  /**
   * After a restart of the daemon: the nodes that were MASTER a moment ago, whose peers cannot
   * have timed out yet, take MASTER back at once instead of waiting in BACKUP for a master-down
   * interval, so a crash of the daemon costs no failover. Only BACKUP nodes of a running
   * interface resume; others are left alone (the caller decides what "a moment ago" is).
   */
  resumeMaster(name: string, vhids: readonly number[], now: Millis): Action[] {
    const iface = this.interface(name);
    return this.operate(now, (step) => {
      for (const node of iface.nodes) {
        if (vhids.includes(node.vhid) && node.state === 'BACKUP') becomeMaster(this.ctx, step, iface, node, 'resumed');
      }
    });
  }

  adjustGroupDemotion(group: string, delta: number, now: Millis): Action[] {
    // adjustGroupByAdmin checks the group and the range before it changes anything.
    return this.operate(now, (step) => this.ctx.demotion.adjustGroupByAdmin(group, delta, step.out));
  }

  setMaintenance(on: boolean, now: Millis): Action[] {
    return this.operate(now, (step) => this.ctx.demotion.setMaintenance(on, step.out));
  }

  setSysctl(name: string, value: string, now: Millis): Action[] {
    return this.setSysctls([{ name, value }], now);
  }

  /**
   * Every write is checked against the settings the earlier ones leave (a dry run on copies)
   * before any is applied, so a refused value changes nothing.
   */
  setSysctls(assignments: readonly { readonly name: string; readonly value: string }[], now: Millis): Action[] {
    let settings = this.ctx.settings;
    let demotion = this.ctx.demotion.freebsd;
    const writes = assignments.map(({ name, value }) => {
      const write = parseSysctlWrite(settings, name, value);
      if (write.kind === 'settings') settings = write.settings;
      else demotion = checkedDemotionTotal(demotion, write.delta);
      return write;
    });
    return this.operate(now, (step) => {
      for (const write of writes) {
        if (write.kind === 'settings') this.ctx.settings = write.settings;
        else this.ctx.demotion.adjustFreebsd(write.delta, 'admin', step.out);
      }
    });
  }

  checkSysctl(name: string, value: string): void {
    const write = parseSysctlWrite(this.ctx.settings, name, value);
    if (write.kind === 'demotion') checkedDemotionTotal(this.ctx.demotion.freebsd, write.delta);
  }

  getSysctl(name: string): string {
    return readSysctl(this.ctx.settings, this.ctx.demotion.freebsd, name);
  }

  listSysctls(): readonly (readonly [string, string])[] {
    return listSysctls(this.ctx.settings, this.ctx.demotion.freebsd);
  }

  receive(packet: ReceivedAdvertisement, now: Millis): Action[] {
    return this.operateOnTraffic(now, (step) => {
      const accepted = screenAdvertisement(this.ctx, packet, now, step.out);
      if (accepted === null) return;
      if (accepted.protocol === 'vrrp3') {
        applyVrrpAdvertisement(this.ctx, step, accepted.iface, accepted.node, accepted.ad, accepted.family, accepted.senderHigher);
      } else {
        applyAdvertisement(this.ctx, step, accepted.iface, accepted.node, accepted.ad, accepted.family);
      }
    });
  }

  /**
   * A result for an interface or vhid that no longer exists is ignored: the driver reports the
   * result of a bow-out after destroyInterface or a vhid change has already removed its sender.
   */
  sendResults(results: readonly SendResult[], now: Millis): Action[] {
    return this.operateOnTraffic(now, (step) => {
      for (const { ifname, vhid, ok } of results) {
        const iface = this.ctx.interfaces.get(ifname);
        const node = iface?.node(vhid);
        if (iface === undefined || node === undefined) continue;
        if (!ok) node.stats.oerrors++;
        countSendResult(this.ctx, step, iface, ok);
      }
    });
  }

  /**
   * Due timers run in time order, each with `now`: a late tick re-arms from now rather than
   * catching up with a burst of advertisements. Advertisement timers due within a little of `now`
   * run in the same call (advertiseEarlyMs), so that many vhids come to share their calls and
   * sends instead of each waking the daemon on its own.
   */
  tick(now: Millis): Action[] {
    return this.operateOnTraffic(now, (step) => {
      for (const due of this.dueTimers(now)) {
        // A timer run before it in this call may have re-armed or stopped it.
        if (due.node.timerAt(due.kind) === due.at) fireTimer(this.ctx, step, due.iface, due.node, due.kind);
      }
      expireLoopLagDemotion(this.ctx, step);
    });
  }

  nextDeadline(): Millis | null {
    let node: Millis | null = null;
    for (const iface of this.ctx.interfaces.values()) {
      for (const candidate of iface.nodes) {
        const at = candidate.nextTimerAt();
        if (at !== null && (node === null || at < node)) node = at;
      }
    }
    const loopLag = this.ctx.loopLagDemotion?.until ?? null;
    if (node === null || loopLag === null) return node ?? loopLag;
    return Math.min(node, loopLag);
  }

  loopStalled(lagMs: Millis, now: Millis): Action[] {
    if (typeof lagMs !== 'number' || !(lagMs >= 0)) {
      throw new CarpError('bad-value', `lag must be a number of milliseconds, 0 or more, not ${String(lagMs)}`);
    }
    return this.operate(now, (step) => noteLoopLag(this.ctx, step, lagMs));
  }

  loopLagLimit(): Millis | null {
    return loopLagLimit(this.ctx);
  }

  shutdown(now: Millis): Action[] {
    return this.operate(now, () => {
      this.ctx.shutDown = true;
    });
  }

  /** A snapshot (copies). The config carries the key: whoever prints status must leave it out. */
  status(): HostStatus {
    return {
      interfaces: [...this.ctx.interfaces.values()].map((iface) => this.statusOf(iface)),
      groups: this.ctx.demotion.groupNames().map((name) => ({ name, demote: this.ctx.demotion.counter(name) })),
      maintenance: this.ctx.demotion.maintenance,
      carpdevs: this.ctx.carpdevNames().map((name) => ({ name, stats: { ...this.ctx.statsOf(name) } })),
    };
  }

  interfaceStatus(name: string): InterfaceStatus | undefined {
    const iface = this.ctx.interfaces.get(name);
    return iface === undefined ? undefined : this.statusOf(iface);
  }

  // -------------------------------------------------------------------------------------------

  private statusOf(iface: CarpInterface): InterfaceStatus {
    return {
      name: iface.name,
      config: iface.config(),
      adminUp: iface.adminUp,
      carpdevRunning: iface.carpdev !== null && this.ctx.isCarpdevRunning(iface.carpdev),
      linkUp: iface.linkUp,
      haltReason: iface.haltReason(this.ctx),
      addresses: iface.addressesCopy(),
      demote: this.ctx.demotion.demoteCount(iface),
      balancing: iface.balancingInForce,
      nodes: iface.nodes.map((node) => node.status(nodeEffectiveAdvskew(this.ctx, node), vrrpNodeStatus(this.ctx, iface, node))),
    };
  }

  private operate(now: Millis, change: (step: Step) => void): Action[] {
    const step: Step = { now: checkedNow(now), out: [] };
    const before = snapshotDemotion(this.ctx);
    change(step);
    settle(this.ctx, step);
    advertiseDemotionChanges(this.ctx, step, before);
    return step.out;
  }

  /**
   * The calls of ordinary traffic — an advertisement received, a send's result, a timer — change
   * no running condition (admin state, carpdev, addresses, vhids, net.inet.carp.allow, shutdown)
   * and no group membership, and every call leaves the host settled, so the settle pass would
   * find nothing to do: they skip it, and check for demotion changes only when a counter changed
   * (DemotionWatch). With hundreds of vhids these calls come hundreds of times a second, and a
   * pass over every interface in each was the daemon's main cost (docs/benchmarks.md, "Scale").
   */
  private operateOnTraffic(now: Millis, change: (step: Step) => void): Action[] {
    const step: Step = { now: checkedNow(now), out: [] };
    const watch = new DemotionWatch(this.ctx);
    let before: ReturnType<DemotionWatch['finish']>;
    try {
      change(step);
    } finally {
      before = watch.finish(step);
    }
    if (before !== null) advertiseDemotionChanges(this.ctx, step, before);
    return step.out;
  }

  /**
   * The timers due at `now`, and the advertisement timers due by `now` + advertiseEarlyMs, in
   * time order; on a tie, interface creation order, then node (vhid) order, then timer kind.
   */
  private dueTimers(now: Millis): DueTimer[] {
    const due: DueTimer[] = [];
    for (const iface of this.ctx.interfaces.values()) {
      for (const node of iface.nodes) {
        if ((node.nextTimerAt() ?? Number.POSITIVE_INFINITY) > now + ADVERTISE_EARLY_LIMIT_MS) continue;
        // TIMER_KINDS, not a list of the armed ones: a MASTER of hundreds of vhids passes here
        // for each of them every second.
        for (const kind of TIMER_KINDS) {
          const at = node.timerAt(kind);
          const by = kind === 'advertise' ? now + advertiseEarlyMs(iface.advbase) : now;
          if (at !== null && at <= by) due.push({ iface, node, kind, at });
        }
      }
    }
    // Array.prototype.sort is stable: ties keep the order above.
    return due.sort((a, b) => a.at - b.at);
  }

  private interface(name: string): CarpInterface {
    const iface = this.ctx.interfaces.get(name);
    if (iface === undefined) throw new CarpError('no-such-interface', `no carp interface ${String(name)}`);
    return iface;
  }

  /** A carpdev becomes known (listed in status) once configured, reported or heard from. */
  private touchCarpdev(carpdev: string | null): void {
    if (carpdev !== null) this.ctx.statsOf(carpdev);
  }

  private vhidOwners(): { name: string; carpdev: string | null; vhids: number[] }[] {
    return [...this.ctx.interfaces.values()].map((i) => ({ name: i.name, carpdev: i.carpdev, vhids: i.nodes.map((n) => n.vhid) }));
  }
}

/**
 * How much earlier than due an advertisement timer may run when a call runs anyway: 1/32 of
 * advbase (31.25 ms at advbase 1; none at advbase 0, whose sub-second intervals leave no room).
 * Sending an advertisement that much early only makes the MASTER a little more punctual for its
 * backups (their master-down interval is three advertisement intervals); over a few rounds the
 * vhids of a host fall into step and share one call and one wake-up instead of one each.
 */
function advertiseEarlyMs(advbase: number): Millis {
  return Math.min((advbase * 1000) / 32, ADVERTISE_EARLY_LIMIT_MS);
}

/** The most advertiseEarlyMs allows, whatever advbase is. */
const ADVERTISE_EARLY_LIMIT_MS: Millis = 250;

function checkedNow(now: Millis): Millis {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new CarpError('bad-value', `now must be a finite number of milliseconds, not ${String(now)}`);
  }
  return now;
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
