/**
 * The drop decision of IP balancing (OpenBSD ip_carp.c carp_lsdrop; docs/protocol.md §4): a fold
 * picks carpnode `fold % lscount` in vhid order, and a node keeps the packet iff it is MASTER for
 * that carpnode, i.e. its bit is set in lsmask (bit i: the i-th carpnode is MASTER here).
 */
import { ETHERNET_MAC_LENGTH, ETHERNET_OFFSET_DESTINATION } from '../wire/ethernet';

/** The carpnode (0-based, in ascending vhid order) that a fold belongs to; lscount must be >= 1. */
export function balanceIndex(fold: number, lscount: number): number {
  return fold % lscount;
}

/** Whether lsmask has the bit of carpnode `index`: this host is MASTER for it. */
export function indexAccepted(lsmask: number, index: number): boolean {
  return ((lsmask >>> index) & 1) === 1;
}

/** Keep the packet of `fold`? With no carpnode at all nothing is kept ("just to be safe", as OpenBSD). */
export function acceptsFold(fold: number, lscount: number, lsmask: number): boolean {
  if (lscount === 0) return false;
  return indexAccepted(lsmask, balanceIndex(fold, lscount));
}

/** The I/G bit of the first MAC byte: set for broadcast and multicast destinations. */
const GROUP_BIT = 0x01;

/**
 * Frames that bypass the filter, as OpenBSD passes every packet received as link-layer broadcast or
 * multicast (M_BCAST/M_MCAST): those whose destination MAC has the group bit, ff:ff:ff:ff:ff:ff
 * included. IP multicast and IP broadcast (255.255.255.255 and subnet broadcasts) always travel in
 * such frames, so the link layer alone decides. The exception is the interface's own MAC, which is
 * multicast in `balancing ip`: carp_lsdrop clears M_MCAST for frames to it (PACKET_TAG_CARP_BAL_IP)
 * since they carry unicast IP, so they are filtered. `interfaceMac` is that MAC (6 bytes).
 */
export function bypassesFilter(frame: Uint8Array, offset: number, interfaceMac: Uint8Array): boolean {
  const destination = offset + ETHERNET_OFFSET_DESTINATION;
  if (((frame[destination] as number) & GROUP_BIT) === 0) return false;
  for (let i = 0; i < ETHERNET_MAC_LENGTH; i++) {
    if (frame[destination + i] !== interfaceMac[i]) return true;
  }
  return false;
}
