/** Setups and probes shared by the in-process daemon tests. */
import { formatMac, formatPrefix, parseIp } from '../../src/wire/address';
import { decodeArp } from '../../src/wire/arp';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { ICMP_ECHO_REQUEST, IPPROTO_ICMP, arpRequest, echoMessage, ipv4Frame } from '../fakes/frames';
import type { Client } from '../fakes/world';
import { DaemonLab } from './lab';

export const VIP = '10.77.0.50';
export const PASS = 'mekmitasdigoat';

/** What `ip addr show dev IFNAME` lists on host n: the kernel's truth, IPv4 then IPv6. */
export function ipAddr(lab: DaemonLab, n: number, ifname = 'carp0'): string[] {
  return (lab.world.host(n).kernel.link(ifname)?.addresses() ?? []).map(formatPrefix);
}

/** The messages carpd on host n logged, in order. */
export function logged(lab: DaemonLab, n: number): string[] {
  return lab.log(n).map((record) => record.msg);
}

/** carp0 on every given host: vhid 1 on eth0; host 1 preferred (advskew 0), the others 100. */
export async function configurePair(lab: DaemonLab, hosts: readonly number[] = [1, 2]): Promise<void> {
  for (const n of hosts) {
    await lab.ok(n, 'carp0', 'create', 'vhid', '1', 'pass', PASS, 'carpdev', 'eth0', 'advskew', n === 1 ? '0' : '100');
    lab.world.host(n).kernel.ipAddrAdd('carp0', `${VIP}/24`);
  }
}

/**
 * A lab of two hosts running carpd with carp0 configured by configurePair; with `settled`, host 1
 * is MASTER and host 2 BACKUP, and the first advertisement has been delivered.
 */
export async function pairLab(settled: boolean): Promise<DaemonLab> {
  const lab = await DaemonLab.create({ hosts: 2 });
  await lab.start(1);
  await lab.start(2);
  await configurePair(lab);
  if (settled) {
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
    await lab.advance(100);
  }
  return lab;
}

/**
 * The client resolves the VIP (or `address`) and pings it; returns the MAC that answered the ARP
 * request, after checking that exactly one echo reply came back. Fails if nothing answers within a
 * second.
 */
export async function pingVip(lab: DaemonLab, client: Client, sequence = 1, address = VIP): Promise<string> {
  const vip = parseIp(address);
  const from = { mac: client.mac, ip: client.ipv4 };
  const seen = client.endpoint.received.length;
  client.endpoint.send(arpRequest(from, vip));
  await lab.until(() => arpReplies(client, seen).length > 0, 1000);
  const answerers = arpReplies(client, seen);
  const mac = answerers[0] as Buffer;
  const echo = echoMessage({ type: ICMP_ECHO_REQUEST, id: 7, sequence, data: Buffer.from('carp') });
  const afterArp = client.endpoint.received.length;
  client.endpoint.send(ipv4Frame({ sourceMac: client.mac, destinationMac: mac, source: client.ipv4, destination: vip, protocol: IPPROTO_ICMP, payload: echo }));
  await lab.until(() => echoReplies(client, afterArp) > 0, 1000);
  await lab.advance(50);
  const replies = echoReplies(client, afterArp);
  if (replies !== 1) throw new Error(`${replies} echo replies: the address answered from ${replies} hosts`);
  return formatMac(mac);
}

/** The sender MACs of the ARP replies the client received since `since`. */
export function arpReplies(client: Client, since: number): Buffer[] {
  return client.endpoint.received.slice(since).flatMap((frame) => {
    const ethernet = decodeEthernet(frame);
    if (ethernet.etherType !== ETHERTYPE_ARP) return [];
    const arp = decodeArp(frame, ethernet.payloadOffset);
    return arp.operation === 2 ? [Buffer.from(arp.senderMac)] : [];
  });
}

function echoReplies(client: Client, since: number): number {
  return client.endpoint.received.slice(since).filter((frame) => {
    const ethernet = decodeEthernet(frame);
    if (ethernet.etherType !== ETHERTYPE_IPV4) return false;
    const ip = decodeIpv4(frame, ethernet.payloadOffset);
    return ip.protocol === IPPROTO_ICMP && frame[ip.payloadOffset] === 0;
  }).length;
}
