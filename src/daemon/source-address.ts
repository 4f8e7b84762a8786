/**
 * The IP source of an advertisement (docs/protocol.md §1.1, §1.2; OBSD-cur): the carpdev's first
 * IPv4 address, or for IPv6 its link-local address (its first IPv6 address if it has no
 * link-local); if the carpdev has none of that family, the carp interface's own first address.
 * Receivers of multicast advertisements do not check the source (except ucarp's tie-break), so
 * any stable address works. A carppeer does check it (§1.7): an IPv6 advertisement to a peer that
 * is not link-local comes from the carpdev's first address that is not link-local either, the
 * address the peer names as its own carppeer.
 */
import { type Family, type IpAddress, isIpv6LinkLocal } from '../wire/address';

export function advertisementSource(
  family: Family,
  carpdevAddresses: readonly IpAddress[],
  carpAddresses: readonly IpAddress[],
  peer: IpAddress | null = null,
): IpAddress | null {
  // Loops, not filtered copies: this runs for every advertisement a MASTER sends.
  const global = peer !== null && !isIpv6LinkLocal(peer);
  let first: IpAddress | null = null;
  for (const address of carpdevAddresses) {
    if (address.family !== family) continue;
    if (family === 6 && isIpv6LinkLocal(address) !== global) return address;
    first ??= address;
  }
  if (first !== null) return first;
  for (const address of carpAddresses) if (address.family === family) return address;
  return null;
}
