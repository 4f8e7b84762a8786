/**
 * Which carp interface, and which of its virtual hosts, a frame read from a carpdev is for (the
 * per-frame decision of the relay; docs/protocol.md §7.1). Lookups are by integer keys and return
 * routes built when the table is set, so classifying a frame allocates nothing: the relay handles
 * tens of thousands of frames a second in JavaScript.
 */
import type { IpAddress, MacAddress } from '../wire/address';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../wire/ethernet';
import { IPPROTO_CARP } from '../wire/carp';
import { solicitedNodeMac } from './bpf';
import { FRAME_ARP_TARGET_IP, FRAME_ETHERTYPE, FRAME_IPV4_PROTOCOL, FRAME_IPV6_NEXT_HEADER } from './frame-offsets';

/** A CARP advertisement: for the protocol core, not for any carp interface. */
export const ADVERTISEMENT = Symbol('advertisement');

/** The virtual host that answers ARP and neighbour discovery: the leader (docs/protocol.md §4.2). */
export const LEADER_NODE = 0;

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

function readUint32(buf: Uint8Array, offset: number): number {
  return (
    (((buf[offset] as number) << 24) | ((buf[offset + 1] as number) << 16) | ((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number)) >>> 0
  );
}

const BROADCAST_KEY = macKey(Buffer.alloc(6, 0xff), 0);

export class InboundTable<P> {
  private byDestination = new Map<number, InboundRoute<P>>();
  private byArpTarget = new Map<number, InboundRoute<P>>();

  /** Replaces the routes (after a MAC, node, address or carpdev change). */
  set(interfaces: readonly CarpRoutes<P>[]): void {
    const byDestination = new Map<number, InboundRoute<P>>();
    const byArpTarget = new Map<number, InboundRoute<P>>();
    for (const { port, macs, addresses, neighborNode } of interfaces) {
      for (const { mac, node } of macs) byDestination.set(macKey(mac, 0), { port, node });
      const resolver: InboundRoute<P> = { port, node: neighborNode };
      for (const address of addresses) {
        if (address.family === 4) byArpTarget.set(readUint32(address.bytes, 0), resolver);
        else byDestination.set(macKey(solicitedNodeMac(address), 0), resolver);
      }
    }
    this.byDestination = byDestination;
    this.byArpTarget = byArpTarget;
  }

  /**
   * Classifies the Ethernet frame at buf[offset, offset + length): ADVERTISEMENT, the route it
   * takes, or undefined (not ours: the filter let something through that we do not want).
   */
  classify(buf: Uint8Array, offset: number, length: number): InboundRoute<P> | typeof ADVERTISEMENT | undefined {
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
      return this.byArpTarget.get(readUint32(buf, offset + FRAME_ARP_TARGET_IP));
    }
    return this.byDestination.get(destination);
  }
}
