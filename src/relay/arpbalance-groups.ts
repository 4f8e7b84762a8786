/**
 * net.inet.carp.arpbalance=1, the ARP balancing of OBSD-3.5 to 3.9 and MirBSD (docs/protocol.md
 * §4.6): carp interfaces of one carpdev, one vhid each, carry the same IPv4 address, and the
 * requester's address picks the one that answers ARP for it. This file decides which interfaces
 * share an address and in what order; inbound-table.ts (ARP in) and arpbalance-sender.ts (frames
 * out) apply the choice per frame.
 */
import type { IpAddress, MacAddress } from '../wire/address';

/** What the grouping needs of a carp interface (src/relay/relay.ts CarpPortShape has it). */
export interface GroupShape {
  readonly vhids: readonly number[];
  readonly addresses: readonly IpAddress[];
  /** Its own MAC, the virtual MAC of its vhid; null before it has a vhid. */
  readonly balancing: { readonly tapMac: MacAddress } | null;
  readonly adminUp: boolean;
}

export interface ArpBalanceMember<P> {
  readonly port: P;
  /** The MAC the member answers ARP with and sends from. */
  readonly mac: MacAddress;
}

export interface ArpBalanceGroup<P> {
  /** The shared IPv4 address as a 32-bit integer read in network order (ipv4Key). */
  readonly address: number;
  /** The members in the carpdev's list order; the legacy index counts from 0 in it. */
  readonly members: readonly ArpBalanceMember<P>[];
}

/**
 * The groups among `interfaces`, the carp interfaces attached to one carpdev.
 *
 * Members: OpenBSD counts the interfaces that carry the address and are UP and RUNNING, RUNNING
 * being UP with a carpdev, a vhid and an address (carp_setrun) — not Linux's flag of the same
 * name, which follows the carrier and is off in BACKUP. Here: administratively up, exactly one
 * vhid (OBSD-3.5 has no carpnodes; an interface with several keeps its own balancing and is not
 * counted), attached to this carpdev, carrying the address.
 *
 * Order: OBSD-3.5 inserts a new interface after the last one with a smaller vhid (see
 * parentListIndex in src/balance/arpbalance-legacy.ts), which is ascending vhid order when the
 * interfaces are created lowest vhid first, as carp(4)'s example does. Ascending vhid order is
 * used here whatever the creation order, so every host of the cluster agrees.
 *
 * An address carried by one member only forms no group: index 0 of one is that member, which is
 * what the ordinary routes do anyway.
 */
export function arpBalanceGroups<P>(interfaces: readonly { readonly port: P; readonly shape: GroupShape }[]): ArpBalanceGroup<P>[] {
  const members = interfaces
    .flatMap(({ port, shape }) => {
      const vhid = shape.vhids[0];
      const running = shape.adminUp && shape.vhids.length === 1 && vhid !== undefined && shape.balancing !== null;
      return running ? [{ port, vhid, mac: shape.balancing.tapMac, addresses: shape.addresses }] : [];
    })
    .sort((a, b) => a.vhid - b.vhid);
  const byAddress = new Map<number, ArpBalanceMember<P>[]>();
  for (const { port, mac, addresses } of members) {
    for (const address of addresses) {
      if (address.family !== 4) continue;
      const key = address.bytes.readUInt32BE(0);
      byAddress.set(key, [...(byAddress.get(key) ?? []), { port, mac }]);
    }
  }
  return [...byAddress].filter(([, shared]) => shared.length > 1).map(([address, shared]) => ({ address, members: shared }));
}
