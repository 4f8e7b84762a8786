/**
 * Kernel changes that follow carp interfaces around (docs/protocol.md §7.4, §7.5): the ARP
 * settings of each carpdev and the policy routes of each carpN's addresses. They are asynchronous
 * (sysctl files, `ip`), so they run one at a time in the order asked, skip what is already in
 * place, and are logged; a failure is logged and retried with the next change, never thrown at a
 * caller.
 *
 * A carp interface must not run before its kernel side is in place (CarpHostOptions.kernelSetup):
 * each time carpN comes up with addresses or changes carpdev, the work asked for it is followed by
 * a mark, and when the queue reaches the mark `onSetUp` tells the core for which carpdev it is set
 * up.
 */
import type { IpPrefix } from '../wire/address';
import { formatPrefix } from '../wire/address';
import type { Logger } from './logger';
import { describeError } from './describe-error';

export interface KernelWorkTasks {
  /** arp_ignore / arp_announce on a carpdev; returns "name: from -> to" lines. */
  configureCarpdev(carpdev: string): Promise<readonly string[]>;
  /** Rules and routes of carpN's table exactly for `vips`; returns the commands run. */
  reconcileRouting(ifname: string, vips: readonly IpPrefix[]): Promise<readonly string[]>;
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
  /**
   * carpN that is up -> the mark of its last setup: the carpdev ("name#ifindex", "" for none) it
   * was asked for. A mark is an object so that one left from before a down and up is not taken
   * for the new one.
   */
  private readonly setUpMarks = new Map<string, { readonly basis: string }>();
  /** carpdev name -> ifindex it was configured at. */
  private readonly configuredCarpdevs = new Map<string, number>();
  /** carpN -> the VIP list its routing was last reconciled for. */
  private readonly routedFor = new Map<string, string>();

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
      this.enqueue(`carpdev ${carpdev.name}`, () => this.tasks.configureCarpdev(carpdev.name), () =>
        this.configuredCarpdevs.delete(carpdev.name),
      );
    }
    if (vips === null) {
      this.routedFor.delete(ifname);
      this.setUpMarks.delete(ifname);
      return;
    }
    const key = vips.map(formatPrefix).join(' ');
    if (this.routedFor.get(ifname) !== key) {
      this.routedFor.set(ifname, key);
      this.enqueue(`policy routing of ${ifname}`, () => this.tasks.reconcileRouting(ifname, vips), () =>
        this.routedFor.delete(ifname),
      );
    }
    // Without addresses carpN cannot run, and its routes are not yet what it will run with.
    if (vips.length === 0) this.setUpMarks.delete(ifname);
    else this.markSetUp(ifname, carpdev);
  }

  /** After what is queued now, carpN counts as set up for `carpdev`, unless asked again meanwhile. */
  private markSetUp(ifname: string, carpdev: CarpdevRef | null): void {
    const basis = carpdev === null ? '' : `${carpdev.name}#${carpdev.index}`;
    if (this.setUpMarks.get(ifname)?.basis === basis) return;
    const mark = { basis };
    this.setUpMarks.set(ifname, mark);
    this.tail = this.tail.then(() => {
      if (this.setUpMarks.get(ifname) === mark) this.onSetUp(ifname, carpdev?.name ?? null);
    });
  }

  /** carpN is gone: its rules and routes go too. Resolves when done (or failed and logged). */
  interfaceRemoved(ifname: string): Promise<void> {
    this.routedFor.delete(ifname);
    this.setUpMarks.delete(ifname);
    this.enqueue(`policy routing of ${ifname}`, () => this.tasks.reconcileRouting(ifname, []), () => undefined);
    return this.idle();
  }

  /** Resolves when everything asked so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  private enqueue(what: string, task: () => Promise<readonly string[]>, onFailure: () => void): void {
    this.tail = this.tail.then(async () => {
      try {
        for (const change of await task()) this.logger.info({ task: what }, change);
      } catch (e: unknown) {
        onFailure();
        this.logger.error({ task: what, err: e }, `${what} failed: ${describeError(e)}`);
      }
    });
  }
}
