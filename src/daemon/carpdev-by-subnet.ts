/**
 * The carpdev of the carp interfaces that were given none: chosen by subnet (carpdev-choice.ts)
 * whenever an address of carpN or of another interface changes, and applied to the core. `carpdev
 * IF` pins the carpdev; `-carpdev` returns to the automatic choice, made afresh from the addresses
 * carpN will have. Each outcome is logged once, when it changes.
 */
import { CarpError } from '../carp/errors';
import { CARP_INTERFACE_NAME } from '../carp/limits';
import type { CarpHostApi } from '../carp/types';
import type { KernelMirror } from '../kernel/types';
import type { IpPrefix } from '../wire/address';
import { type CarpdevChoice, ambiguity, carpdevAfter, chooseCarpdev, describeChoice, type ParentInterface } from './carpdev-choice';
import { describeError } from './describe-error';
import type { Driver } from './driver';
import type { Logger } from './logger';

export interface CarpdevBySubnetDeps {
  readonly host: CarpHostApi;
  readonly driver: Driver;
  readonly mirror: KernelMirror;
  readonly logger: Logger;
  /** Refuses a carpdev that cannot be used (CarpInterfaces.checkCarpdev). */
  readonly checkCarpdev: (name: string) => void;
}

/** What a command's carpdev words make of the choice (see plan()). */
export interface CarpdevPlan {
  /** The `carpdev` setting to apply to the core now: undefined leaves it as it is. */
  readonly setting: string | null | undefined;
  /** The carpdev carpN will have once the kernel has reported the command's addresses. */
  readonly predicted: string | null;
  readonly warnings: readonly string[];
  /** The log line of a carpdev chosen afresh by `-carpdev`, once the command is applied. */
  readonly chosen: string | null;
}

export class CarpdevBySubnet {
  /** Interfaces whose carpdev was given with `carpdev IF`. */
  private readonly pinned = new Set<string>();
  /** The last line logged about each interface's choice. */
  private readonly reported = new Map<string, string>();

  constructor(private readonly deps: CarpdevBySubnetDeps) {}

  isAutomatic(ifname: string): boolean {
    return !this.pinned.has(ifname);
  }

  /**
   * Checked before a command changes anything. `carpdev IF` pins IF; `-carpdev` chooses afresh
   * from the addresses carpN will have (`expected`); a command that changes the addresses of an
   * automatic carpN keeps or changes its carpdev as those will (update()). Either is refused when
   * the addresses match two interfaces, and warned when they match none.
   */
  plan(
    ifname: string,
    current: string | null,
    given: string | null | undefined,
    addresses: { readonly expected: readonly IpPrefix[]; readonly changed: boolean },
  ): CarpdevPlan {
    if (typeof given === 'string') return { setting: given, predicted: given, warnings: [], chosen: null };
    if (given === undefined && (!this.isAutomatic(ifname) || !addresses.changed)) {
      return { setting: undefined, predicted: current, warnings: [], chosen: null };
    }
    const start = given === null ? null : current;
    const choice = this.choose(start, addresses.expected);
    if (choice.kind === 'ambiguous') throw new CarpError('bad-value', `${ifname}: ${ambiguity(choice.matches)}`);
    const predicted = carpdevAfter(start, choice);
    return {
      setting: given === null ? predicted : undefined,
      predicted,
      warnings: choice.kind === 'none' ? [describeChoice(ifname, choice)] : [],
      chosen: given === null && choice.kind === 'chosen' ? describeChoice(ifname, choice) : null,
    };
  }

  /** A command was applied: `carpdev IF` pins the carpdev, `-carpdev` unpins it. */
  commit(ifname: string, given: string | null | undefined, plan: CarpdevPlan): void {
    if (given === undefined) return;
    this.reported.delete(ifname);
    if (given === null) this.pinned.delete(ifname);
    else this.pinned.add(ifname);
    if (plan.chosen !== null) this.report(ifname, 'info', plan.chosen);
  }

  forget(ifname: string): void {
    this.pinned.delete(ifname);
    this.reported.delete(ifname);
  }

  /** Applies the choice for carpN's `addresses` (as the kernel has them) to the core. Never throws. */
  update(ifname: string, addresses: readonly IpPrefix[]): void {
    if (!this.isAutomatic(ifname)) return;
    const { host, driver, checkCarpdev } = this.deps;
    const current = host.interfaceStatus(ifname)?.config.carpdev ?? null;
    const choice = this.choose(current, addresses);
    if (choice.kind === 'keep') return;
    const carpdev = carpdevAfter(null, choice);
    try {
      if (carpdev !== null) checkCarpdev(carpdev);
      if (carpdev !== current) driver.run((now) => host.configure(ifname, { carpdev }, now));
    } catch (e: unknown) {
      this.report(ifname, 'error', `${ifname}: carpdev ${carpdev ?? 'none'} not taken: ${describeError(e)}`);
      return;
    }
    this.report(ifname, choice.kind === 'chosen' ? 'info' : 'warn', describeChoice(ifname, choice));
  }

  private choose(current: string | null, addresses: readonly IpPrefix[]): CarpdevChoice {
    return chooseCarpdev(current, addresses, this.parents());
  }

  /** Every interface that could be a carpdev: it has a MAC and is no carp interface. */
  private parents(): ParentInterface[] {
    const { mirror } = this.deps;
    return mirror
      .links()
      .filter((link) => link.mac !== null && !CARP_INTERFACE_NAME.test(link.name))
      .map((link) => ({ name: link.name, prefixes: mirror.addressesOf(link.index).map((a) => a.prefix) }));
  }

  private report(ifname: string, level: 'info' | 'warn' | 'error', message: string): void {
    if (this.reported.get(ifname) === message) return;
    this.reported.set(ifname, message);
    this.deps.logger[level]({ ifname }, message);
  }
}
