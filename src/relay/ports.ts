/**
 * What the relay's ports see of each other. A carpdev port hands each frame it read to the carp
 * ports the inbound table names, each of which decides alone whether the frame passes; a carp port
 * hands the frames its TAP emitted to the carpdev port it is attached to, and asks the members of
 * its arpbalance group whether this host is MASTER of them. No port reaches into another, and
 * neither port module imports the other.
 */
import type { FrameSelection } from './frame-batch';

/** The side of a carp port that frames from the carpdev arrive at. */
export interface InboundPort {
  /**
   * A frame at arena[offset, offset + length) addressed to virtual host `node` (its index in vhid
   * order): the port takes it for its TAP or drops it, and counts which.
   */
  offer(arena: Buffer, offset: number, length: number, node: number): void;
  /** Writes what it took from `arena` in this batch, in one call. */
  flush(arena: Buffer): void;
}

/** The side of a carpdev port that carp ports send through. */
export interface OutboundPort {
  /** Sends frames of the caller's buffer; returns how many left (the rest were dropped). */
  transmit(arena: Buffer, selection: FrameSelection): number;
}

/** The side of a carp port that the other members of its arpbalance group see (arpbalance-sender.ts). */
export interface MemberPort {
  /** Whether this host is MASTER of virtual host `node` (its index in vhid order). */
  isMaster(node: number): boolean;
}
