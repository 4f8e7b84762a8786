/**
 * One randomized run of the simulated LAN, from a seed: 2-5 hosts sharing one vhid, or in half the
 * runs 2-3 carpnodes in a random balancing mode (random advbase, per node distinct random advskews,
 * preempt on or off, IPv4, IPv6 or both), a chaotic phase (loss, delays, duplication, crashes,
 * restarts, partitions), then the invariants:
 * 1. after the network has been healed and quiet (no loss, no partition, no crash) for 3
 *    master-down intervals, exactly one live host is MASTER of each node; with preempt on, the
 *    best one for that node;
 * 2. when the master of a random node then crashes, every node it was MASTER of has a MASTER
 *    among the survivors no later than the shortest survivor master-down interval of that node
 *    plus one advertisement interval of the crashed master's node after that node's last
 *    advertisement, and again exactly one host is MASTER of each node 3 master-down intervals
 *    later;
 * 3. no advertisement ever comes from a node that is not MASTER (SimLan.violations).
 *
 * Assumption: a delivery never takes longer than half the shortest advertisement interval of the
 * run, so the master's last advertisement arrives within one of its own intervals (invariant 2).
 */
import { BALANCING_MODE_NAMES, type BalancingMode } from '../../src/balance/modes';
import type { Millis } from '../../src/carp/types';
import { SimLan } from './lan';
import { Prng } from './prng';
import { type CarpSpec, VIP4, VIP6, boot } from './setup';

export interface RunPlan {
  readonly seed: number;
  readonly advbase: number;
  readonly preempt: boolean;
  readonly addresses: readonly string[];
  /** carp0's vhids in ascending order: one is `vhid N`, several are carpnodes. */
  readonly vhids: readonly number[];
  readonly balancing: BalancingMode;
  /** Per host, the advskew of each node, in the order of `vhids`. */
  readonly hosts: readonly { readonly name: string; readonly advskews: readonly number[] }[];
}

export interface RunResult {
  readonly plan: RunPlan;
  /** Why the run broke an invariant, or null. */
  readonly failure: string | null;
}

const SKEW = 1000 / 256;

/**
 * The expected intervals, written out again rather than taken from the code under test: classic
 * master-down 3 * advbase + advskew/256 s (advbase 0: 3 * advskew/256 s); advertisement interval
 * advbase + advskew/256 s (the plans never have both 0).
 */
function expectedMasterDown(advbase: number, advskew: number): Millis {
  return advbase === 0 ? 3 * advskew * SKEW : 3000 * advbase + advskew * SKEW;
}

function expectedInterval(advbase: number, advskew: number): Millis {
  return 1000 * advbase + advskew * SKEW;
}

export function planRun(seed: number): RunPlan {
  const prng = new Prng(seed);
  const count = prng.int(2, 5);
  const advbase = prng.pick([0, 1, 1, 1, 2, 3]);
  const vhids = prng.chance(0.5) ? [prng.int(1, 255)] : prng.distinct(prng.int(2, 3), 1, 254).sort((a, b) => a - b);
  // advbase 0 with a tiny advskew makes millisecond intervals: legal, but thousands of packets per
  // run; 16/256 s keeps a run small and still sub-second. Distinct among the hosts, so that each
  // node has one best host.
  const skews = vhids.map(() => prng.distinct(count, advbase === 0 ? 16 : 0, 254));
  return {
    seed,
    advbase,
    preempt: prng.chance(0.5),
    addresses: prng.pick([[VIP4], [VIP6], [VIP4, VIP6]]),
    vhids,
    balancing: vhids.length > 1 ? prng.pick(BALANCING_MODE_NAMES) : 'none',
    hosts: Array.from({ length: count }, (_, h) => ({ name: `h${h + 1}`, advskews: skews.map((perNode) => perNode[h] ?? 0) })),
  };
}

/** carp0 of one host: `vhid N advskew K`, or carpnodes with the plan's balancing mode. */
function specOf(plan: RunPlan, advskews: readonly number[]): CarpSpec {
  const common = { advbase: plan.advbase, addresses: plan.addresses };
  const [vhid] = plan.vhids;
  if (plan.vhids.length === 1 && vhid !== undefined) return { ...common, vhid, advskew: advskews[0] ?? 0 };
  const carpnodes = plan.vhids.map((v, i) => `${v}:${advskews[i] ?? 0}`).join(',');
  return { ...common, carpnodes, balancing: plan.balancing };
}

/** The key of one node of one host in the interval tables. */
function nodeKey(host: string, vhid: number): string {
  return `${host}/${vhid}`;
}

class Run {
  readonly lan: SimLan;
  private readonly prng: Prng;
  private readonly masterDown = new Map<string, Millis>();
  private readonly interval = new Map<string, Millis>();
  readonly longestMasterDown: Millis;
  readonly maxDelay: Millis;

  constructor(readonly plan: RunPlan) {
    this.prng = new Prng(plan.seed ^ 0x5eed);
    this.lan = new SimLan({ seed: plan.seed, trace: false });
    for (const { name, advskews } of plan.hosts) {
      plan.vhids.forEach((vhid, i) => {
        const advskew = advskews[i] ?? 0;
        this.masterDown.set(nodeKey(name, vhid), expectedMasterDown(plan.advbase, advskew));
        this.interval.set(nodeKey(name, vhid), expectedInterval(plan.advbase, advskew));
      });
    }
    this.longestMasterDown = Math.max(...this.masterDown.values());
    this.maxDelay = 0.45 * Math.min(...this.interval.values());
  }

  bootAll(): void {
    const sysctls = this.plan.preempt ? ([['net.inet.carp.preempt', '1']] as const) : [];
    for (const { name, advskews } of this.plan.hosts) {
      this.lan.runUntil(this.lan.now + this.prng.real(0, this.longestMasterDown / 2));
      this.lan.addHost(name, boot([specOf(this.plan, advskews)], sysctls));
    }
  }

  /** Random loss, delays, duplication, partitions, crashes and restarts. */
  chaos(): void {
    const end = this.lan.now + this.longestMasterDown * this.prng.int(4, 10);
    while (this.lan.now < end) {
      this.randomEvent();
      this.lan.runUntil(Math.min(end, this.lan.now + this.prng.real(0.1, 2) * this.longestMasterDown));
    }
  }

  private randomEvent(): void {
    const names = this.lan.hostNames();
    const alive = this.alive();
    const conditions = this.lan.conditions;
    switch (this.prng.int(0, 8)) {
      case 0:
        conditions.loss = this.prng.pick([0, 0.1, 0.3, 0.6, 1]);
        break;
      case 1:
        conditions.duplication = this.prng.pick([0, 0.2]);
        conditions.reflect = this.prng.chance(0.3);
        conditions.delay = { min: 0, max: this.maxDelay * this.prng.next() };
        break;
      case 2: {
        const group = names.map(() => this.prng.int(0, 2));
        conditions.partition = [0, 1, 2].map((g) => names.filter((_, i) => group[i] === g));
        break;
      }
      case 3:
        conditions.partition = null;
        conditions.tamper = null;
        break;
      case 4:
        if (alive.length > 0) this.lan.crash(this.prng.pick(alive));
        break;
      case 5: {
        const crashed = names.filter((n) => !this.lan.host(n).alive);
        if (crashed.length > 0) this.lan.restart(this.prng.pick(crashed));
        break;
      }
      case 6:
        // An orderly stop: masters bow out, then the host is gone.
        if (alive.length > 0) this.stop(this.prng.pick(alive));
        break;
      case 7:
        if (alive.length > 0) this.setAdminUp(this.prng.pick(alive), this.prng.chance(0.5));
        break;
      case 8: {
        // One family's advertisements get lost (dual-stack runs: one master-down timer fires).
        const family = this.prng.pick([4, 6]);
        conditions.tamper = (packet) => (packet.family === family ? null : packet);
        break;
      }
    }
  }

  private stop(name: string): void {
    this.lan.call(name, (carp, now) => carp.shutdown(now));
    this.lan.crash(name);
  }

  private setAdminUp(name: string, up: boolean): void {
    this.lan.call(name, (carp, now) => carp.setAdminUp('carp0', up, now));
  }

  /**
   * No loss, no partition, no more crashes; most crashed hosts come back, at least one runs, and
   * every live host's interface is up.
   */
  heal(): void {
    this.lan.conditions.loss = 0;
    this.lan.conditions.partition = null;
    this.lan.conditions.tamper = null;
    this.lan.conditions.delay = { min: 0, max: this.maxDelay };
    const names = this.lan.hostNames();
    for (const name of names.filter((n) => !this.lan.host(n).alive)) {
      if (this.prng.chance(0.7)) this.lan.restart(name);
    }
    if (this.alive().length === 0) this.lan.restart(this.prng.pick(names));
    for (const name of this.alive()) this.setAdminUp(name, true);
  }

  alive(): string[] {
    return this.lan.hostNames().filter((n) => this.lan.host(n).alive);
  }

  /** Invariant 1 (nothing to check when every host is down). */
  checkOneMaster(when: string): string | null {
    if (this.alive().length === 0) return null;
    for (const [i, vhid] of this.plan.vhids.entries()) {
      const masters = this.lan.masters(vhid);
      if (masters.length !== 1) {
        return `${when}: ${masters.length} masters of vhid ${vhid} (${masters.join(', ')}) among ${this.alive().join(', ')}`;
      }
      if (!this.plan.preempt) continue;
      const skew = (h: RunPlan['hosts'][number]): number => h.advskews[i] ?? 0;
      const best = this.plan.hosts.filter((h) => this.alive().includes(h.name)).sort((a, b) => skew(a) - skew(b))[0];
      if (masters[0] !== best?.name) return `${when}: with preempt on, ${masters[0]} is MASTER of vhid ${vhid} but ${best?.name} is better`;
    }
    return null;
  }

  /** Invariant 2: the master of a random node crashes; each node it held is taken over in time. */
  crashMaster(): string | null {
    const [master] = this.lan.masters(this.prng.pick(this.plan.vhids));
    if (master === undefined) return 'no master to crash';
    const held: { vhid: number; lastAd: Millis }[] = [];
    for (const vhid of this.plan.vhids.filter((v) => this.lan.state(master, v) === 'MASTER')) {
      const lastAd = this.lan.host(master).lastAdvertisedAt(vhid);
      if (lastAd === null) return `${master} is MASTER of vhid ${vhid} but never advertised it`;
      held.push({ vhid, lastAd });
    }
    this.lan.crash(master);
    const survivors = this.alive();
    if (survivors.length === 0) return null;
    const deadlines = held.map(({ vhid, lastAd }) => {
      const shortest = Math.min(...survivors.map((n) => this.masterDown.get(nodeKey(n, vhid)) ?? Infinity));
      return { vhid, lastAd, bound: lastAd + shortest + (this.interval.get(nodeKey(master, vhid)) ?? 0) };
    });
    for (const { vhid, lastAd, bound } of deadlines.sort((a, b) => a.bound - b.bound)) {
      this.lan.runUntil(bound);
      if (this.lan.masters(vhid).length === 0) return `${master} crashed (last ad of vhid ${vhid} at ${lastAd}): no MASTER of vhid ${vhid} by ${bound}`;
    }
    return null;
  }

  quiet(): void {
    this.lan.runFor(3 * this.longestMasterDown);
  }
}

export function runSeed(seed: number): RunResult {
  const plan = planRun(seed);
  const run = new Run(plan);
  run.bootAll();
  run.chaos();
  run.heal();
  run.quiet();
  let failure = run.checkOneMaster('after healing') ?? run.crashMaster();
  if (failure === null) {
    run.quiet();
    failure = run.checkOneMaster('after the master crashed');
  }
  const violation = run.lan.violations[0];
  return { plan, failure: failure ?? (violation === undefined ? null : `invariant 3: ${violation}`) };
}
