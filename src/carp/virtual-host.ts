/**
 * One virtual host (an OpenBSD carpnode): vhid, advskew, state, its timers, its replay cookie,
 * the peers it has heard and its counters. It holds state only; what changes the state lives in
 * state-machine.ts, so that every transition goes through one function.
 */
import type { Family, IpAddress } from '../wire/address';
import { ipEquals } from '../wire/address';
import { ReplayWindow } from './replay-window';
import { zeroNodeStats } from './stats';
import type { CarpState, Millis, NodeStats, NodeStatus, PeerStatus, TransitionReason } from './types';

/** The recent senders shown in status: the last counter and time of each. */
export const MAX_PEERS = 8;

/**
 * A timer of a virtual host: the advertisement timer and the garp-refresh round (MASTER), or a
 * family's master-down timer (BACKUP).
 */
export type TimerKind = 'advertise' | 'garp-refresh' | 'master-down-4' | 'master-down-6';

export class VirtualHost {
  state: CarpState = 'INIT';
  /** MASTER: when the next advertisement round is due. */
  advertiseAt: Millis | null = null;
  /** When the latest advertisement round went out: what a stalled MASTER's backups last heard. */
  lastRoundAt: Millis | null = null;
  /** BACKUP: one master-down timer per active family (OpenBSD md_tmo / md6_tmo). */
  readonly masterDownAt: Record<Family, Millis | null> = { 4: null, 6: null };
  /** MASTER with garp-refresh: when the next periodic announcement round is due. */
  refreshAt: Millis | null = null;
  /** Advertisement rounds left before the delayed announcement; null when none is pending. */
  delayedAnnounce: number | null = null;
  lastTransition: { readonly reason: TransitionReason; readonly at: Millis } | null = null;
  /** FreeBSD ifdown demotion added for this node while its carpdev is down; null when none. */
  carpdevDemotion: number | null = null;
  readonly stats: NodeStats = zeroNodeStats();
  /**
   * carpver 3, BACKUP: the interval the master advertises (Master_Adver_Interval, centiseconds),
   * which the master-down interval is made of; null until a master was heard (RFC 5798 6.4.1:
   * our own interval until then).
   */
  masterAdverInterval: number | null = null;
  /** The counter of our latest strict advertisement (net.inet.carp.strict_counter); null before one. */
  lastStrictCounter: bigint | null = null;
  /** The strict counters accepted recently, to refuse them a second time. */
  readonly replayWindow = new ReplayWindow();
  private readonly peerList: PeerStatus[] = [];

  /**
   * `cookie` is drawn once when the node is created and sent unchanged in every advertisement
   * (OpenBSD-current), so a received counter equal to it is our own advertisement coming back.
   */
  constructor(
    readonly vhid: number,
    public advskew: number,
    readonly cookie: Buffer,
  ) {}

  /** Whether `counter` is one we sent: our cookie, or our latest strict counter (a network loop). */
  sentCounter(counter: Buffer): boolean {
    return counter.equals(this.cookie) || (this.lastStrictCounter !== null && counter.readBigUInt64BE() === this.lastStrictCounter);
  }

  clearTimers(): void {
    this.advertiseAt = null;
    this.refreshAt = null;
    this.masterDownAt[4] = null;
    this.masterDownAt[6] = null;
  }

  /** The earliest armed timer; on a tie advertisement first, then garp-refresh, IPv4 before IPv6. */
  earliestTimer(): { readonly kind: TimerKind; readonly at: Millis } | null {
    let best: { kind: TimerKind; at: Millis } | null = null;
    const consider = (kind: TimerKind, at: Millis | null): void => {
      if (at !== null && (best === null || at < best.at)) best = { kind, at };
    };
    consider('advertise', this.advertiseAt);
    consider('garp-refresh', this.refreshAt);
    consider('master-down-4', this.masterDownAt[4]);
    consider('master-down-6', this.masterDownAt[6]);
    return best;
  }

  /** Newest first, one entry per source address, at most MAX_PEERS. */
  rememberPeer(peer: PeerStatus): void {
    const index = this.peerList.findIndex((p) => ipEquals(p.source, peer.source));
    if (index >= 0) this.peerList.splice(index, 1);
    this.peerList.unshift(peer);
    if (this.peerList.length > MAX_PEERS) this.peerList.length = MAX_PEERS;
  }

  status(effectiveAdvskew: number, vrrp: NodeStatus['vrrp']): NodeStatus {
    const timer = this.earliestTimer();
    return {
      vhid: this.vhid,
      advskew: this.advskew,
      effectiveAdvskew,
      vrrp,
      state: this.state,
      lastTransition: this.lastTransition === null ? null : { ...this.lastTransition },
      peers: this.peerList.map((p) => ({
        ...p,
        source: copyAddress(p.source),
        counter: Buffer.from(p.counter),
      })),
      nextTimer: timer === null ? null : { kind: timer.kind === 'advertise' ? 'advertise' : 'master-down', at: timer.at },
      stats: { ...this.stats },
    };
  }
}

export function copyAddress(address: IpAddress): IpAddress {
  return { family: address.family, bytes: Buffer.from(address.bytes) };
}
