/**
 * The host-wide state that every module of the core reads: the carp interfaces, the demotion
 * counters, the net.inet.carp settings, the carpdevs' link states and counters, the cookie
 * source, and whether the daemon is stopping. The host creates one and is the only writer of
 * `settings` and `shutDown`; every module takes it as `ctx` and so reads the current values, with
 * one place for each and no copy to go stale.
 */
import type { CarpInterface } from './carp-interface';
import { DemotionCounters } from './demotion';
import { zeroCarpdevStats } from './stats';
import { DEFAULT_SYSCTLS, type SysctlSettings } from './sysctl';
import type { CarpdevStats, Millis, RandomSource } from './types';
import type { VirtualHost } from './virtual-host';

/** A node and the interface it belongs to. */
export interface NodeOf {
  readonly iface: CarpInterface;
  readonly node: VirtualHost;
}

export class CoreContext {
  /** In creation order, which is also the order of timers due at the same time. */
  readonly interfaces = new Map<string, CarpInterface>();
  readonly demotion = new DemotionCounters();
  settings: SysctlSettings = DEFAULT_SYSCTLS;
  /** Set for good by shutdown: no interface runs after it. */
  shutDown = false;
  /**
   * The loop-lag demotion in force (loop-lag.ts): when it is withdrawn, and the FreeBSD amount it
   * added; null when the loop runs on time.
   */
  loopLagDemotion: { until: Millis; readonly freebsd: number } | null = null;
  /**
   * Each node by carpdev and vhid, made on the first question after a change: every advertisement
   * received asks, and a scan of hundreds of interfaces for each was a BACKUP's main cost.
   */
  private nodeIndex: Map<string, Map<number, NodeOf>> | null = null;
  private readonly carpdevRunning = new Map<string, boolean>();
  private readonly carpdevStats = new Map<string, CarpdevStats>();

  /**
   * `wallClockOffset`: the wall-clock time (ms since the epoch) at monotonic 0, so that `now` plus
   * it is the wall clock that strict counters are made of and checked against.
   * `kernelSetup`: each interface runs only once the daemon has reported its kernel side set up
   * for its carpdev (setKernelReady); a core without a kernel (simulations) leaves it off.
   */
  constructor(
    readonly random: RandomSource,
    readonly wallClockOffset: Millis = 0,
    readonly kernelSetup = false,
  ) {}

  wallClock(now: Millis): Millis {
    return now + this.wallClockOffset;
  }

  /** A carpdev nobody has reported yet is taken as down. */
  isCarpdevRunning(carpdev: string): boolean {
    return this.carpdevRunning.get(carpdev) ?? false;
  }

  setCarpdevRunning(carpdev: string, running: boolean): void {
    this.carpdevRunning.set(carpdev, running);
  }

  /** The counters of a carpdev, created on first use: from then on it is listed in status. */
  statsOf(carpdev: string): CarpdevStats {
    let stats = this.carpdevStats.get(carpdev);
    if (stats === undefined) {
      stats = zeroCarpdevStats();
      this.carpdevStats.set(carpdev, stats);
    }
    return stats;
  }

  /** Every carpdev that has counters, by name. */
  carpdevNames(): string[] {
    return [...this.carpdevStats.keys()].sort();
  }

  /** The node with `vhid` on `carpdev`: of the first interface in creation order that has one. */
  nodeOn(carpdev: string, vhid: number): NodeOf | undefined {
    this.nodeIndex ??= this.indexNodes();
    return this.nodeIndex.get(carpdev)?.get(vhid);
  }

  /** An interface was destroyed, or changed its carpdev or its nodes (a new one has neither). */
  interfacesChanged(): void {
    this.nodeIndex = null;
  }

  private indexNodes(): Map<string, Map<number, NodeOf>> {
    const index = new Map<string, Map<number, NodeOf>>();
    for (const iface of this.interfaces.values()) {
      if (iface.carpdev === null) continue;
      let byVhid = index.get(iface.carpdev);
      if (byVhid === undefined) index.set(iface.carpdev, (byVhid = new Map<number, NodeOf>()));
      for (const node of iface.nodes) if (!byVhid.has(node.vhid)) byVhid.set(node.vhid, { iface, node });
    }
    return index;
  }

  /** Whether another interface is still in `group` (else the group is forgotten, OpenBSD). */
  groupInUse(group: string, except: CarpInterface): boolean {
    return [...this.interfaces.values()].some((iface) => iface !== except && iface.memberOf.includes(group));
  }
}
