/**
 * A minimal host stack for carpN, for tests that need carpN to answer as Linux would: ARP requests
 * and neighbour solicitations for its addresses and pings to them, answered through the TAP with
 * carpN's current MAC (the virtual MAC once the daemon set it). Like Linux it ignores frames to
 * another host's MAC (PACKET_OTHERHOST) and malformed ones, and answers ARP from the kernel's
 * addresses, not the daemon's idea of them.
 */
import {
  BROADCAST_MAC,
  type IpAddress,
  type MacAddress,
  ipEquals,
  multicastMacFor,
  solicitedNodeGroup,
} from '../../src/wire/address';
import { ARP_OPERATION_REPLY, ARP_OPERATION_REQUEST, decodeArp } from '../../src/wire/arp';
import { internetChecksum } from '../../src/wire/checksum';
import { WireError } from '../../src/wire/errors';
import { type DecodedEthernet, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { decodeIpv6 } from '../../src/wire/ipv6';
import { IPPROTO_ICMPV6, NDP_TYPE_NEIGHBOR_ADVERTISEMENT, NDP_TYPE_NEIGHBOR_SOLICITATION, decodeNdp } from '../../src/wire/ndp';
import { IPV6_ALL_NODES } from '../../src/wire/frames';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, IPPROTO_ICMP, arpFrame, echoMessage, ipv4Frame, ndpFrame } from './frames';
import type { KernelLink } from './kernel-link';

/** Makes carpN answer; returns the function that stops it. */
export function answerLikeAHost(link: KernelLink): () => void {
  const tap = link.tap;
  if (!tap) throw new Error(`${link.name} is not a TAP device`);
  return tap.onReceive((frame) => {
    const reply = answer(link, frame);
    if (reply) tap.kernelSend(reply);
  });
}

function answer(link: KernelLink, frame: Buffer): Buffer | null {
  const mac = link.mac;
  if (mac === null) return null;
  try {
    const ethernet = decodeEthernet(frame);
    switch (ethernet.etherType) {
      case ETHERTYPE_ARP: {
        const forUs = BROADCAST_MAC.equals(ethernet.destination) || mac.equals(ethernet.destination);
        return forUs ? answerArp(link, mac, frame, ethernet) : null;
      }
      case ETHERTYPE_IPV4:
        return mac.equals(ethernet.destination) ? answerPing(link, mac, frame, ethernet) : null;
      case ETHERTYPE_IPV6:
        return answerSolicitation(link, mac, frame, ethernet);
      default:
        return null;
    }
  } catch (e: unknown) {
    if (e instanceof WireError) return null;
    throw e;
  }
}

function own(link: KernelLink, address: IpAddress): boolean {
  return link.addresses().some((prefix) => ipEquals(prefix.address, address));
}

function answerArp(link: KernelLink, mac: MacAddress, frame: Buffer, ethernet: DecodedEthernet): Buffer | null {
  const arp = decodeArp(frame, ethernet.payloadOffset);
  if (arp.operation !== ARP_OPERATION_REQUEST || !own(link, arp.targetIp)) return null;
  return arpFrame(ARP_OPERATION_REPLY, { mac, ip: arp.targetIp }, { mac: arp.senderMac, ip: arp.senderIp }, arp.senderMac);
}

function answerPing(link: KernelLink, mac: MacAddress, frame: Buffer, ethernet: DecodedEthernet): Buffer | null {
  const ip = decodeIpv4(frame, ethernet.payloadOffset);
  if (ip.protocol !== IPPROTO_ICMP || !own(link, ip.destination)) return null;
  const icmp = frame.subarray(ip.payloadOffset, ip.payloadOffset + ip.payloadLength);
  if (icmp.length < 8 || icmp[0] !== ICMP_ECHO_REQUEST || internetChecksum(icmp) !== 0) return null;
  const id = icmp.readUInt16BE(4);
  const sequence = icmp.readUInt16BE(6);
  const reply = echoMessage({ type: ICMP_ECHO_REPLY, id, sequence, data: icmp.subarray(8) });
  return ipv4Frame({
    sourceMac: mac,
    destinationMac: ethernet.source,
    source: ip.destination,
    destination: ip.source,
    protocol: IPPROTO_ICMP,
    payload: reply,
  });
}

function answerSolicitation(link: KernelLink, mac: MacAddress, frame: Buffer, ethernet: DecodedEthernet): Buffer | null {
  const ip = decodeIpv6(frame, ethernet.payloadOffset);
  if (ip.nextHeader !== IPPROTO_ICMPV6 || frame[ip.payloadOffset] !== NDP_TYPE_NEIGHBOR_SOLICITATION) return null;
  const message = decodeNdp(frame, ip, ip.payloadOffset, ip.payloadLength);
  if (message.type !== NDP_TYPE_NEIGHBOR_SOLICITATION || !own(link, message.target)) return null;
  const group = multicastMacFor(solicitedNodeGroup(message.target));
  if (!mac.equals(ethernet.destination) && !group.equals(ethernet.destination)) return null;
  // RFC 4861 7.2.4: a solicitation from :: (duplicate address detection) is answered to all-nodes.
  const fromUnspecified = ip.source.bytes.every((byte) => byte === 0);
  const destination = fromUnspecified ? IPV6_ALL_NODES : ip.source;
  const advertisement = {
    type: NDP_TYPE_NEIGHBOR_ADVERTISEMENT,
    target: message.target,
    router: false,
    solicited: !fromUnspecified,
    override: true,
    targetLinkLayer: mac,
  } as const;
  const destinationMac = fromUnspecified ? multicastMacFor(IPV6_ALL_NODES) : (message.sourceLinkLayer ?? ethernet.source);
  return ndpFrame(advertisement, { source: message.target, destination }, { source: mac, destination: destinationMac });
}
