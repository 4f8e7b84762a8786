/**
 * Which carp interface a frame read from a carpdev belongs to (the per-frame decision of the
 * relay; linux-dataplane.md "The path of a frame"). Lookups are by integer keys, so classifying a
 * frame allocates nothing: the relay handles tens of thousands of frames a second in JavaScript.
 */
import type { IpAddress, MacAddress } from '../wire/address';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../wire/ethernet';
import { IPPROTO_CARP } from '../wire/carp';
import { solicitedNodeMac } from './bpf';
import { FRAME_ARP_TARGET_IP, FRAME_ETHERTYPE, FRAME_IPV4_PROTOCOL, FRAME_IPV6_NEXT_HEADER } from './frame-offsets';

/** A CARP advertisement: for the protocol core, not for any carp interface. */
export const ADVERTISEMENT = Symbol('advertisement');

export interface InboundRoute<P> {
  readonly port: P;
  readonly mac: MacAddress;
  readonly addresses: readonly IpAddress[];
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
  private byDestination = new Map<number, P>();
  private byArpTarget = new Map<number, P>();

  /** Replaces the routes (after a MAC, address or carpdev change). */
  set(routes: readonly InboundRoute<P>[]): void {
    const byDestination = new Map<number, P>();
    const byArpTarget = new Map<number, P>();
    for (const route of routes) {
      byDestination.set(macKey(route.mac, 0), route.port);
      for (const address of route.addresses) {
        if (address.family === 4) byArpTarget.set(readUint32(address.bytes, 0), route.port);
        else byDestination.set(macKey(solicitedNodeMac(address), 0), route.port);
      }
    }
    this.byDestination = byDestination;
    this.byArpTarget = byArpTarget;
  }

  /**
   * Classifies the Ethernet frame at buf[offset, offset + length): ADVERTISEMENT, the port it is
   * for, or undefined (not ours: the filter let something through that we do not want).
   */
  classify(buf: Uint8Array, offset: number, length: number): P | typeof ADVERTISEMENT | undefined {
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
