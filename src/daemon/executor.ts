/**
 * Carries out the core's actions (the core decides, the daemon acts). Frames are built here, in
 * TypeScript, with the MAC the core names as source, and sent through the carpdev's packet socket;
 * an advertisement to a carppeer is an IP packet sent through a raw IP socket, so that the kernel
 * resolves the peer's MAC (docs/design.md, "Unicast advertisements"). Link actions set carpN's
 * carrier and the relay's accept set.
 */
import { randomInt } from 'node:crypto';
import type { Action, AdvertiseAction, AnnounceAction, LinkStateAction } from '../carp/types';
import { type IpAddress, type MacAddress, isMulticastIp } from '../wire/address';
import {
  type AdvertisementPacketOptions,
  buildAdvertisementFrame,
  buildAdvertisementPacket,
  buildGratuitousArp,
  buildUnsolicitedNeighborAdvert,
} from '../wire/frames';
import type { CarpEventLog } from './carp-event-log';
import { sealVrrp3 } from '../wire/vrrp';
import { advertisementSource } from './source-address';

export interface ExecutorDeps {
  /** The kernel's view of an interface (carpN or its carpdev): MAC and addresses. */
  interfaceMac(ifname: string): MacAddress | null;
  addresses(ifname: string): readonly IpAddress[];
  /** Sends whole frames on the carpdev; throws when the send fails. */
  sendFrames(carpdev: string, frames: readonly Buffer[]): void;
  /** Sends an IP packet to a carppeer on the carpdev; throws when the send fails. */
  sendToPeer(carpdev: string, peer: IpAddress, packet: Buffer): void;
  /** TAP carrier of carpN: up iff some node is MASTER. */
  setCarrier(ifname: string, up: boolean): void;
  /** The relay's accept set: the vhids of carpN this host is MASTER of. */
  setMasters(ifname: string, vhids: readonly number[]): void;
  /** Feeds a send outcome back to the core (send-error demotion). */
  reportSend(ifname: string, vhid: number, ok: boolean): void;
  /** net.inet.carp.dscp. */
  dscp(): number;
  /** OBSD-cur sets the Router flag on its NA when IPv6 forwarding is on (docs/protocol.md §3.8 step 5). */
  ipv6Forwarding(): boolean;
  events: CarpEventLog;
  /** Failures that are ours to report (not the network's): logged, never thrown. */
  failure(message: string, error: unknown): void;
}

export class ActionExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

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
    const carpdevAddresses = this.deps.addresses(action.carpdev);
    const source = advertisementSource(action.family, carpdevAddresses, this.deps.addresses(action.ifname), peer);
    let ok = false;
    try {
      if (source === null) throw new Error('no source address for the advertisement');
      const packet = {
        source,
        destination: action.destination,
        trafficClass: this.deps.dscp() << 2,
        ipId: randomInt(0x10000),
        // VRRPv3's checksum covers the source chosen here (RFC 5798 5.2.8).
        payload: action.protocol === 'vrrp3' ? sealVrrp3(action.payload, { source, destination: action.destination }) : action.payload,
      };
      if (peer === null) this.sendToGroup(action, packet);
      else this.deps.sendToPeer(action.carpdev, peer, buildAdvertisementPacket(packet));
      ok = true;
    } catch (e: unknown) {
      this.deps.events.sendFailed(action.ifname, action.vhid, e);
    }
    this.deps.reportSend(action.ifname, action.vhid, ok);
  }

  private sendToGroup(action: AdvertiseAction, packet: AdvertisementPacketOptions): void {
    // No virtual MAC named: the carpdev's own (balancing modes that must not leak the virtual MAC).
    const mac = action.sourceMac ?? this.deps.interfaceMac(action.carpdev);
    if (mac === null) throw new Error('no source MAC for the advertisement');
    this.deps.sendFrames(action.carpdev, [buildAdvertisementFrame({ ...packet, sourceMac: mac })]);
  }

  private announce(action: AnnounceAction): void {
    const router = action.addresses.some((a) => a.family === 6) && this.deps.ipv6Forwarding();
    const frames = action.addresses.map((address) =>
      address.family === 4 ? buildGratuitousArp(action.mac, address) : buildUnsolicitedNeighborAdvert(action.mac, address, { router }),
    );
    try {
      this.deps.sendFrames(action.carpdev, frames);
    } catch (e: unknown) {
      this.deps.failure(`${action.ifname}: gratuitous ARP / neighbour advertisement not sent`, e);
    }
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
