/**
 * The VRRPv3 receive pipeline (RFC 5798 7.1, docs/protocol.md §8.4) for carpver 3 vhids: the
 * packet already has the shape and checksum of VRRPv3 (looksLikeVrrp3). Flat guards, each with
 * its own counter: header fields, vrid, TTL, carppeer, our own packet, the address list. A vrid
 * no carpver 3 vhid has is a neighbour's, counted as before.
 */
import { type Family, type IpAddress, compareIp, formatIp, ipEquals, isIpv6LinkLocal } from '../wire/address';
import { CARP_TTL } from '../wire/carp';
import { WireError } from '../wire/errors';
import { type Vrrp3Advertisement, VRRP3_PRIORITY_BOW_OUT, VRRP3_PRIORITY_OWNER, decodeVrrp3 } from '../wire/vrrp';
import type { CarpInterface } from './carp-interface';
import type { CoreContext } from './context';
import { dropAtNode, dropBeforeVhid, findRunningNode, fromAcceptedSender } from './receive-guards';
import type { Action, ReceivedAdvertisement } from './types';
import type { VirtualHost } from './virtual-host';

/** A VRRPv3 advertisement that passed every guard. */
export interface AcceptedVrrp {
  readonly protocol: 'vrrp3';
  readonly iface: CarpInterface;
  readonly node: VirtualHost;
  readonly ad: Vrrp3Advertisement;
  readonly family: Family;
  /** The sender's address is above ours: it wins a tie of priorities (RFC 5798 6.4.3). */
  readonly senderHigher: boolean;
}

/** The addresses that make up a virtual router's list: of one family, link-local ones aside. */
function routerAddresses(addresses: readonly IpAddress[], family: Family): string[] {
  return addresses
    .filter((a) => a.family === family && !isIpv6LinkLocal(a))
    .map(formatIp)
    .sort();
}

function sameAddresses(iface: CarpInterface, ad: Vrrp3Advertisement, family: Family): boolean {
  const ours = routerAddresses(iface.virtualAddresses(), family);
  const theirs = routerAddresses(ad.addresses, family);
  return ours.length === theirs.length && ours.every((a, i) => a === theirs[i]);
}

export function screenVrrp(ctx: CoreContext, packet: ReceivedAdvertisement, family: Family, out: Action[]): AcceptedVrrp | null {
  const stats = ctx.statsOf(packet.carpdev);
  let ad: Vrrp3Advertisement;
  try {
    ad = decodeVrrp3(packet.payload, 0, packet.payload.length, packet);
  } catch (e: unknown) {
    if (!(e instanceof WireError)) throw e;
    return dropBeforeVhid(stats, packet, 'hdrops', e.message, out);
  }
  const match = findRunningNode(ctx, packet.carpdev, ad.vrid);
  if (match === null || match.iface.vrrp === null) {
    // A VRRP router of another group on the segment, also one whose VRID is the number of a CARP
    // vhid (docs/protocol.md §8.2): counted, not reported.
    stats.vrrp++;
    return null;
  }
  const { iface, node } = match;
  if (family === 4) node.stats.ipackets++;
  else node.stats.ipackets6++;
  if (packet.ttl !== CARP_TTL) return dropAtNode(match, packet, 'badttl', `received ttl ${packet.ttl} != ${CARP_TTL}`, out);
  if (!fromAcceptedSender(iface, packet)) return dropAtNode(match, packet, 'badpeer', 'unicast VRRPv3 advertisement not from the carppeer', out);
  const local = packet.localSource ?? null;
  if (local !== null && ipEquals(local, packet.source)) return dropAtNode(match, packet, 'loop', 'our own VRRPv3 advertisement came back', out);
  // RFC 5798 7.1: a list that is not ours is dropped, unless the address owner sent it.
  if (ad.priority !== VRRP3_PRIORITY_OWNER && !sameAddresses(iface, ad, family)) {
    const theirs = ad.addresses.map(formatIp).join(', ');
    return dropAtNode(match, packet, 'badaddrs', `VRRPv3 addresses ${theirs} are not ours (${routerAddresses(iface.virtualAddresses(), family).join(', ')})`, out);
  }
  node.stats.accepted++;
  if (ad.priority === VRRP3_PRIORITY_BOW_OUT) node.stats.bowOutsReceived++;
  const senderHigher = local === null || compareIp(packet.source, local) > 0;
  return { protocol: 'vrrp3', iface, node, ad, family, senderHigher };
}
