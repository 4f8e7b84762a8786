/**
 * ARP balancing of OpenBSD 3.5-3.9 and MirBSD (`net.inet.carp.arpbalance=1`, ip_carp.c
 * carp_iamatch; docs/protocol.md §4): several carp interfaces, one vhid each, carry the same IPv4
 * address on one parent. An ARP request for it is answered by the index-th of them, index being the
 * requester's IPv4 address modulo their number, and only if that interface is MASTER.
 */

/**
 * `isaddr->s_addr % count`: the 4 sender-address bytes at senderIp[offset, offset + 4) loaded as a
 * raw 32-bit integer on a little-endian host (i386/amd64), i.e. without ntohl. 192.0.2.55 is
 * 0x370200c0. `count` is the number of UP and RUNNING carp interfaces carrying the target address.
 */
export function legacyArpBalanceIndex(senderIp: Uint8Array, offset: number, count: number): number {
  if (offset < 0 || offset + 4 > senderIp.length) {
    throw new RangeError(`legacyArpBalanceIndex needs 4 address bytes at offset ${offset}, the buffer has ${senderIp.length}`);
  }
  const raw =
    ((senderIp[offset] as number) |
      ((senderIp[offset + 1] as number) << 8) |
      ((senderIp[offset + 2] as number) << 16) |
      ((senderIp[offset + 3] as number) << 24)) >>>
    0;
  return raw % count;
}

/**
 * The interface that may answer: the index-th (0-based) of `eligible`, the UP and RUNNING carp
 * interfaces that carry the target address, in the order of the parent's carp list (see
 * parentListIndex). It answers with its own virtual MAC if it is MASTER; otherwise nobody here
 * answers. Undefined when no interface is eligible.
 */
export function legacyArpBalanceAnswerer<T>(senderIp: Uint8Array, offset: number, eligible: readonly T[]): T | undefined {
  if (eligible.length === 0) return undefined;
  return eligible[legacyArpBalanceIndex(senderIp, offset, eligible.length)];
}

/**
 * Where OpenBSD 3.5 puts a new carp interface in its parent's list, given the vhids of the list in
 * order: after the last interface with a smaller vhid, or at the tail if there is none. The list
 * is therefore sorted only when interfaces were configured in ascending vhid order.
 */
export function parentListIndex(listVhids: readonly number[], vhid: number): number {
  let after = -1;
  listVhids.forEach((existing, index) => {
    if (existing < vhid) after = index;
  });
  return after < 0 ? listVhids.length : after + 1;
}
