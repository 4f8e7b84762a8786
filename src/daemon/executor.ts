/**
 * Carries out the core's actions (architecture.md "What to avoid": transitions return actions, the
 * driver carries them out). Frames are built here, in TypeScript, with the virtual MAC as source
 * (linux-dataplane.md "The path of a frame"), and sent through the carpdev's packet socket.
 */
import { randomInt } from 'node:crypto';
import type { Action, AdvertiseAction, AnnounceAction, LinkStateAction } from '../carp/types';
import type { IpAddress, MacAddress } from '../wire/address';
import { buildAdvertisementFrame, buildGratuitousArp, buildUnsolicitedNeighborAdvert } from '../wire/frames';
import type { CarpEventLog } from './carp-event-log';
import { advertisementSource } from './source-address';

export interface ExecutorDeps {
  /** carpN's MAC (the leader's virtual MAC), or null if carpN is gone. */
  carpMac(ifname: string): MacAddress | null;
  carpAddresses(ifname: string): readonly IpAddress[];
  carpdevAddresses(carpdev: string): readonly IpAddress[];
  /** Sends whole frames on the carpdev; throws when the send fails. */
  sendFrames(carpdev: string, frames: readonly Buffer[]): void;
  /** TAP carrier and relay forwarding of carpN: both follow "some node is MASTER". */
  setLinkState(ifname: string, up: boolean): void;
  /** Feeds a send outcome back to the core (send-error demotion). */
  reportSend(ifname: string, vhid: number, ok: boolean): void;
  /** net.inet.carp.dscp. */
  dscp(): number;
  /** OBSD-cur sets the Router flag on its NA when IPv6 forwarding is on (carp-protocol.md 3.8). */
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
    const mac = this.deps.carpMac(action.ifname);
    const source = advertisementSource(
      action.family,
      this.deps.carpdevAddresses(action.carpdev),
      this.deps.carpAddresses(action.ifname),
    );
    let ok = false;
    try {
      if (mac === null || source === null) throw new Error('no source MAC or address for the advertisement');
      const frame = buildAdvertisementFrame({
        sourceMac: mac,
        source,
        destination: action.destination,
        trafficClass: this.deps.dscp() << 2,
        ipId: randomInt(0x10000),
        payload: action.payload,
      });
      this.deps.sendFrames(action.carpdev, [frame]);
      ok = true;
    } catch (e: unknown) {
      this.deps.events.sendFailed(action.ifname, action.vhid, e);
    }
    this.deps.reportSend(action.ifname, action.vhid, ok);
  }

  private announce(action: AnnounceAction): void {
    const mac = this.deps.carpMac(action.ifname);
    if (mac === null) return;
    const router = action.addresses.some((a) => a.family === 6) && this.deps.ipv6Forwarding();
    const frames = action.addresses.map((address) =>
      address.family === 4 ? buildGratuitousArp(mac, address) : buildUnsolicitedNeighborAdvert(mac, address, { router }),
    );
    try {
      this.deps.sendFrames(action.carpdev, frames);
    } catch (e: unknown) {
      this.deps.failure(`${action.ifname}: gratuitous ARP / neighbour advertisement not sent`, e);
    }
  }

  private link(action: LinkStateAction): void {
    try {
      this.deps.setLinkState(action.ifname, action.up);
    } catch (e: unknown) {
      this.deps.failure(`${action.ifname}: carrier could not be set ${action.up ? 'on' : 'off'}`, e);
    }
  }
}
