/**
 * Probes for load balancing through carpd: clients that resolve the VIP and ping it, and which
 * host answered — told by the Ethernet source of the reply (the carpdev's MAC in `ip` and
 * `ip-stealth`) or by the relay counters of each host.
 */
import { type MacAddress, formatMac, parseIp } from '../../src/wire/address';
import { ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { ICMP_ECHO_REQUEST, IPPROTO_ICMP, arpRequest, echoMessage, ipv4Frame } from '../fakes/frames';
import type { Client } from '../fakes/world';
import type { DaemonLab } from './lab';
import { VIP, arpReplies } from './scenarios';

export interface Answer {
  /** The MAC the client resolved the VIP to (null: no ARP reply). */
  readonly resolvedTo: string | null;
  /** The Ethernet sources of the echo replies, one per answering host. */
  readonly repliesFrom: readonly string[];
}

/** Resolves the address (unless `mac` is given) and pings it once; waits `windowMs` for answers. */
export async function probe(
  lab: DaemonLab,
  client: Client,
  sequence: number,
  mac: MacAddress | null = null,
  windowMs = 200,
  address = VIP,
): Promise<Answer> {
  const vip = parseIp(address);
  let destination = mac;
  if (destination === null) {
    const seen = client.endpoint.received.length;
    client.endpoint.send(arpRequest({ mac: client.mac, ip: client.ipv4 }, vip));
    await lab.advance(windowMs);
    destination = arpReplies(client, seen)[0] ?? null;
    if (destination === null) return { resolvedTo: null, repliesFrom: [] };
  }
  const seen = client.endpoint.received.length;
  const echo = echoMessage({ type: ICMP_ECHO_REQUEST, id: 9, sequence, data: Buffer.from('balance') });
  client.endpoint.send(
    ipv4Frame({ sourceMac: client.mac, destinationMac: destination, source: client.ipv4, destination: vip, protocol: IPPROTO_ICMP, payload: echo }),
  );
  await lab.advance(windowMs);
  return { resolvedTo: formatMac(destination), repliesFrom: echoRepliesFrom(client, seen, sequence) };
}

function echoRepliesFrom(client: Client, since: number, sequence: number): string[] {
  return client.endpoint.received.slice(since).flatMap((frame) => {
    const ethernet = decodeEthernet(frame);
    if (ethernet.etherType !== ETHERTYPE_IPV4) return [];
    const ip = decodeIpv4(frame, ethernet.payloadOffset);
    const isReply = ip.protocol === IPPROTO_ICMP && frame[ip.payloadOffset] === 0 && frame.readUInt16BE(ip.payloadOffset + 6) === sequence;
    return isReply ? [formatMac(ethernet.source)] : [];
  });
}
