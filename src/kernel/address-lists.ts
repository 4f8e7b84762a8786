/**
 * The order of a link's addresses as the kernel keeps it (and `ip addr` prints it), rebuilt from
 * notifications that do not say where an address went. Each function follows one kernel rule:
 * - IPv4 (net/ipv4/devinet.c __inet_insert_ifa): a secondary (another address in a primary's
 *   subnet) goes last; a primary goes after the last primary of the same or a narrower scope.
 * - IPv4 promotion (__inet_del_ifa, promote_secondaries=1): when a primary is deleted, its first
 *   secondary becomes primary and moves after the last primary (of the deleted one's scope or
 *   narrower) between the deleted one's place and its own, or into the deleted one's place.
 * - IPv6 (net/ipv6/addrconf.c ipv6_link_dev_addr): sorted by scope, broadest first, and a new
 *   address goes before older ones of its scope.
 * A dump is authoritative: each dumped address is placed right after the one dumped before it.
 */
import { type IpPrefix } from '../wire/address';
import type { AddressInfo } from './types';

export interface AddressEntry {
  readonly info: AddressInfo;
  readonly key: string;
  /** IPv4 IFA_F_SECONDARY: another address of the same subnet came first. */
  secondary: boolean;
  /** IPv4: the RT_SCOPE_* of the address (larger is narrower). IPv6: its source scope (larger is broader). */
  readonly scope: number;
}

/** Where a deleted IPv4 primary was, for placing the secondary the kernel promotes next. */
export interface DeletedPrimary {
  readonly position: number;
  readonly scope: number;
}

/** Identifies an address of a link: the same address may also sit on another link, or with another length. */
export function addressKey(ifindex: number, prefix: IpPrefix): string {
  return `${ifindex}/${prefix.address.family}/${prefix.address.bytes.toString('hex')}/${prefix.prefixLength}`;
}

/** The kernel's ipv6_addr_src_scope(): link-local (and ::1) 2, site-local 5, everything else global 14. */
export function ipv6SourceScope(bytes: Buffer): number {
  const first = bytes[0] as number;
  const second = (bytes[1] as number) & 0xc0;
  if (first === 0xfe && second === 0x80) return 2;
  if (first === 0xfe && second === 0xc0) return 5;
  const loopback = bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1;
  return loopback ? 2 : 14;
}

function isPrimaryOfScope(entry: AddressEntry | undefined, scope: number): boolean {
  return entry !== undefined && !entry.secondary && entry.scope >= scope;
}

/** __inet_insert_ifa: secondaries last, primaries after the last primary of the same or a narrower scope. */
export function insertIpv4(list: AddressEntry[], entry: AddressEntry): void {
  if (entry.secondary) {
    list.push(entry);
    return;
  }
  let position = 0;
  list.forEach((other, index) => {
    if (isPrimaryOfScope(other, entry.scope)) position = index + 1;
  });
  list.splice(position, 0, entry);
}

/** __inet_del_ifa: `entry` (in `list`) has just been promoted after the primary `deleted` was removed. */
export function promoteIpv4(list: AddressEntry[], entry: AddressEntry, deleted: DeletedPrimary | undefined): void {
  const current = list.indexOf(entry);
  list.splice(current, 1);
  entry.secondary = false;
  if (!deleted || deleted.position > current) {
    insertIpv4(list, entry);
    return;
  }
  let position = deleted.position;
  for (let index = deleted.position; index < current; index++) {
    if (isPrimaryOfScope(list[index], deleted.scope)) position = index + 1;
  }
  list.splice(position, 0, entry);
}

/** ipv6_link_dev_addr: before the first address of the same or a narrower scope. */
export function insertIpv6(list: AddressEntry[], entry: AddressEntry): void {
  const position = list.findIndex((other) => entry.scope >= other.scope);
  list.splice(position < 0 ? list.length : position, 0, entry);
}

/** A dumped address goes right after the last address this dump has placed in `list` (or first). */
export function placeDumped(list: AddressEntry[], entry: AddressEntry, placed: ReadonlySet<string>): void {
  const current = list.indexOf(entry);
  if (current >= 0) list.splice(current, 1);
  let position = 0;
  list.forEach((other, index) => {
    if (placed.has(other.key)) position = index + 1;
  });
  list.splice(position, 0, entry);
}
