/**
 * The IP source of an advertisement (docs/protocol.md §1.1, §1.2; OBSD-cur): the carpdev's first
 * IPv4 address, or for IPv6 its link-local address (its first IPv6 address if it has no
 * link-local); if the carpdev has none of that family, the carp interface's own first address.
 * Receivers do not check the source (except ucarp's tie-break), so any stable address works.
 */
import { type Family, type IpAddress, isIpv6LinkLocal } from '../wire/address';

export function advertisementSource(
  family: Family,
  carpdevAddresses: readonly IpAddress[],
  carpAddresses: readonly IpAddress[],
): IpAddress | null {
  const ofFamily = (list: readonly IpAddress[]): IpAddress[] => list.filter((a) => a.family === family);
  const parent = ofFamily(carpdevAddresses);
  const preferred = family === 6 ? parent.find(isIpv6LinkLocal) : undefined;
  return preferred ?? parent[0] ?? ofFamily(carpAddresses)[0] ?? null;
}
