/** Data-plane counters of one carp interface, shown by `carpctl carp0 stats`. */
export interface RelayCounters {
  /** Frames from the carpdev written into carpN (MASTER). */
  framesIn: number;
  /** Frames from carpN sent on the carpdev (MASTER). */
  framesOut: number;
  /** Frames for the virtual MAC or addresses dropped because this host is not MASTER. */
  droppedNotMaster: number;
  /** Frames dropped because a queue was full (EAGAIN/ENOBUFS) or a write failed. */
  droppedWriteFailed: number;
}

export function zeroRelayCounters(): RelayCounters {
  return { framesIn: 0, framesOut: 0, droppedNotMaster: 0, droppedWriteFailed: 0 };
}
