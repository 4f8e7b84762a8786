/**
 * The frames of ordinary IP hosts, built with the project's codecs: what a test client sends (ARP
 * requests, pings, neighbour solicitations) and what the fake host stack of carp-stack.ts answers.
 */
import { BROADCAST_MAC, type IpAddress, type MacAddress, multicastMacFor, solicitedNodeGroup } from '../../src/wire/address';
import { ARP_LENGTH, type ArpOperation, ARP_OPERATION_REQUEST, encodeArp } from '../../src/wire/arp';
import { internetChecksum } from '../../src/wire/checksum';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, encodeEthernet } from '../../src/wire/ethernet';
import { IPV4_MIN_HEADER_LENGTH, encodeIpv4 } from '../../src/wire/ipv4';
import { IPV6_HEADER_LENGTH, encodeIpv6 } from '../../src/wire/ipv6';
import {
  IPPROTO_ICMPV6,
  NDP_HOP_LIMIT,
  NDP_TYPE_NEIGHBOR_SOLICITATION,
  type NdpMessage,
  encodeNdp,
  ndpLength,
} from '../../src/wire/ndp';

export const IPPROTO_ICMP = 1;
export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;
const ICMP_HEADER_LENGTH = 8;
const DEFAULT_TTL = 64;

export interface Ipv4Packet {
  readonly sourceMac: MacAddress;
  readonly destinationMac: MacAddress;
  readonly source: IpAddress;
  readonly destination: IpAddress;
  readonly protocol: number;
  readonly payload: Uint8Array;
}

export interface EchoMessage {
  readonly type: typeof ICMP_ECHO_REQUEST | typeof ICMP_ECHO_REPLY;
  readonly id: number;
  readonly sequence: number;
  readonly data: Uint8Array;
}

export function arpFrame(
  operation: ArpOperation,
  from: { mac: MacAddress; ip: IpAddress },
  to: { mac: MacAddress; ip: IpAddress },
  destinationMac: MacAddress,
): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + ARP_LENGTH);
  encodeEthernet({ destination: destinationMac, source: from.mac, etherType: ETHERTYPE_ARP }, frame);
  const packet = { operation, senderMac: from.mac, senderIp: from.ip, targetMac: to.mac, targetIp: to.ip };
  encodeArp(packet, frame, ETHERNET_HEADER_LENGTH);
  return frame;
}

/** "Who has `target`?", broadcast. */
export function arpRequest(from: { mac: MacAddress; ip: IpAddress }, target: IpAddress): Buffer {
  return arpFrame(ARP_OPERATION_REQUEST, from, { mac: Buffer.alloc(6), ip: target }, BROADCAST_MAC);
}

export function ipv4Frame(packet: Ipv4Packet): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV4_MIN_HEADER_LENGTH + packet.payload.length);
  encodeEthernet({ destination: packet.destinationMac, source: packet.sourceMac, etherType: ETHERTYPE_IPV4 }, frame);
  const header = {
    tos: 0,
    id: 0,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: DEFAULT_TTL,
    protocol: packet.protocol,
    source: packet.source,
    destination: packet.destination,
    payloadLength: packet.payload.length,
  };
  encodeIpv4(header, frame, ETHERNET_HEADER_LENGTH);
  frame.set(packet.payload, ETHERNET_HEADER_LENGTH + IPV4_MIN_HEADER_LENGTH);
  return frame;
}

/** An ICMP echo request or reply (RFC 792), checksum included. */
export function echoMessage(message: EchoMessage): Buffer {
  const icmp = Buffer.alloc(ICMP_HEADER_LENGTH + message.data.length);
  icmp[0] = message.type;
  icmp.writeUInt16BE(message.id, 4);
  icmp.writeUInt16BE(message.sequence, 6);
  icmp.set(message.data, ICMP_HEADER_LENGTH);
  icmp.writeUInt16BE(internetChecksum(icmp), 2);
  return icmp;
}

/** An IPv6 neighbour discovery message (hop limit 255), from `source` to `destination`. */
export function ndpFrame(
  message: NdpMessage,
  ip: { source: IpAddress; destination: IpAddress },
  macs: { source: MacAddress; destination: MacAddress },
): Buffer {
  const payloadLength = ndpLength(message);
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + payloadLength);
  encodeEthernet({ destination: macs.destination, source: macs.source, etherType: ETHERTYPE_IPV6 }, frame);
  const header = { ...ip, trafficClass: 0, flowLabel: 0, payloadLength, nextHeader: IPPROTO_ICMPV6, hopLimit: NDP_HOP_LIMIT };
  encodeIpv6(header, frame, ETHERNET_HEADER_LENGTH);
  encodeNdp(message, ip, frame, ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH);
  return frame;
}

/** "Who has `target`?" in IPv6: to its solicited-node group, with our MAC as source option. */
export function neighborSolicitation(from: { mac: MacAddress; ip: IpAddress }, target: IpAddress): Buffer {
  const group = solicitedNodeGroup(target);
  return ndpFrame(
    { type: NDP_TYPE_NEIGHBOR_SOLICITATION, target, sourceLinkLayer: from.mac },
    { source: from.ip, destination: group },
    { source: from.mac, destination: multicastMacFor(group) },
  );
}
