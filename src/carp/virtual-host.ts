/**
 * One virtual host (an OpenBSD carpnode): vhid, advskew, state, its timers, its replay cookie,
 * the peers it has heard and its counters. It holds state only; what changes the state lives in
 * state-machine.ts, so that every transition goes through one function.
 */
import type { Family, IpAddress } from '../wire/address';
import { ipEquals } from '../wire/address';
import type { CarpKey } from '../wire/hmac';
import { ReplayWindow } from './replay-window';
import { zeroNodeStats } from './stats';
import type { AdvertiseAction, CarpState, Millis, NodeStats, NodeStatus, PeerStatus, TransitionReason } from './types';

/** The recent senders shown in status: the last counter and time of each. */
export const MAX_PEERS = 8;

/**
 * A timer of a virtual host: the advertisement timer and the garp-refresh round (MASTER), or a
 * family's master-down timer (BACKUP).
 */
export type TimerKind = 'advertise' | 'garp-refresh' | 'master-down-4' | 'master-down-6';
/** A peer as the node keeps it: updated in place while the same master goes on advertising. */
type HeardPeer = { -readonly [K in keyof PeerStatus]: PeerStatus[K] };

/** The order that breaks ties between timers due at the same moment. */
export const TIMER_KINDS: readonly TimerKind[] = ['advertise', 'garp-refresh', 'master-down-4', 'master-down-6'];

/**
 * An HMAC kept with what it was computed over, so that the same input needs no new one. The key
 * and the address list are replaced by reconfiguration, never changed in place: the same objects
 * mean the same values (memoFor).
 */
export interface HmacMemo {
  readonly key: CarpKey;
  readonly addresses: readonly IpAddress[];
  readonly counter: Buffer;
  readonly hmac: Buffer;
}

/**
 * A node's latest CARP round with what its actions were made of besides the configuration (a
 * reconfiguration forgets it: reconfigure.ts). The address list is replaced when it changes,
 * never changed in place (see HmacMemo); a strict counter is a new buffer every round, so that
 * strict rounds are never the same.
 */
export interface RoundMemo {
  readonly addresses: readonly IpAddress[];
  readonly counter: Buffer;
  readonly advbase: number;
  readonly advskew: number;
  readonly demote: number;
  readonly actions: readonly AdvertiseAction[];
}

/** `memo` if it was computed with this key and address list, else null. */
export function memoFor(memo: HmacMemo | null, key: CarpKey, addresses: readonly IpAddress[]): HmacMemo | null {
  return memo !== null && memo.key === key && memo.addresses === addresses ? memo : null;
}

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
  /** The HMAC of our latest advertisement (advertisement.ts roundHmac). */
  lastSignature: HmacMemo | null = null;
  /** Our latest CARP round (advertisement.ts buildAdvertisements). */
  lastRound: RoundMemo | null = null;
  /** The latest received counter and HMAC that verified (receive.ts authentic). */
  lastVerified: HmacMemo | null = null;
  /** The strict counters accepted recently, to refuse them a second time. */
  readonly replayWindow = new ReplayWindow();
  private readonly peerList: HeardPeer[] = [];

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
    for (const kind of TIMER_KINDS) {
      const at = this.timerAt(kind);
      if (at !== null && (best === null || at < best.at)) best = { kind, at };
    }
    return best;
  }

  /** When the earliest armed timer is due; null when none is armed. Allocates nothing: the host asks after every call. */
  nextTimerAt(): Millis | null {
    return earlier(earlier(this.advertiseAt, this.refreshAt), earlier(this.masterDownAt[4], this.masterDownAt[6]));
  }

  timerAt(kind: TimerKind): Millis | null {
    switch (kind) {
      case 'advertise':
        return this.advertiseAt;
      case 'garp-refresh':
        return this.refreshAt;
      case 'master-down-4':
        return this.masterDownAt[4];
      case 'master-down-6':
        return this.masterDownAt[6];
    }
  }

  /** Newest first, one entry per source address, at most MAX_PEERS; keeps copies, never `peer`'s buffers. */
  rememberPeer(peer: PeerStatus): void {
    const newest = this.peerList[0];
    if (newest !== undefined && ipEquals(newest.source, peer.source) && newest.counter.length === peer.counter.length) {
      // The usual case, the same master every advertisement interval: its entry changes in
      // place. A new one each time would outlive the young generation's collections and fill
      // the old one, for every vhid of a BACKUP.
      newest.advbase = peer.advbase;
      newest.advskew = peer.advskew;
      newest.demote = peer.demote;
      newest.counter.set(peer.counter);
      newest.lastSeen = peer.lastSeen;
      return;
    }
    const index = this.peerList.findIndex((p) => ipEquals(p.source, peer.source));
    if (index >= 0) this.peerList.splice(index, 1);
    this.peerList.unshift({ ...peer, source: copyAddress(peer.source), counter: Buffer.from(peer.counter) });
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

function earlier(a: Millis | null, b: Millis | null): Millis | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

export function copyAddress(address: IpAddress): IpAddress {
  return { family: address.family, bytes: Buffer.from(address.bytes) };
}
