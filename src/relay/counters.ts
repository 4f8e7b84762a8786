/**
 * Data-plane counters, owned by the relay's ports. `carpctl stats` shows them through the daemon's
 * one collection of counters (src/daemon/counters.ts).
 */

/** One carp interface: frames relayed or dropped between carpN and its carpdev. */
export interface RelayCounters {
  /** Frames from the carpdev written into carpN. */
  framesIn: number;
  /** Frames from carpN sent on the carpdev. */
  framesOut: number;
  /** Frames for carpN dropped because this host is not MASTER of the virtual host they were for. */
  droppedNotMaster: number;
  /** Frames dropped because a queue was full (EAGAIN/ENOBUFS) or a write failed. */
  droppedWriteFailed: number;
}

export function zeroRelayCounters(): RelayCounters {
  return { framesIn: 0, framesOut: 0, droppedNotMaster: 0, droppedWriteFailed: 0 };
}

/** One carpdev: what its packet socket delivered that no single carp interface accounts for. */
export interface CarpdevCounters {
  /** Frames of IP protocol 112 handed to the protocol core. */
  advertisements: number;
  /** Frames of IP protocol 112 that were not well-formed IP packets (dropped before the CARP header). */
  malformed: number;
  /**
   * Frames the kernel filter passed that no carp interface claims: broadcast ARP and neighbour
   * solicitations for other addresses, frames to other virtual MACs on the segment (the filter
   * matches the whole 00:00:5e:00:01 block, so that it never grows).
   */
  unclaimed: number;
  /**
   * Frames that waited in the socket while the daemon did not run for longer than a master-down
   * interval, discarded unread: answering them seconds late helps nobody, and by then a peer may
   * be MASTER.
   */
  stale: number;
}

export function zeroCarpdevCounters(): CarpdevCounters {
  return { advertisements: 0, malformed: 0, unclaimed: 0, stale: 0 };
}
