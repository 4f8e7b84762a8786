/**
 * Counters, OpenBSD carpstats style: every reason to drop a packet has its own, and they are
 * visible to the user. Per carpdev for what is dropped before a vhid matched, per virtual host
 * for everything after.
 */
import type { CarpState, CarpdevStats, DropReason, NodeStats } from './types';

export function zeroCarpdevStats(): CarpdevStats {
  return { ipackets: 0, ipackets6: 0, hdrops: 0, badsum: 0, badver: 0, badvhid: 0, disallowed: 0, vrrp: 0 };
}

export function zeroNodeStats(): NodeStats {
  return {
    ipackets: 0,
    ipackets6: 0,
    badttl: 0,
    badauth: 0,
    loop: 0,
    badpeer: 0,
    wrongver: 0,
    badaddrs: 0,
    replay: 0,
    accepted: 0,
    opackets: 0,
    opackets6: 0,
    oerrors: 0,
    bowOutsSent: 0,
    bowOutsReceived: 0,
    toMaster: 0,
    toBackup: 0,
    toInit: 0,
    preempts: 0,
  };
}

/** The drop reasons counted per carpdev (the rest are counted per virtual host). */
export type CarpdevDropReason = Extract<DropReason, 'hdrops' | 'badsum' | 'badver' | 'badvhid' | 'disallowed'>;

/** The drop reasons counted per virtual host. */
export type NodeDropReason = Extract<DropReason, 'badttl' | 'badauth' | 'loop' | 'badpeer' | 'replay' | 'wrongver' | 'badaddrs'>;

export function countTransition(stats: NodeStats, to: CarpState): void {
  switch (to) {
    case 'MASTER':
      stats.toMaster++;
      break;
    case 'BACKUP':
      stats.toBackup++;
      break;
    case 'INIT':
      stats.toInit++;
      break;
  }
}
