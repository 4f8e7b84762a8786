/**
 * The address words of a command as changes to carpN's addresses in the kernel, done through
 * netlink exactly as `ip addr add|del` would do them, so that the kernel stays the one truth about
 * them. OpenBSD ifconfig's semantics (settings.ts, AddressSetting): an IPv4 address without
 * `alias` replaces the first IPv4 address, `alias` adds one, `-alias` removes one; an address that
 * is there with another length is replaced. Removals come first, so that carpN never holds both
 * the old and the new address. Pure: a refusal happens before anything changes.
 */
import { CarpError } from '../carp/errors';
import type { AddressSetting } from '../config/settings';
import { type IpPrefix, formatPrefix, ipEquals, parseIp } from '../wire/address';

export interface AddressChange {
  readonly kind: 'add' | 'remove';
  readonly prefix: IpPrefix;
}

export interface AddressPlan {
  /** In the order they are made. */
  readonly changes: readonly AddressChange[];
  /** carpN's addresses once they are made (the kernel may order them otherwise). */
  readonly expected: readonly IpPrefix[];
}

export function planAddress(ifname: string, current: readonly IpPrefix[], setting: AddressSetting | undefined): AddressPlan {
  if (setting === undefined) return { changes: [], expected: current };
  const address = parseIp(setting.address);
  const same = current.filter((p) => ipEquals(p.address, address));
  if (setting.kind === 'remove') {
    const removed = same.filter((p) => setting.prefixLength === null || p.prefixLength === setting.prefixLength);
    if (removed.length === 0) throw new CarpError('bad-value', `${ifname} has no address ${describe(setting)}: ${listed(current)}`);
    return plan(current, removed, null);
  }
  const wanted = { address, prefixLength: setting.prefixLength };
  const replaced = same.filter((p) => p.prefixLength !== wanted.prefixLength);
  const primary = current.find((p) => p.address.family === 4);
  // ifconfig's SIOCDIFADDR of the primary: an IPv4 address without alias takes the first one's place.
  if (setting.kind === 'set' && address.family === 4 && primary !== undefined && !ipEquals(primary.address, address)) {
    replaced.unshift(primary);
  }
  const present = same.some((p) => p.prefixLength === wanted.prefixLength);
  return plan(current, replaced, present ? null : wanted);
}

function plan(current: readonly IpPrefix[], removed: readonly IpPrefix[], added: IpPrefix | null): AddressPlan {
  const changes: AddressChange[] = removed.map((prefix) => ({ kind: 'remove', prefix }));
  if (added !== null) changes.push({ kind: 'add', prefix: added });
  const expected = current.filter((p) => !removed.includes(p));
  return { changes, expected: added === null ? expected : [...expected, added] };
}

function describe(setting: AddressSetting): string {
  return setting.prefixLength === null ? setting.address : `${setting.address}/${setting.prefixLength}`;
}

function listed(current: readonly IpPrefix[]): string {
  return current.length === 0 ? 'it has none' : `it has ${current.map(formatPrefix).join(', ')}`;
}
