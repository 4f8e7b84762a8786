/**
 * A simulated LAN of CarpHosts driven by a fake clock: advertisements become received packets for
 * every other host on the same carpdev segment, with configurable loss, delay, duplication and
 * partitions; hosts crash (timers dead, deaf) and restart as a new CarpHost (a reboot: fresh state
 * and cookies). The event loop jumps the clock to the earliest delivery or host deadline, so no
 * real time passes. Every action is traced with its time, and every advertisement is checked
 * against the sender's state as the preceding state changes describe it.
 */
import { CarpHost } from '../../src/carp/host';
import type { Action, CarpState, Millis, ReceivedAdvertisement, StateChangeAction } from '../../src/carp/types';
import { CARP_TTL } from '../../src/wire/carp';
import { type IpAddress, parseIp } from '../../src/wire/address';
import { FakeClock } from './clock';
import { Prng, seededRandomSource } from './prng';

/** Configures a freshly booted CarpHost; returns the actions of doing so. */
export type BootFn = (host: CarpHost, now: Millis) => Action[];

export interface NetworkConditions {
  /** Probability that one receiver loses one packet. */
  loss: number;
  /** Delivery delay, uniform in [min, max]. */
  delay: { readonly min: Millis; readonly max: Millis };
  /** Probability that one receiver gets a packet twice (the copy has its own delay). */
  duplication: number;
  /** Groups of hosts that hear each other; null when everybody hears everybody. */
  partition: readonly (readonly string[])[] | null;
  /** A packet also comes back to its sender (a reflecting switch or hypervisor). */
  reflect: boolean;
  /**
   * Changes a packet on its way from `from` to `to` (a router lowering the TTL), or loses it
   * (returns null: e.g. only the IPv6 ones).
   */
  tamper: ((packet: ReceivedAdvertisement, from: string, to: string) => ReceivedAdvertisement | null) | null;
}

export const PERFECT_NETWORK: NetworkConditions = {
  loss: 0,
  delay: { min: 0, max: 0 },
  duplication: 0,
  partition: null,
  reflect: false,
  tamper: null,
};

export interface TraceEvent {
  readonly at: Millis;
  readonly host: string;
  readonly action: Action;
  /** For an advertisement: its node's state at that point of the action list. */
  readonly senderState: CarpState | null;
}

export interface LifecycleEvent {
  readonly at: Millis;
  readonly host: string;
  readonly kind: 'crash' | 'restart';
}

export interface SimLanOptions {
  readonly seed: number;
  /** Keep every action in `trace` (the randomized runs turn it off to save memory). */
  readonly trace?: boolean;
}

interface Delivery {
  readonly at: Millis;
  readonly seq: number;
  readonly to: string;
  readonly packet: ReceivedAdvertisement;
}

export class SimHost {
  carp: CarpHost;
  alive = true;
  /** carpdevs on which sends fail: nothing goes out and sendResults reports failure. */
  readonly failingCarpdevs = new Set<string>();
  /** ifname/vhid -> state, as the state changes in the actions describe it. */
  readonly mirror = new Map<string, CarpState>();
  /** carpdevs whose link is down: nothing is sent or received on them. */
  readonly linksDown = new Set<string>();
  /** ifname/vhid -> when that node last sent an advertisement that was not a bow-out. */
  private readonly lastAdvertised = new Map<string, Millis>();

  constructor(
    readonly name: string,
    readonly addresses: { readonly ipv4: IpAddress; readonly ipv6: IpAddress },
    readonly boot: BootFn,
    private readonly prng: Prng,
  ) {
    this.carp = this.newCarpHost();
  }

  newCarpHost(): CarpHost {
    return new CarpHost({ random: seededRandomSource(this.prng.fork()) });
  }

  source(family: 4 | 6): IpAddress {
    return family === 4 ? this.addresses.ipv4 : this.addresses.ipv6;
  }

  /** When a node of this host last advertised (not a bow-out), or null if it never did. */
  lastAdvertisedAt(vhid: number, ifname = 'carp0'): Millis | null {
    return this.lastAdvertised.get(`${ifname}/${vhid}`) ?? null;
  }

  noteAdvertisement(key: string, at: Millis): void {
    this.lastAdvertised.set(key, at);
  }
}

export class SimLan {
  readonly clock = new FakeClock();
  readonly trace: TraceEvent[] = [];
  readonly lifecycle: LifecycleEvent[] = [];
  /** Broken expectations found while running (an advertisement from a non-MASTER, ...). */
  readonly violations: string[] = [];
  conditions: NetworkConditions = { ...PERFECT_NETWORK };
  private readonly hosts = new Map<string, SimHost>();
  private readonly deliveries: Delivery[] = [];
  private seq = 0;
  private readonly prng: Prng;
  private readonly keepTrace: boolean;

  constructor(options: SimLanOptions) {
    this.prng = new Prng(options.seed);
    this.keepTrace = options.trace ?? true;
  }

  get now(): Millis {
    return this.clock.now();
  }

  /** Adds a host and boots it now. Addresses default to 192.0.2.<n> and fe80::<n>. */
  addHost(name: string, boot: BootFn, addresses?: { ipv4: IpAddress; ipv6: IpAddress }): SimHost {
    const n = this.hosts.size + 1;
    const own = addresses ?? { ipv4: parseIp(`192.0.2.${n}`), ipv6: parseIp(`fe80::${n.toString(16)}`) };
    const host = new SimHost(name, own, boot, this.prng.fork());
    this.hosts.set(name, host);
    this.process(host, boot(host.carp, this.now));
    return host;
  }

  host(name: string): SimHost {
    const host = this.hosts.get(name);
    if (host === undefined) throw new Error(`no simulated host ${name}`);
    return host;
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /** Runs an operation on a host now and carries out its actions. */
  call(name: string, operation: (carp: CarpHost, now: Millis) => Action[]): Action[] {
    const host = this.host(name);
    const actions = operation(host.carp, this.now);
    this.process(host, actions);
    return actions;
  }

  /** The host stops: no timers, no receiving. Packets it already sent are still delivered. */
  crash(name: string): void {
    const host = this.host(name);
    host.alive = false;
    this.lifecycle.push({ at: this.now, host: name, kind: 'crash' });
  }

  /** A reboot: a new CarpHost with fresh state and cookies, configured by the boot function. */
  restart(name: string): void {
    const host = this.host(name);
    host.carp = host.newCarpHost();
    host.alive = true;
    host.mirror.clear();
    host.linksDown.clear();
    this.lifecycle.push({ at: this.now, host: name, kind: 'restart' });
    this.process(host, host.boot(host.carp, this.now));
  }

  /** A carpdev of a host loses or regains its link. */
  setLink(name: string, carpdev: string, up: boolean): void {
    const host = this.host(name);
    if (up) host.linksDown.delete(carpdev);
    else host.linksDown.add(carpdev);
    this.call(name, (carp, now) => carp.setCarpdevRunning(carpdev, up, now));
  }

  /** Delivers a packet to a host at `at` (default now), as if it came from the wire. */
  inject(to: string, packet: ReceivedAdvertisement, at: Millis = this.now): void {
    this.schedule({ at, seq: this.seq++, to, packet });
  }

  runFor(duration: Millis): void {
    this.runUntil(this.now + duration);
  }

  /** Processes every event up to and including `end`, then sets the clock to `end`. */
  runUntil(end: Millis): void {
    for (;;) {
      const delivery = this.deliveries[0];
      const timer = this.earliestTimer();
      const deliveryFirst = delivery !== undefined && (timer === null || delivery.at <= timer.at);
      const at = deliveryFirst ? delivery.at : timer?.at;
      if (at === undefined || at > end) break;
      this.clock.advanceTo(at);
      if (deliveryFirst) this.deliver();
      else if (timer !== null) this.call(timer.host.name, (carp, now) => carp.tick(now));
    }
    this.clock.advanceTo(end);
  }

  /** The state of a node of a running host, from its status; null when crashed or unknown. */
  state(name: string, vhid: number, ifname = 'carp0'): CarpState | null {
    const host = this.host(name);
    if (!host.alive) return null;
    const iface = host.carp.status().interfaces.find((i) => i.name === ifname);
    return iface?.nodes.find((n) => n.vhid === vhid)?.state ?? null;
  }

  /** The live hosts that are MASTER for a vhid. */
  masters(vhid: number, ifname = 'carp0'): string[] {
    return this.hostNames().filter((name) => this.state(name, vhid, ifname) === 'MASTER');
  }

  stateChanges(host?: string): (TraceEvent & { action: StateChangeAction })[] {
    return this.trace.filter(
      (e): e is TraceEvent & { action: StateChangeAction } => e.action.kind === 'state' && (host === undefined || e.host === host),
    );
  }

  advertisements(host?: string): TraceEvent[] {
    return this.trace.filter((e) => e.action.kind === 'advertise' && (host === undefined || e.host === host));
  }

  // -------------------------------------------------------------------------------------------

  private earliestTimer(): { host: SimHost; at: Millis } | null {
    let best: { host: SimHost; at: Millis } | null = null;
    for (const host of this.hosts.values()) {
      const at = host.alive ? host.carp.nextDeadline() : null;
      if (at !== null && (best === null || at < best.at)) best = { host, at };
    }
    return best;
  }

  private deliver(): void {
    const delivery = this.deliveries.shift();
    if (delivery === undefined) return;
    const host = this.host(delivery.to);
    if (!host.alive || host.linksDown.has(delivery.packet.carpdev)) return;
    this.call(host.name, (carp, now) => carp.receive(delivery.packet, now));
  }

  private schedule(delivery: Delivery): void {
    let index = this.deliveries.length;
    while (index > 0) {
      const before = this.deliveries[index - 1] as Delivery;
      if (before.at < delivery.at || (before.at === delivery.at && before.seq < delivery.seq)) break;
      index--;
    }
    this.deliveries.splice(index, 0, delivery);
  }

  /** Carries out a host's actions in order; send results are reported after the whole list. */
  private process(host: SimHost, actions: readonly Action[]): void {
    const sent: { ifname: string; vhid: number; ok: boolean }[] = [];
    for (const action of actions) {
      let senderState: CarpState | null = null;
      const key = 'vhid' in action ? `${action.ifname}/${String(action.vhid)}` : '';
      if (action.kind === 'state') {
        const known = host.mirror.get(key) ?? 'INIT';
        if (known !== action.from) this.violations.push(`${this.now} ${host.name} ${key}: change from ${action.from} but it was ${known}`);
        host.mirror.set(key, action.to);
      } else if (action.kind === 'advertise') {
        senderState = host.mirror.get(key) ?? 'INIT';
        if (senderState !== 'MASTER') {
          this.violations.push(`${this.now} ${host.name} ${key}: advertisement sent in state ${senderState}`);
        }
        if (!action.bowOut) host.noteAdvertisement(key, this.now);
        const ok = !host.failingCarpdevs.has(action.carpdev);
        if (ok) this.transmit(host, action.carpdev, { family: action.family, destination: action.destination, payload: action.payload });
        sent.push({ ifname: action.ifname, vhid: action.vhid, ok });
      }
      if (this.keepTrace) this.trace.push({ at: this.now, host: host.name, action, senderState });
    }
    if (host.alive && sent.length > 0) this.process(host, host.carp.sendResults(sent, this.now));
  }

  private connected(a: string, b: string): boolean {
    const partition = this.conditions.partition;
    return partition === null || partition.some((group) => group.includes(a) && group.includes(b));
  }

  private transmit(
    from: SimHost,
    carpdev: string,
    ad: { family: 4 | 6; destination: IpAddress; payload: Buffer },
  ): void {
    if (from.linksDown.has(carpdev)) return;
    const packet: ReceivedAdvertisement = {
      carpdev,
      family: ad.family,
      source: from.source(ad.family),
      destination: ad.destination,
      ttl: CARP_TTL,
      payload: Buffer.from(ad.payload),
    };
    const { loss, delay, duplication, reflect, tamper } = this.conditions;
    for (const to of this.hosts.keys()) {
      if ((to === from.name && !reflect) || !this.connected(from.name, to)) continue;
      const delivered = tamper === null ? packet : tamper(packet, from.name, to);
      if (delivered === null || this.prng.chance(loss)) continue;
      const copies = this.prng.chance(duplication) ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const at = this.now + (delay.max > delay.min ? this.prng.real(delay.min, delay.max) : delay.min);
        this.schedule({ at, seq: this.seq++, to, packet: delivered });
      }
    }
  }
}
