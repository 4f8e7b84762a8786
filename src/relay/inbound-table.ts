/**
 * Which carp interfaces, and which of their virtual hosts, a frame read from a carpdev is for (the
 * per-frame decision of the relay; docs/protocol.md §7.1). Lookups are by integer keys and return
 * route lists built when the table is set, so classifying a frame allocates nothing: the relay
 * handles tens of thousands of frames a second in JavaScript.
 */
import { legacyArpBalanceIndex } from '../balance/arpbalance-legacy';
import type { IpAddress, MacAddress } from '../wire/address';
import { ARP_OPERATION_REPLY } from '../wire/arp';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../wire/ethernet';
import { IPPROTO_CARP } from '../wire/carp';
import type { ArpBalanceGroup } from './arpbalance-groups';
import { solicitedNodeMac } from './bpf';
import { FRAME_ARP_SENDER_IP, FRAME_ARP_TARGET_IP, FRAME_ETHERTYPE, FRAME_IPV4_PROTOCOL, FRAME_IPV6_NEXT_HEADER } from './frame-offsets';
import { arpOperation } from './neighbor-frames';

/** A CARP advertisement: for the protocol core, not for any carp interface. */
export const ADVERTISEMENT = Symbol('advertisement');

/** The virtual host that answers ARP and neighbour discovery: the leader (docs/protocol.md §4.2). */
export const LEADER_NODE = 0;

/**
 * The node of an ARP reply to an address that an arpbalance group shares: it is for whichever
 * interface asked, which need not be the member whose MAC the request carried, since every member
 * asks as the member the target selects (arpbalance-sender.ts).
 */
export const ASKING_INTERFACE = -4;

/**
 * A frame's destination: a carp port, and the node it is for — its index in vhid order, or a
 * selector (src/balance/node-selectors.ts) by which the port picks it.
 */
export interface InboundRoute<P> {
  readonly port: P;
  readonly node: number;
}

/** What one carp interface receives on a carpdev. */
export interface CarpRoutes<P> {
  readonly port: P;
  /** The MACs it receives on, each delivering to one of its nodes (or a selector). */
  readonly macs: readonly { readonly mac: MacAddress; readonly node: number }[];
  /** Its virtual addresses: ARP for the IPv4 ones, solicitations for the IPv6 ones, go to `neighborNode`. */
  readonly addresses: readonly IpAddress[];
  /** The node that resolves addresses: the leader, or BY_ARP_HASH in `balancing arp`. */
  readonly neighborNode: number;
}

const ARP_MIN_FRAME = FRAME_ARP_TARGET_IP + 4;

/** A MAC as one exact integer (48 bits fit a double). */
export function macKey(buf: Uint8Array, offset: number): number {
  return (
    ((buf[offset] as number) * 0x100 + (buf[offset + 1] as number)) * 0x100000000 +
    ((((buf[offset + 2] as number) << 24) | ((buf[offset + 3] as number) << 16) | ((buf[offset + 4] as number) << 8) | (buf[offset + 5] as number)) >>> 0)
  );
}

/** An IPv4 address as one integer, read in network order. */
export function ipv4Key(buf: Uint8Array, offset: number): number {
  return (
    (((buf[offset] as number) << 24) | ((buf[offset + 1] as number) << 16) | ((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number)) >>> 0
  );
}

const BROADCAST_KEY = macKey(Buffer.alloc(6, 0xff), 0);

type Routes<P> = readonly InboundRoute<P>[];

export class InboundTable<P> {
  private byDestination = new Map<number, Routes<P>>();
  /**
   * By target address: the route lists an ARP request may take, one per legacy arpbalance index
   * (docs/protocol.md §4.6), or a single list when the address is not balanced.
   */
  private byArpTarget = new Map<number, readonly Routes<P>[]>();
  /** By target address: every interface that carries an address an arpbalance group shares. */
  private arpReplies = new Map<number, Routes<P>>();

  /**
   * Replaces the routes (after a MAC, node, address, carpdev or arpbalance change). A broadcast
   * ARP request for an address, or a solicitation to a solicited-node group, is offered to every
   * interface that carries it — as the BSDs hand it to each carp interface, whose MASTER answers
   * with its own MAC — except that in a `group` (arpbalance) only the member that the requester's
   * address selects is offered it, and an ARP reply to a group's address is offered to every
   * interface that carries it (ASKING_INTERFACE).
   */
  set(interfaces: readonly CarpRoutes<P>[], groups: readonly ArpBalanceGroup<P>[] = []): void {
    const byDestination = new Map<number, InboundRoute<P>[]>();
    const resolvers = new Map<number, InboundRoute<P>[]>();
    for (const { port, macs, addresses, neighborNode } of interfaces) {
      for (const { mac, node } of macs) addRoute(byDestination, macKey(mac, 0), { port, node });
      const resolver: InboundRoute<P> = { port, node: neighborNode };
      for (const address of addresses) {
        if (address.family === 4) addRoute(resolvers, address.bytes.readUInt32BE(0), resolver);
        else addRoute(byDestination, macKey(solicitedNodeMac(address), 0), resolver);
      }
    }
    const byArpTarget = new Map<number, readonly Routes<P>[]>();
    const arpReplies = new Map<number, Routes<P>>();
    for (const [address, routes] of resolvers) {
      const group = groups.find((g) => g.address === address);
      if (group === undefined) {
        byArpTarget.set(address, [routes]);
        continue;
      }
      const others = routes.filter((r) => !group.members.some((m) => m.port === r.port));
      byArpTarget.set(
        address,
        group.members.map((member) => [...others, ...routes.filter((r) => r.port === member.port)]),
      );
      arpReplies.set(
        address,
        routes.map(({ port }) => ({ port, node: ASKING_INTERFACE })),
      );
    }
    this.byDestination = byDestination;
    this.byArpTarget = byArpTarget;
    this.arpReplies = arpReplies;
  }

  /**
   * Classifies the Ethernet frame at buf[offset, offset + length): ADVERTISEMENT, the routes it
   * takes, or undefined (not ours: the filter let something through that we do not want).
   */
  classify(buf: Uint8Array, offset: number, length: number): Routes<P> | typeof ADVERTISEMENT | undefined {
    if (length < FRAME_ETHERTYPE + 2) return undefined;
    const ethertype = ((buf[offset + FRAME_ETHERTYPE] as number) << 8) | (buf[offset + FRAME_ETHERTYPE + 1] as number);
    if (ethertype === ETHERTYPE_IPV4 && length > FRAME_IPV4_PROTOCOL && buf[offset + FRAME_IPV4_PROTOCOL] === IPPROTO_CARP) {
      return ADVERTISEMENT;
    }
    if (ethertype === ETHERTYPE_IPV6 && length > FRAME_IPV6_NEXT_HEADER && buf[offset + FRAME_IPV6_NEXT_HEADER] === IPPROTO_CARP) {
      return ADVERTISEMENT;
    }
    const destination = macKey(buf, offset);
    if (destination === BROADCAST_KEY) {
      if (ethertype !== ETHERTYPE_ARP || length < ARP_MIN_FRAME) return undefined;
      const choices = this.byArpTarget.get(ipv4Key(buf, offset + FRAME_ARP_TARGET_IP));
      if (choices === undefined || choices.length === 1) return choices?.[0];
      return choices[legacyArpBalanceIndex(buf, offset + FRAME_ARP_SENDER_IP, choices.length)];
    }
    if (ethertype === ETHERTYPE_ARP && this.arpReplies.size > 0 && arpOperation(buf, offset, length) === ARP_OPERATION_REPLY) {
      const askers = this.arpReplies.get(ipv4Key(buf, offset + FRAME_ARP_TARGET_IP));
      if (askers !== undefined) return askers;
    }
    return this.byDestination.get(destination);
  }
}

/** Adds `route` to the list under `key`, once per port (two addresses may share a solicited-node group). */
function addRoute<P>(table: Map<number, InboundRoute<P>[]>, key: number, route: InboundRoute<P>): void {
  const routes = table.get(key);
  if (routes === undefined) table.set(key, [route]);
  else if (!routes.some((r) => r.port === route.port)) routes.push(route);
}
