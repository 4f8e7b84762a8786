/**
 * The kernel mirror's tables (OpenBSD ospfd kroute.c keeps the same two: interfaces and their
 * addresses) and the rules that turn kernel messages into typed changes. Pure: messages in, events
 * out, so the ordering and idempotence rules are tested without a kernel.
 *
 * Every apply is idempotent and returns no event when nothing visible changed, because a message
 * can arrive twice (once as a notification and once in a dump that overlapped it). A sweep is a
 * full dump: what it does not mention (and no notification re-added meanwhile) is gone.
 */
import {
  type AddressEntry,
  type DeletedPrimary,
  addressKey,
  insertIpv4,
  insertIpv6,
  ipv6SourceScope,
  placeDumped,
  promoteIpv4,
} from './address-lists';
import type { DecodedAddress } from './rtnetlink-codec';
import { IFA_F_SECONDARY } from './rtnetlink-constants';
import type { AddressInfo, KernelEvent, LinkInfo } from './types';

interface LinkAddresses {
  readonly v4: AddressEntry[];
  readonly v6: AddressEntry[];
}

export type SweepKind = 'links' | 'addresses';

interface Sweep {
  readonly kind: SweepKind;
  /** Link indexes or address keys the dump (or a notification during it) confirmed. */
  readonly seen: Set<string>;
  /** Per link and family: addresses this dump has put in their final place. */
  readonly placed: Map<string, Set<string>>;
}

function sameLink(a: LinkInfo, b: LinkInfo): boolean {
  const sameMac = a.mac === null || b.mac === null ? a.mac === b.mac : a.mac.equals(b.mac);
  return a.name === b.name && sameMac && a.adminUp === b.adminUp && a.lowerUp === b.lowerUp && a.mtu === b.mtu;
}

export class MirrorState {
  private readonly linksByIndex = new Map<number, LinkInfo>();
  private readonly addressesByLink = new Map<number, LinkAddresses>();
  private readonly deletedPrimaries = new Map<number, DeletedPrimary>();
  private sweep: Sweep | null = null;

  links(): LinkInfo[] {
    return [...this.linksByIndex.values()].sort((a, b) => a.index - b.index);
  }

  linkByIndex(index: number): LinkInfo | undefined {
    return this.linksByIndex.get(index);
  }

  linkByName(name: string): LinkInfo | undefined {
    for (const link of this.linksByIndex.values()) if (link.name === name) return link;
    return undefined;
  }

  /** IPv4 then IPv6, each in kernel order: what `ip addr show dev X` lists. */
  addressesOf(ifindex: number): AddressInfo[] {
    const lists = this.addressesByLink.get(ifindex);
    return lists ? [...lists.v4, ...lists.v6].map((entry) => entry.info) : [];
  }

  beginSweep(kind: SweepKind): void {
    this.sweep = { kind, seen: new Set(), placed: new Map() };
  }

  abortSweep(): void {
    this.sweep = null;
  }

  /** Ends the running sweep: everything of its kind it did not confirm is removed. */
  endSweep(): KernelEvent[] {
    const sweep = this.sweep;
    this.sweep = null;
    if (!sweep) return [];
    if (sweep.kind === 'links') {
      const stale = [...this.linksByIndex.keys()].filter((index) => !sweep.seen.has(String(index)));
      return stale.flatMap((index) => this.removeLink(index));
    }
    const events: KernelEvent[] = [];
    for (const lists of this.addressesByLink.values()) {
      for (const entry of [...lists.v4, ...lists.v6]) {
        if (!sweep.seen.has(entry.key)) events.push(...this.removeEntry(entry));
      }
    }
    return events;
  }

  upsertLink(link: LinkInfo): KernelEvent[] {
    if (this.sweep?.kind === 'links') this.sweep.seen.add(String(link.index));
    const known = this.linksByIndex.get(link.index);
    if (known && sameLink(known, link)) return [];
    this.linksByIndex.set(link.index, link);
    return [{ kind: 'link-changed', link }];
  }

  /** The link and, first, any address still listed for it (the kernel normally removed them already). */
  removeLink(index: number): KernelEvent[] {
    const link = this.linksByIndex.get(index);
    const lists = this.addressesByLink.get(index);
    const events = lists ? [...lists.v4, ...lists.v6].flatMap((entry) => this.removeEntry(entry)) : [];
    this.addressesByLink.delete(index);
    this.deletedPrimaries.delete(index);
    if (!link) return events;
    this.linksByIndex.delete(index);
    return [...events, { kind: 'link-removed', link }];
  }

  upsertAddress(address: DecodedAddress, fromDump: boolean): KernelEvent[] {
    const key = addressKey(address.index, address.prefix);
    if (this.sweep?.kind === 'addresses') this.sweep.seen.add(key);
    const list = this.listFor(address.index, address.prefix.address.family);
    const known = list.find((entry) => entry.key === key);
    const secondary = address.prefix.address.family === 4 && (address.flags & IFA_F_SECONDARY) !== 0;
    const entry = known ?? {
      info: { ifindex: address.index, prefix: address.prefix },
      key,
      secondary,
      scope: address.prefix.address.family === 4 ? address.scope : ipv6SourceScope(address.prefix.address.bytes),
    };
    if (fromDump && this.sweep?.kind === 'addresses') {
      entry.secondary = secondary;
      const placed = this.placedIn(this.sweep, address.index, address.prefix.address.family);
      placeDumped(list, entry, placed);
      placed.add(key);
    } else if (!known) {
      if (address.prefix.address.family === 4) insertIpv4(list, entry);
      else insertIpv6(list, entry);
    } else if (known.secondary && !secondary) {
      promoteIpv4(list, known, this.deletedPrimaries.get(address.index));
      this.deletedPrimaries.delete(address.index);
    }
    return known ? [] : [{ kind: 'address-added', address: entry.info }];
  }

  removeAddress(address: DecodedAddress): KernelEvent[] {
    const key = addressKey(address.index, address.prefix);
    const list = this.listFor(address.index, address.prefix.address.family);
    const entry = list.find((candidate) => candidate.key === key);
    if (!entry) return [];
    if (address.prefix.address.family === 4 && !entry.secondary) {
      this.deletedPrimaries.set(address.index, { position: list.indexOf(entry), scope: entry.scope });
    }
    return this.removeEntry(entry);
  }

  private removeEntry(entry: AddressEntry): KernelEvent[] {
    const lists = this.addressesByLink.get(entry.info.ifindex);
    const list = entry.info.prefix.address.family === 4 ? lists?.v4 : lists?.v6;
    const position = list?.indexOf(entry) ?? -1;
    if (!list || position < 0) return [];
    list.splice(position, 1);
    this.sweep?.seen.delete(entry.key);
    return [{ kind: 'address-removed', address: entry.info }];
  }

  private listFor(ifindex: number, family: 4 | 6): AddressEntry[] {
    let lists = this.addressesByLink.get(ifindex);
    if (!lists) {
      lists = { v4: [], v6: [] };
      this.addressesByLink.set(ifindex, lists);
    }
    return family === 4 ? lists.v4 : lists.v6;
  }

  private placedIn(sweep: Sweep, ifindex: number, family: 4 | 6): Set<string> {
    const listId = `${ifindex}/${family}`;
    const placed = sweep.placed.get(listId) ?? new Set<string>();
    sweep.placed.set(listId, placed);
    return placed;
  }
}
