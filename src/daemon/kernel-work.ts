/**
 * Kernel changes that follow carp interfaces around (docs/protocol.md §7.4, §7.5): the ARP
 * settings of each carpdev and the policy routes of each carpN's addresses. They are asynchronous
 * (sysctl files, `ip`), so they run one round at a time, skip what is already in place, and are
 * logged; a failure is logged and retried with the next change, never thrown at a caller.
 *
 * What is asked while a round runs (or in the same tick as the first request) waits for the next
 * round, which takes all of it: the policy routing of every carpN asked meanwhile is reconciled in
 * one go, with a fixed number of `ip` processes, so a boot of hundreds of carp interfaces does not
 * start processes per interface; during a boot or reload (whileApplying), routing waits for its end.
 * A carpN asked twice before its round gets its latest VIPs.
 *
 * A carp interface must not run before its kernel side is in place (CarpHostOptions.kernelSetup):
 * each time carpN comes up with addresses or changes carpdev, the round that reconciles its
 * routing (after its carpdev's settings) ends by telling the core, through `onSetUp`, for which
 * carpdev it is set up.
 */
import type { IpPrefix } from '../wire/address';
import { formatPrefix } from '../wire/address';
import type { Logger } from './logger';
import { describeError } from './describe-error';

/** What reconciling one carpN's routing came to: the commands run, and why it failed, if it did. */
export interface RoutingOutcome {
  readonly changes: readonly string[];
  readonly error: Error | null;
}

export interface KernelWorkTasks {
  /** arp_ignore / arp_announce on a carpdev; returns "name: from -> to" lines. */
  configureCarpdev(carpdev: string): Promise<readonly string[]>;
  /** Rules and routes of each carpN's table exactly for its VIPs, all at once; the outcome of each. */
  reconcileRouting(wanted: ReadonlyMap<string, readonly IpPrefix[]>): Promise<ReadonlyMap<string, RoutingOutcome>>;
}

export interface CarpdevRef {
  readonly name: string;
  /** A carpdev re-created under the same name is a new device with default settings. */
  readonly index: number;
}

/** carpN's kernel side is set up for `carpdev` (null: carpN has none yet). */
export type KernelSetUpListener = (ifname: string, carpdev: string | null) => void;

export class KernelWork {
  private tail: Promise<void> = Promise.resolve();
  /** Whether a round is chained on `tail` that has not started yet (and takes what is pending). */
  private roundWaiting = false;
  /** How many whileApplying calls are running: routing waits for the last to end. */
  private applying = 0;
  private readonly pendingCarpdevs: string[] = [];
  /** carpN -> the VIPs its next round reconciles its routing for. */
  private readonly pendingRouting = new Map<string, readonly IpPrefix[]>();
  /** carpdev name -> ifindex it was configured at. */
  private readonly configuredCarpdevs = new Map<string, number>();
  /** carpN -> the VIP list its routing was last reconciled for. */
  private readonly routedFor = new Map<string, string>();
  /** carpN that is up with addresses -> the carpdev ("name#ifindex", "" for none) it was last set up for. */
  private readonly setUpBasis = new Map<string, string>();
  /** carpN -> the carpdev its next round reports it set up for. */
  private readonly pendingSetUps = new Map<string, string | null>();

  constructor(
    private readonly tasks: KernelWorkTasks,
    private readonly logger: Logger,
    private readonly onSetUp: KernelSetUpListener,
  ) {}

  /**
   * carpN changed. `vips` null means carpN is down: the kernel refuses routes through a down
   * device and has flushed them, so they are put back when it comes up.
   */
  interfaceChanged(ifname: string, carpdev: CarpdevRef | null, vips: readonly IpPrefix[] | null): void {
    if (carpdev && this.configuredCarpdevs.get(carpdev.name) !== carpdev.index) {
      this.configuredCarpdevs.set(carpdev.name, carpdev.index);
      if (!this.pendingCarpdevs.includes(carpdev.name)) this.pendingCarpdevs.push(carpdev.name);
      this.scheduleRound();
    }
    if (vips === null) {
      this.routedFor.delete(ifname);
      this.forgetSetUp(ifname);
      return;
    }
    const key = vips.map(formatPrefix).join(' ');
    if (this.routedFor.get(ifname) !== key) {
      this.routedFor.set(ifname, key);
      this.pendingRouting.set(ifname, vips);
      this.scheduleRound();
    }
    // Without addresses carpN cannot run, and its routes are not yet those it will run with.
    if (vips.length === 0) this.forgetSetUp(ifname);
    else this.askSetUp(ifname, carpdev);
  }

  /** carpN is gone: its rules and routes go too. Resolves when done (or failed and logged), or held (whileApplying). */
  interfaceRemoved(ifname: string): Promise<void> {
    this.routedFor.delete(ifname);
    this.forgetSetUp(ifname);
    this.pendingRouting.set(ifname, []);
    this.scheduleRound();
    return this.idle();
  }

  /**
   * Runs `apply`, which changes many carp interfaces (a boot, a reload), and reconciles the routing
   * of all of them in one round when it is done, not in rounds while it runs: each round starts
   * processes, which stalls the event loop and with it the rest of `apply`.
   */
  async whileApplying<T>(apply: () => Promise<T>): Promise<T> {
    this.applying += 1;
    try {
      return await apply();
    } finally {
      this.applying -= 1;
      if (this.applying === 0 && (this.pendingRouting.size > 0 || this.pendingSetUps.size > 0)) this.scheduleRound();
    }
  }

  /** Resolves when everything asked so far has run, but for routing held by a whileApplying that has not ended. */
  idle(): Promise<void> {
    return this.tail;
  }

  private askSetUp(ifname: string, carpdev: CarpdevRef | null): void {
    const basis = carpdev === null ? '' : `${carpdev.name}#${carpdev.index}`;
    if (this.setUpBasis.get(ifname) === basis) return;
    this.setUpBasis.set(ifname, basis);
    this.pendingSetUps.set(ifname, carpdev?.name ?? null);
    this.scheduleRound();
  }

  private forgetSetUp(ifname: string): void {
    this.setUpBasis.delete(ifname);
    this.pendingSetUps.delete(ifname);
  }

  private scheduleRound(): void {
    if (this.roundWaiting) return;
    this.roundWaiting = true;
    this.tail = this.tail.then(() => {
      this.roundWaiting = false;
      return this.round();
    });
  }

  private async round(): Promise<void> {
    for (const carpdev of this.pendingCarpdevs.splice(0)) {
      const what = `carpdev ${carpdev}`;
      try {
        for (const change of await this.tasks.configureCarpdev(carpdev)) this.logger.info({ task: what }, change);
      } catch (e: unknown) {
        this.configuredCarpdevs.delete(carpdev);
        this.logger.error({ task: what, err: e }, `${what} failed: ${describeError(e)}`);
      }
    }
    if (this.applying > 0) return;
    const setUps = new Map(this.pendingSetUps);
    this.pendingSetUps.clear();
    await this.reconcileRouting();
    for (const [ifname, carpdev] of setUps) {
      // Not if it went down, or was asked again (down and up, another carpdev) since.
      if (this.setUpBasis.has(ifname) && !this.pendingSetUps.has(ifname)) this.onSetUp(ifname, carpdev);
    }
  }

  private async reconcileRouting(): Promise<void> {
    if (this.pendingRouting.size === 0) return;
    const wanted = new Map(this.pendingRouting);
    this.pendingRouting.clear();
    let outcomes: ReadonlyMap<string, RoutingOutcome>;
    try {
      outcomes = await this.tasks.reconcileRouting(wanted);
    } catch (e: unknown) {
      const error = e instanceof Error ? e : new Error(String(e));
      outcomes = new Map([...wanted.keys()].map((ifname) => [ifname, { changes: [], error }]));
    }
    for (const ifname of wanted.keys()) {
      const what = `policy routing of ${ifname}`;
      const outcome = outcomes.get(ifname) ?? { changes: [], error: new Error('no outcome reported') };
      for (const change of outcome.changes) this.logger.info({ task: what }, change);
      if (outcome.error) {
        // Tried again with its next change.
        if (!this.pendingRouting.has(ifname)) this.routedFor.delete(ifname);
        this.logger.error({ task: what, err: outcome.error }, `${what} failed: ${describeError(outcome.error)}`);
      }
    }
  }
}
