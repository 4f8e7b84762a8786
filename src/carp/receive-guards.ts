/**
 * The guards both receive pipelines share (receive.ts for CARP, receive-vrrp.ts for VRRPv3): the
 * running node a vhid names, the carppeer check, and dropping with a counter and a reason.
 */
import { type IpAddress, formatIp, ipEquals, isMulticastIp } from '../wire/address';
import type { CarpInterface } from './carp-interface';
import type { CoreContext, NodeOf } from './context';
import { peerOf } from './peers';
import type { CarpdevDropReason, NodeDropReason } from './stats';
import type { Action, CarpdevStats, ReceivedAdvertisement } from './types';
import type { VirtualHost } from './virtual-host';

/** An address for a log line; a malformed address from the driver must not throw here. */
export function describeAddress(address: IpAddress): string {
  try {
    return formatIp(address);
  } catch (e: unknown) {
    return `an unprintable address (${e instanceof Error ? e.message : String(e)})`;
  }
}

export function describeSource(packet: ReceivedAdvertisement): string {
  return describeAddress(packet.source);
}

/**
 * docs/protocol.md §1.7: an advertisement to a multicast group is accepted from anyone, as before;
 * one to a unicast address only from the interface's carppeer of that family, so that a host
 * which is not the peer cannot take part by sending to our address.
 */
export function fromAcceptedSender(iface: CarpInterface, packet: ReceivedAdvertisement): boolean {
  if (isMulticastIp(packet.destination)) return true;
  const peer = peerOf(iface.peers, packet.family === 6 ? 6 : 4);
  return peer !== undefined && ipEquals(peer, packet.source);
}

export function dropBeforeVhid(
  stats: CarpdevStats,
  packet: ReceivedAdvertisement,
  reason: CarpdevDropReason,
  detail: string,
  out: Action[],
): null {
  stats[reason]++;
  out.push({ kind: 'drop', carpdev: packet.carpdev, ifname: null, vhid: null, reason, detail: `${detail} from ${describeSource(packet)}` });
  return null;
}

export function dropAtNode(
  match: { readonly iface: CarpInterface; readonly node: VirtualHost },
  packet: ReceivedAdvertisement,
  reason: NodeDropReason,
  detail: string,
  out: Action[],
): null {
  match.node.stats[reason]++;
  out.push({
    kind: 'drop',
    carpdev: packet.carpdev,
    ifname: match.iface.name,
    vhid: match.node.vhid,
    reason,
    detail: `${detail} from ${describeSource(packet)}`,
  });
  return null;
}

/**
 * The node with this vhid on a running carp interface of this carpdev. A vhid is used at most once
 * per carpdev (OpenBSD carp_check_dup_vhids), so the first interface that has it is the only one.
 */
export function findRunningNode(ctx: CoreContext, carpdev: string, vhid: number): NodeOf | null {
  const match = ctx.nodeOn(carpdev, vhid);
  return match !== undefined && match.iface.haltReason(ctx) === null ? match : null;
}
