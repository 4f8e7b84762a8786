/**
 * The stacks of several carpN of one host that carry the same address, answering as Linux does:
 * - an ARP request on the interface it arrived on (arp_process replies through the receiving
 *   device), after learning the requester as a neighbour of that interface;
 * - a ping through the first interface, in the order given, that is up with carrier: the policy
 *   rules `from VIP lookup 4200+N` are tried in order and a route whose link is down is skipped
 *   (ignore_routes_with_linkdown=1), and an ICMP reply keeps no memory of where the request came in;
 * - neighbours per interface: a reply through an interface that has not learned the destination
 *   waits while that interface asks for it, and only an ARP reply received on that interface, to
 *   its own MAC or broadcast, resolves it (a frame to another MAC is PACKET_OTHERHOST, dropped).
 * Like Linux it ignores ARP from one of its own addresses, such as another host's gratuitous ARP
 * for the shared address (fib_validate_source refuses a local source).
 */
import { BROADCAST_MAC, type IpAddress, type MacAddress, formatIp, ipEquals } from '../../src/wire/address';
import { ARP_OPERATION_REPLY, ARP_OPERATION_REQUEST, decodeArp } from '../../src/wire/arp';
import { internetChecksum } from '../../src/wire/checksum';
import { WireError } from '../../src/wire/errors';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import type { FakeKernel } from '../fakes/fake-kernel';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, IPPROTO_ICMP, arpFrame, arpRequest, echoMessage, ipv4Frame } from '../fakes/frames';
import type { KernelLink } from '../fakes/kernel-link';

interface Interface {
  readonly link: KernelLink;
  /** Neighbour MACs by address. */
  readonly neighbours: Map<string, MacAddress>;
  /** Packets waiting for a neighbour, by its address: each builds its frame once the MAC is known. */
  readonly waiting: Map<string, ((destinationMac: MacAddress) => Buffer)[]>;
}

export function answerLikeLinux(kernel: FakeKernel, ifnames: readonly string[]): void {
  const interfaces = ifnames.map((name) => ({ link: kernel.link(name) ?? fail(`no ${name}`), neighbours: new Map(), waiting: new Map() }));
  for (const iface of interfaces) {
    const tap = iface.link.tap ?? fail(`${iface.link.name} is not a TAP device`);
    tap.onReceive((frame) => {
      try {
        receive(iface, interfaces, frame);
      } catch (e: unknown) {
        if (!(e instanceof WireError)) throw e;
      }
    });
  }
}

function receive(iface: Interface, interfaces: readonly Interface[], frame: Buffer): void {
  const { link } = iface;
  const mac = link.mac;
  const ethernet = decodeEthernet(frame);
  if (mac === null || !(mac.equals(ethernet.destination) || BROADCAST_MAC.equals(ethernet.destination))) return;
  if (ethernet.etherType === ETHERTYPE_ARP) {
    const arp = decodeArp(frame, ethernet.payloadOffset);
    if (!owns(link, arp.targetIp) || owns(link, arp.senderIp)) return;
    if (arp.operation === ARP_OPERATION_REQUEST) {
      learn(iface, arp.senderIp, arp.senderMac);
      link.tap?.kernelSend(arpFrame(ARP_OPERATION_REPLY, { mac, ip: arp.targetIp }, { mac: arp.senderMac, ip: arp.senderIp }, arp.senderMac));
    } else if (arp.operation === ARP_OPERATION_REPLY && iface.waiting.has(formatIp(arp.senderIp))) {
      learn(iface, arp.senderIp, arp.senderMac);
    }
    return;
  }
  if (ethernet.etherType !== ETHERTYPE_IPV4) return;
  const ip = decodeIpv4(frame, ethernet.payloadOffset);
  const icmp = frame.subarray(ip.payloadOffset, ip.payloadOffset + ip.payloadLength);
  if (ip.protocol !== IPPROTO_ICMP || !owns(link, ip.destination) || icmp[0] !== ICMP_ECHO_REQUEST || internetChecksum(icmp) !== 0) return;
  const payload = echoMessage({ type: ICMP_ECHO_REPLY, id: icmp.readUInt16BE(4), sequence: icmp.readUInt16BE(6), data: icmp.subarray(8) });
  const out = interfaces.find((i) => i.link.adminUp && i.link.carrier && owns(i.link, ip.destination));
  if (out === undefined) return;
  send(out, ip.destination, ip.source, (destinationMac) =>
    ipv4Frame({ sourceMac: out.link.mac ?? BROADCAST_MAC, destinationMac, source: ip.destination, destination: ip.source, protocol: IPPROTO_ICMP, payload }),
  );
}

/** Sends to `destination` through `iface`, asking for its MAC first if the interface does not know it. */
function send(iface: Interface, source: IpAddress, destination: IpAddress, build: (destinationMac: MacAddress) => Buffer): void {
  const key = formatIp(destination);
  const known = iface.neighbours.get(key);
  if (known !== undefined) {
    iface.link.tap?.kernelSend(build(known));
    return;
  }
  iface.waiting.set(key, [...(iface.waiting.get(key) ?? []), build]);
  iface.link.tap?.kernelSend(arpRequest({ mac: iface.link.mac ?? BROADCAST_MAC, ip: source }, destination));
}

function learn(iface: Interface, address: IpAddress, mac: MacAddress): void {
  const key = formatIp(address);
  iface.neighbours.set(key, Buffer.from(mac));
  const waiting = iface.waiting.get(key) ?? [];
  iface.waiting.delete(key);
  for (const build of waiting) iface.link.tap?.kernelSend(build(mac));
}

function owns(link: KernelLink, address: IpAddress): boolean {
  return link.addresses().some((prefix) => ipEquals(prefix.address, address));
}

function fail(message: string): never {
  throw new Error(message);
}
