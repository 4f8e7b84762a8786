/**
 * Carries out the core's actions (the core decides, the daemon acts). Frames are built here, in
 * TypeScript, with the MAC the core names as source, and sent through the carpdev's packet socket;
 * an advertisement to a carppeer is an IP packet sent through a raw IP socket, so that the kernel
 * resolves the peer's MAC (docs/design.md, "Unicast advertisements"). Link actions set carpN's
 * carrier and the relay's accept set.
 *
 * Frames for a carpdev wait until `flush` (the driver calls it when the core's actions are done)
 * and go out in one call, in the order of their actions: the vhids of a host fall into step and
 * are due together (docs/benchmarks.md, "Scale"), and one system call for all of them costs less
 * than one each. The outcomes of the round's advertisements are reported after that call, all in
 * one report, so that the core takes them in one call too.
 */
import { randomInt } from 'node:crypto';
import type { Action, AdvertiseAction, AnnounceAction, LinkStateAction } from '../carp/types';
import { type IpAddress, type MacAddress, isMulticastIp } from '../wire/address';
import {
  type AdvertisementFrameOptions,
  buildAdvertisementFrame,
  buildAdvertisementPacket,
  buildGratuitousArp,
  buildUnsolicitedNeighborAdvert,
} from '../wire/frames';
import { ETHERNET_HEADER_LENGTH } from '../wire/ethernet';
import { setIpv4Identification } from '../wire/ipv4';
import { sealVrrp3 } from '../wire/vrrp';
import { AdvertisementFrames } from './advertisement-frames';
import type { CarpEventLog } from './carp-event-log';
import { advertisementSource } from './source-address';

export interface ExecutorDeps {
  /** The kernel's view of an interface (carpN or its carpdev): MAC and addresses. */
  interfaceMac(ifname: string): MacAddress | null;
  addresses(ifname: string): readonly IpAddress[];
  /**
   * Sends whole frames on the carpdev; throws when the send fails. The frames stay the executor's,
   * which sends an advertisement's frame again with another IPv4 identification: keep a copy.
   */
  sendFrames(carpdev: string, frames: readonly Buffer[]): void;
  /** Sends an IP packet to a carppeer on the carpdev; throws when the send fails. */
  sendToPeer(carpdev: string, peer: IpAddress, packet: Buffer): void;
  /** TAP carrier of carpN: up iff some node is MASTER. */
  setCarrier(ifname: string, up: boolean): void;
  /** The relay's accept set: the vhids of carpN this host is MASTER of. */
  setMasters(ifname: string, vhids: readonly number[]): void;
  /**
   * Feeds the outcomes of a round's advertisements back to the core (send-error demotion), in the
   * order of their actions.
   */
  reportSends(outcomes: readonly SendOutcome[]): void;
  /** net.inet.carp.dscp. */
  dscp(): number;
  /** Calls `listener` after each change the kernel reports (an address, a link): frames carry them. */
  onKernelChange(listener: () => void): void;
  /** OBSD-cur sets the Router flag on its NA when IPv6 forwarding is on (docs/protocol.md §3.8 step 5). */
  ipv6Forwarding(): boolean;
  events: CarpEventLog;
  /** Failures that are ours to report (not the network's): logged, never thrown. */
  failure(message: string, error: unknown): void;
}

/** What became of one advertisement's send. */
export interface SendOutcome {
  readonly ifname: string;
  readonly vhid: number;
  readonly ok: boolean;
  /** The node was leaving: its advertisement says so (it is reported after the node's state change). */
  readonly bowOut: boolean;
}

/** What waits to be sent on one carpdev: its frames in order, and the actions they carry out. */
interface PendingSends {
  readonly frames: Buffer[];
  readonly actions: (AdvertiseAction | AnnounceAction)[];
}

export class ActionExecutor {
  /** By carpdev, in the order of the actions. */
  private pending = new Map<string, PendingSends>();
  /** The outcomes of the advertisements sent since the last report. */
  private outcomes: SendOutcome[] = [];
  private readonly frames = new AdvertisementFrames();

  constructor(private readonly deps: ExecutorDeps) {
    deps.onKernelChange(() => this.frames.forgetAll());
  }

  /**
   * Sends the frames waiting for each carpdev in one call and reports the outcomes. A send that
   * throws failed for every frame of that carpdev (the socket refused the first one).
   */
  flush(): void {
    // Called after every driver run, most of which (a BACKUP's received advertisements) send nothing.
    if (this.pending.size === 0 && this.outcomes.length === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    for (const [carpdev, { frames, actions }] of pending) {
      let error: unknown = null;
      try {
        this.deps.sendFrames(carpdev, frames);
      } catch (e: unknown) {
        error = e;
      }
      for (const action of actions) this.settle(action, error);
    }
    if (this.outcomes.length === 0) return;
    const outcomes = this.outcomes;
    this.outcomes = [];
    this.deps.reportSends(outcomes);
  }

  execute(action: Action): void {
    switch (action.kind) {
      case 'advertise':
        return this.advertise(action);
      case 'announce':
        return this.announce(action);
      case 'state':
        return this.deps.events.stateChanged(action);
      case 'link':
        return this.link(action);
      case 'demotion':
        return this.deps.events.demotionChanged(action);
      case 'drop':
        return this.deps.events.dropped(action);
    }
  }

  private advertise(action: AdvertiseAction): void {
    const peer = isMulticastIp(action.destination) ? null : action.destination;
    const trafficClass = this.deps.dscp() << 2;
    const sentBefore = peer === null ? this.frames.sentBefore(action, trafficClass) : null;
    if (sentBefore !== null) {
      if (action.family === 4) setIpv4Identification(sentBefore, ETHERNET_HEADER_LENGTH, randomInt(0x10000));
      return this.queue(action, sentBefore);
    }
    // The carp interface's own addresses are looked up only when the carpdev has none of the family.
    const source =
      advertisementSource(action.family, this.deps.addresses(action.carpdev), [], peer) ??
      advertisementSource(action.family, [], this.deps.addresses(action.ifname), peer);
    try {
      if (source === null) throw new Error('no source address for the advertisement');
      const packet = {
        source,
        destination: action.destination,
        trafficClass,
        ipId: randomInt(0x10000),
        // VRRPv3's checksum covers the source chosen here (RFC 5798 5.2.8).
        payload: action.protocol === 'vrrp3' ? sealVrrp3(action.payload, { source, destination: action.destination }) : action.payload,
      };
      if (peer === null) return this.queueForGroup(action, packet);
      this.deps.sendToPeer(action.carpdev, peer, buildAdvertisementPacket(packet));
      this.settle(action, null);
    } catch (e: unknown) {
      this.settle(action, e);
    }
  }

  private queueForGroup(action: AdvertiseAction, packet: Omit<AdvertisementFrameOptions, 'sourceMac'>): void {
    // No virtual MAC named: the carpdev's own (balancing modes that must not leak the virtual MAC).
    const sourceMac = action.sourceMac ?? this.deps.interfaceMac(action.carpdev);
    if (sourceMac === null) throw new Error('no source MAC for the advertisement');
    const frame = buildAdvertisementFrame({ ...packet, sourceMac });
    this.frames.keep(action, packet.trafficClass, frame);
    this.queue(action, frame);
  }

  private queue(action: AdvertiseAction | AnnounceAction, ...frames: Buffer[]): void {
    let sends = this.pending.get(action.carpdev);
    if (sends === undefined) this.pending.set(action.carpdev, (sends = { frames: [], actions: [] }));
    sends.frames.push(...frames);
    sends.actions.push(action);
  }

  /** `error`: null when the frames went out. */
  private settle(action: AdvertiseAction | AnnounceAction, error: unknown): void {
    if (action.kind === 'announce') {
      if (error !== null) this.deps.failure(`${action.ifname}: gratuitous ARP / neighbour advertisement not sent`, error);
      return;
    }
    if (error !== null) this.deps.events.sendFailed(action.ifname, action.vhid, error);
    this.outcomes.push({ ifname: action.ifname, vhid: action.vhid, ok: error === null, bowOut: action.bowOut });
  }

  private announce(action: AnnounceAction): void {
    const router = action.addresses.some((a) => a.family === 6) && this.deps.ipv6Forwarding();
    const frames = action.addresses.map((address) =>
      address.family === 4 ? buildGratuitousArp(action.mac, address) : buildUnsolicitedNeighborAdvert(action.mac, address, { router }),
    );
    this.queue(action, ...frames);
  }

  private link(action: LinkStateAction): void {
    this.deps.events.linkChanged(action);
    this.deps.setMasters(action.ifname, action.masters);
    try {
      this.deps.setCarrier(action.ifname, action.up);
    } catch (e: unknown) {
      this.deps.failure(`${action.ifname}: carrier could not be set ${action.up ? 'on' : 'off'}`, e);
    }
  }
}
