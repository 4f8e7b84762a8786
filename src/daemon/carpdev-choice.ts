/**
 * The carpdev of a carp interface that was given none, chosen by subnet as OpenBSD did before 5.7
 * (carp_set_addr: "another interface with the same subnet"): a non-carp Ethernet interface with an
 * address whose subnet, by that address's own prefix length, holds an address of carpN. IPv6
 * link-local addresses count on neither side: every interface has fe80::/64.
 *
 * OpenBSD took the first interface that matched; two that match are refused here, since the order
 * of interfaces is no reason to pick one. Like DragonFly's carp, the carpdev in use is kept while
 * it still matches; it is also kept while nothing matches (a parent that loses its address for a
 * moment must not stop carpN) and while carpN has no address at all. Pure.
 */
import { type IpPrefix, formatPrefix, ipEquals, isIpv6LinkLocal, networkOf } from '../wire/address';
import { wordList } from '../config/grammar';

/** A possible carpdev and its addresses. */
export interface ParentInterface {
  readonly name: string;
  readonly prefixes: readonly IpPrefix[];
}

/** Why a parent matches: `parent`, one of its addresses, holds `address` of carpN. */
export interface SubnetMatch {
  readonly carpdev: string;
  readonly parent: IpPrefix;
  readonly address: IpPrefix;
}

export type CarpdevChoice =
  /** The carpdev in use stays. */
  | { readonly kind: 'keep' }
  | { readonly kind: 'chosen'; readonly match: SubnetMatch }
  /** Two or more parents match: none is taken (the one in use does not match). */
  | { readonly kind: 'ambiguous'; readonly matches: readonly SubnetMatch[] }
  /** carpN has no carpdev and addresses that no parent's subnet holds. */
  | { readonly kind: 'none'; readonly addresses: readonly IpPrefix[] };

export function chooseCarpdev(current: string | null, addresses: readonly IpPrefix[], parents: readonly ParentInterface[]): CarpdevChoice {
  const usable = addresses.filter((a) => !isIpv6LinkLocal(a.address));
  if (usable.length === 0) return { kind: 'keep' };
  const matches = parents.flatMap((parent) => {
    const match = firstMatch(parent, usable);
    return match === null ? [] : [match];
  });
  const [only] = matches;
  if (matches.some((m) => m.carpdev === current) || (matches.length === 0 && current !== null)) return { kind: 'keep' };
  if (only === undefined) return { kind: 'none', addresses: usable };
  return matches.length === 1 ? { kind: 'chosen', match: only } : { kind: 'ambiguous', matches };
}

/** The carpdev a choice leaves carpN with. */
export function carpdevAfter(current: string | null, choice: CarpdevChoice): string | null {
  switch (choice.kind) {
    case 'keep':
      return current;
    case 'chosen':
      return choice.match.carpdev;
    case 'ambiguous':
    case 'none':
      return null;
  }
}

function firstMatch(parent: ParentInterface, addresses: readonly IpPrefix[]): SubnetMatch | null {
  for (const prefix of parent.prefixes) {
    if (isIpv6LinkLocal(prefix.address)) continue;
    const address = addresses.find((a) => holds(prefix, a));
    if (address !== undefined) return { carpdev: parent.name, parent: prefix, address };
  }
  return null;
}

/** OpenBSD's (addr & ia_subnetmask) == ia_subnet: the parent's mask decides, not carpN's. */
function holds(subnet: IpPrefix, candidate: IpPrefix): boolean {
  if (subnet.address.family !== candidate.address.family) return false;
  return ipEquals(networkOf({ address: candidate.address, prefixLength: subnet.prefixLength }), networkOf(subnet));
}

function describeMatch(match: SubnetMatch): string {
  return `${match.carpdev} (${formatPrefix(match.parent)} holds ${formatPrefix(match.address)})`;
}

/** The log line of a choice (not of `keep`, which changes nothing). */
export function describeChoice(ifname: string, choice: Exclude<CarpdevChoice, { kind: 'keep' }>): string {
  switch (choice.kind) {
    case 'chosen': {
      const { carpdev, parent, address } = choice.match;
      return `${ifname}: carpdev ${carpdev} chosen: it has ${formatPrefix(parent)}, whose subnet holds ${formatPrefix(address)}`;
    }
    case 'ambiguous':
      return `${ifname}: no carpdev chosen: ${ambiguity(choice.matches)}; ${ifname} stays INIT until then`;
    case 'none': {
      const held = wordList(choice.addresses.map(formatPrefix));
      return `${ifname}: no carpdev chosen: no interface has an address whose subnet holds ${held}; ${ifname} stays INIT until one has, or carpdev is given`;
    }
  }
}

/** "eth0 (10.77.0.1/24 holds 10.77.0.50) and eth1 (...) both match by subnet: give carpdev eth0 or carpdev eth1". */
export function ambiguity(matches: readonly SubnetMatch[]): string {
  const described = matches.map(describeMatch);
  const list = `${described.slice(0, -1).join(', ')} and ${described[described.length - 1] ?? ''}`;
  const names = wordList(matches.map((m) => `carpdev ${m.carpdev}`));
  return `${list} ${matches.length === 2 ? 'both' : 'all'} match by subnet: give ${names}`;
}
