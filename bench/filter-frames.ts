/**
 * The frames of the filter benchmark: what the relay reads during a bulk TCP transfer to the VIP,
 * laid out as it reads them, one per slot of a receive ring (src/relay/frame-batch.ts) behind a
 * virtio-net header. Inbound: full-size data segments from many client addresses (the hash's input)
 * to the VIP. Outbound: the server's ACKs from the VIP, as the kernel hands them out of carp0.
 */
import { FrameRing } from '../src/relay/frame-batch';
import { VNET_F_NEEDS_CSUM, VNET_HEADER_LENGTH, VNET_OFFSET_FLAGS } from '../src/native/types';
import { type Family, type IpAddress, type MacAddress, parseIp } from '../src/wire/address';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV4, ETHERTYPE_IPV6, encodeEthernet } from '../src/wire/ethernet';
import { IPV4_MIN_HEADER_LENGTH, encodeIpv4 } from '../src/wire/ipv4';
import { IPV6_HEADER_LENGTH, encodeIpv6 } from '../src/wire/ipv6';
import { SUBNET4, SUBNET6, VIP4, VIP6 } from '../test/netns/carp-lab';

export type Direction = 'inbound' | 'outbound';

const IPPROTO_TCP = 6;
/** A TCP header with the timestamp option, as Linux sends it on an established connection. */
const TCP_HEADER_LENGTH = 32;
const TCP_FLAG_ACK = 0x10;
/** An Ethernet MTU's worth of frame: the data segments of a transfer without GSO. */
const DATA_FRAME_LENGTH = 1514;
/** Distinct client addresses in a batch: what the hash spreads over the nodes. */
const CLIENTS = 16;
const CLIENT_MAC = Buffer.from([0x02, 0x77, 0x00, 0x00, 0x00, 0x64]);
const CLIENT_PORT = 40_000;
const SERVER_PORT = 5201;

/**
 * A full ring: slot i holds a frame of lengths[i] bytes, vnet header included. `carpMac` is the
 * MAC on carp0's side: the destination of inbound frames (the wire MAC the client resolved the VIP
 * to), the source of outbound ones (the TAP's MAC, as the kernel writes it).
 */
export function tcpBatch(family: Family, direction: Direction, carpMac: MacAddress): FrameRing {
  const ring = new FrameRing();
  for (let slot = 0; slot < ring.slots; slot++) {
    const client = clientAddress(family, slot % CLIENTS);
    const vip = parseIp(family === 4 ? VIP4 : VIP6);
    const inbound = direction === 'inbound';
    const frame = tcpFrame({
      destinationMac: inbound ? carpMac : CLIENT_MAC,
      sourceMac: inbound ? CLIENT_MAC : carpMac,
      source: inbound ? client : vip,
      destination: inbound ? vip : client,
      ports: inbound ? [CLIENT_PORT, SERVER_PORT] : [SERVER_PORT, CLIENT_PORT],
      payloadLength: inbound ? DATA_FRAME_LENGTH - ETHERNET_HEADER_LENGTH - ipHeaderLength(family) - TCP_HEADER_LENGTH : 0,
    });
    frame.copy(ring.arena, ring.offsetOf(slot) + VNET_HEADER_LENGTH);
    // The TAP leaves the checksum of what the kernel sends to the device (the relay looks at this flag).
    if (!inbound) ring.arena[ring.offsetOf(slot) + VNET_OFFSET_FLAGS] = VNET_F_NEEDS_CSUM;
    ring.lengths[slot] = VNET_HEADER_LENGTH + frame.length;
  }
  return ring;
}

/** Host numbers from 101 up, as the balancing case's clients, in the lab's IPv4 or IPv6 subnet. */
function clientAddress(family: Family, index: number): IpAddress {
  const host = 101 + index;
  return parseIp(family === 4 ? `${SUBNET4}.${host}` : `${SUBNET6}${host.toString(16)}`);
}

interface TcpFrame {
  readonly destinationMac: MacAddress;
  readonly sourceMac: MacAddress;
  readonly source: IpAddress;
  readonly destination: IpAddress;
  /** Source and destination port. */
  readonly ports: readonly [number, number];
  readonly payloadLength: number;
}

/** The frame with Ethernet, IP and TCP headers; the payload stays zero. */
function tcpFrame(frame: TcpFrame): Buffer {
  const family = frame.source.family;
  const payloadLength = TCP_HEADER_LENGTH + frame.payloadLength;
  const bytes = Buffer.alloc(ETHERNET_HEADER_LENGTH + ipHeaderLength(family) + payloadLength);
  encodeEthernet({ destination: frame.destinationMac, source: frame.sourceMac, etherType: family === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6 }, bytes);
  const ip = ETHERNET_HEADER_LENGTH;
  if (family === 4) {
    const header = { tos: 0, id: 0, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IPPROTO_TCP };
    encodeIpv4({ ...header, source: frame.source, destination: frame.destination, payloadLength }, bytes, ip);
  } else {
    const header = { trafficClass: 0, flowLabel: 0, nextHeader: IPPROTO_TCP, hopLimit: 64 };
    encodeIpv6({ ...header, source: frame.source, destination: frame.destination, payloadLength }, bytes, ip);
  }
  const tcp = ip + ipHeaderLength(family);
  bytes.writeUInt16BE(frame.ports[0], tcp);
  bytes.writeUInt16BE(frame.ports[1], tcp + 2);
  bytes[tcp + 12] = (TCP_HEADER_LENGTH / 4) << 4;
  bytes[tcp + 13] = TCP_FLAG_ACK;
  return bytes;
}

function ipHeaderLength(family: Family): number {
  return family === 4 ? IPV4_MIN_HEADER_LENGTH : IPV6_HEADER_LENGTH;
}
