/**
 * One host's kernel as the daemon meets it: network devices with their addresses (the truth),
 * KernelControl over them, the rtnetlink notifications every change sends to subscribed mirrors,
 * and the two files the daemon reads (tun_flags, ipv6 forwarding). The test side of the class is
 * what an administrator or the hardware does: `ip link`, `ip addr`, a cable pulled.
 *
 * Changes follow Linux where a daemon could notice: ifindexes are never reused, IPv4 addresses of
 * one subnet after the first are secondaries and one is promoted when the primary goes
 * (promote_secondaries=1, the systemd default), IPv6 addresses are flushed when a device goes
 * down (keep_addr_on_down=0), and a device that goes away is first brought down and loses its
 * addresses, each with its notification.
 */
import {
  type AddressEntry,
  addressKey,
  insertIpv4,
  insertIpv6,
  ipv6SourceScope,
  promoteIpv4,
} from '../../src/kernel/address-lists';
import { errnoError, invalidArgument } from '../../src/kernel/errors';
import { checkInterfaceName } from '../../src/kernel/interface-name';
import type { DecodedAddress } from '../../src/kernel/rtnetlink-codec';
import { AF_INET, AF_INET6, IFA_F_SECONDARY, RT_SCOPE_UNIVERSE } from '../../src/kernel/rtnetlink-constants';
import type { KernelControl, LinkInfo } from '../../src/kernel/types';
import {
  type IpPrefix,
  type MacAddress,
  formatPrefix,
  ipEquals,
  multicastMacFor,
  networkOf,
  parsePrefix,
  solicitedNodeGroup,
} from '../../src/wire/address';
import { Prng } from '../sim/prng';
import { errnoNumber } from './errno';
import { KernelLink, type LinkKind, type LinkState } from './kernel-link';
import type { Scheduler } from './scheduler';
import { ALL_HOSTS_MAC, ALL_NODES_MAC, type Port } from './segment';
import { TapStack } from './tap-stack';

/** An rtnetlink message of the link and address groups, as a NetlinkMirror would decode it. */
export type KernelNotification =
  | { readonly kind: 'newlink' | 'dellink'; readonly link: LinkInfo }
  | { readonly kind: 'newaddr' | 'deladdr'; readonly address: DecodedAddress };

/** A subscriber to the notifications: a FakeMirror's netlink socket. */
export interface NotificationSink {
  notify(message: KernelNotification): void;
}

export type ControlOperation = 'setLinkUp' | 'addAddress' | 'removeAddress';

export interface LinkChanges {
  readonly adminUp?: boolean;
  /** The cable, or TUNSETCARRIER; reported as lowerUp only while the link is also up. */
  readonly carrier?: boolean;
  readonly mtu?: number;
  readonly mac?: MacAddress;
}

export interface FakeKernelOptions {
  /** Seeds the random MACs of new TAP devices. */
  readonly seed?: number;
}

/** Loopback addresses get host scope, as `ip addr add` gives them. */
const RT_SCOPE_HOST = 254;
const ETHERNET_MTU = 1500;

function sameSubnet(a: IpPrefix, b: IpPrefix): boolean {
  return a.prefixLength === b.prefixLength && ipEquals(networkOf(a), networkOf(b));
}

function toPrefix(prefix: IpPrefix | string): IpPrefix {
  if (typeof prefix === 'string') return parsePrefix(prefix);
  return { address: { ...prefix.address, bytes: Buffer.from(prefix.address.bytes) }, prefixLength: prefix.prefixLength };
}

function checkPrefix(operation: string, prefix: IpPrefix): void {
  const { family, bytes } = prefix.address;
  const bits = family === 4 ? 32 : 128;
  const { prefixLength } = prefix;
  if (bytes.length !== bits / 8 || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits) {
    throw invalidArgument(operation, 'not an IPv4 or IPv6 prefix with a valid length');
  }
}

/** IPv6 order is derived from the address itself (MirrorState), so only IPv4 needs ifa_scope. */
function decoded(entry: AddressEntry): DecodedAddress {
  const ipv4 = entry.info.prefix.address.family === 4;
  return {
    family: ipv4 ? AF_INET : AF_INET6,
    index: entry.info.ifindex,
    flags: entry.secondary ? IFA_F_SECONDARY : 0,
    scope: ipv4 ? entry.scope : RT_SCOPE_UNIVERSE,
    prefix: entry.info.prefix,
  };
}

export class FakeKernel implements KernelControl {
  /** /proc/sys/net/ipv6/conf/all/forwarding. */
  ipv6Forwarding = false;
  private readonly devices = new Map<number, KernelLink>();
  private lastIndex = 0;
  private readonly sinks = new Set<NotificationSink>();
  private readonly failures = new Map<ControlOperation, Error>();
  private readonly prng: Prng;

  constructor(
    readonly scheduler: Scheduler,
    options: FakeKernelOptions = {},
  ) {
    this.prng = new Prng(options.seed ?? 1);
    this.register('lo', 'loopback', { adminUp: true, carrier: true, mac: null, mtu: 65_536 }, null);
    this.ipAddrAdd('lo', '127.0.0.1/8');
    this.ipAddrAdd('lo', '::1/128');
  }

  // ---------------------------------------------------------------------------------------------
  // The test side: what `ip` and the hardware do. Errors are KernelErrors, as `ip` would report.

  link(name: string): KernelLink | undefined {
    for (const link of this.devices.values()) if (link.name === name) return link;
    return undefined;
  }

  /** A NIC on a segment, up and cabled, listening to all-hosts and all-nodes like any host. */
  addEthernet(name: string, nic: Port, options: { readonly mtu?: number } = {}): KernelLink {
    const state = { adminUp: true, carrier: true, mac: Buffer.from(nic.mac), mtu: options.mtu ?? ETHERNET_MTU };
    const link = this.register(name, 'ethernet', state, nic);
    nic.running = true;
    nic.accept(ALL_HOSTS_MAC);
    nic.accept(ALL_NODES_MAC);
    return link;
  }

  /** A device that is neither a TAP nor on a segment (a bridge, a dummy), down. */
  addLink(name: string, options: { readonly mac?: MacAddress | null } = {}): KernelLink {
    return this.register(name, 'other', { adminUp: false, carrier: true, mac: options.mac ?? null, mtu: ETHERNET_MTU }, null);
  }

  /** `ip link set`, or the cable (`carrier`). */
  setLinkState(name: string, changes: LinkChanges): void {
    this.changeLink(this.requireLink(`setLinkState ${name}`, name), changes);
  }

  /** `ip link del`: also a TAP that an fd still holds. */
  deleteLink(name: string): void {
    this.destroy(this.requireLink(`deleteLink ${name}`, name));
  }

  /** `ip addr add`. */
  ipAddrAdd(name: string, prefix: IpPrefix | string): void {
    const parsed = toPrefix(prefix);
    const operation = `addAddress ${name} ${formatPrefix(parsed)}`;
    this.insertAddress(operation, this.requireLink(operation, name), parsed);
  }

  /** `ip addr del`. */
  ipAddrDel(name: string, prefix: IpPrefix | string): void {
    const parsed = toPrefix(prefix);
    const operation = `removeAddress ${name} ${formatPrefix(parsed)}`;
    this.deleteAddress(operation, this.requireLink(operation, name), parsed);
  }

  /** The next call of `operation` fails with `error` and changes nothing. */
  failNext(operation: ControlOperation, error: Error): void {
    this.failures.set(operation, error);
  }

  /** What the daemon reads from /sys/class/net/<name>/tun_flags. */
  isTapDevice(name: string): Promise<boolean> {
    return Promise.resolve(this.link(name)?.kind === 'tap');
  }

  // ---------------------------------------------------------------------------------------------
  // KernelControl. The change happens in the call (rtnetlink handles a request inside sendmsg);
  // the promise settles before any mirror hears of it, like an ACK read before the notification.

  setLinkUp(name: string, up: boolean): Promise<void> {
    const operation = `setLinkUp ${name} ${up ? 'up' : 'down'}`;
    return this.control('setLinkUp', operation, name, null, (link) => this.changeLink(link, { adminUp: up }));
  }

  addAddress(name: string, prefix: IpPrefix): Promise<void> {
    const operation = `addAddress ${name} ${this.describe(prefix)}`;
    return this.control('addAddress', operation, name, prefix, (link) => this.insertAddress(operation, link, toPrefix(prefix)));
  }

  removeAddress(name: string, prefix: IpPrefix): Promise<void> {
    const operation = `removeAddress ${name} ${this.describe(prefix)}`;
    return this.control('removeAddress', operation, name, prefix, (link) => this.deleteAddress(operation, link, toPrefix(prefix)));
  }

  // ---------------------------------------------------------------------------------------------
  // For MemoryBinding and FakeMirror.

  /** TUNSETIFF of a new name: a TAP with a random locally administered MAC, down. */
  createTap(name: string): KernelLink {
    const mac = Buffer.from(Array.from({ length: 6 }, () => this.prng.nextUint32() & 0xff));
    mac[0] = ((mac[0] as number) & 0xfe) | 0x02;
    const link = this.register(name, 'tap', { adminUp: false, carrier: false, mac, mtu: ETHERNET_MTU }, null);
    link.tap = new TapStack(link, this.scheduler);
    return link;
  }

  /** tun_set_iff: an fd attaches, and the carrier comes on. */
  attachTap(link: KernelLink, queue: (frame: Buffer) => boolean): void {
    (link.tap as TapStack).attached = queue;
    this.changeLink(link, { carrier: true });
  }

  /** __tun_detach of the last fd: carrier off, and the device goes unless it is persistent. */
  detachTap(link: KernelLink): void {
    const tap = link.tap as TapStack;
    tap.attached = null;
    if (!link.present) return;
    this.changeLink(link, { carrier: false });
    if (!tap.persist) this.destroy(link);
  }

  changeLink(link: KernelLink, changes: LinkChanges): void {
    const wasUp = link.adminUp;
    const { state } = link;
    if (changes.adminUp !== undefined) state.adminUp = changes.adminUp;
    if (changes.carrier !== undefined) state.carrier = changes.carrier;
    if (changes.mtu !== undefined) state.mtu = changes.mtu;
    if (changes.mac !== undefined) state.mac = Buffer.from(changes.mac);
    if (link.nic) {
      link.nic.running = state.adminUp && state.carrier;
      if (state.mac) link.nic.mac = Buffer.from(state.mac);
    }
    // The kernel sends RTM_NEWLINK also for changes a mirror cannot see; MirrorState drops those.
    this.notify({ kind: 'newlink', link: link.info });
    if (wasUp && !state.adminUp) {
      for (const entry of [...link.v6]) this.dropAddress(link, entry, false);
    }
    link.changed();
  }

  subscribe(sink: NotificationSink): void {
    this.sinks.add(sink);
  }

  unsubscribe(sink: NotificationSink): void {
    this.sinks.delete(sink);
  }

  /** What RTM_GETLINK and RTM_GETADDR dumps return: links by index, addresses in kernel order. */
  dump(): { links: LinkInfo[]; addresses: DecodedAddress[] } {
    const links = [...this.devices.values()].sort((a, b) => a.index - b.index);
    return { links: links.map((l) => l.info), addresses: links.flatMap((l) => [...l.v4, ...l.v6].map(decoded)) };
  }

  // ---------------------------------------------------------------------------------------------

  private control(
    operation: ControlOperation,
    description: string,
    name: string,
    prefix: IpPrefix | null,
    change: (link: KernelLink) => void,
  ): Promise<void> {
    try {
      checkInterfaceName(description, name);
      if (prefix) checkPrefix(description, prefix);
      const failure = this.failures.get(operation);
      if (failure) {
        this.failures.delete(operation);
        throw failure;
      }
      change(this.requireLink(description, name));
      return Promise.resolve();
    } catch (e: unknown) {
      return Promise.reject(e as Error);
    }
  }

  private describe(prefix: IpPrefix): string {
    try {
      return formatPrefix(prefix);
    } catch {
      return '(invalid prefix)';
    }
  }

  private requireLink(operation: string, name: string): KernelLink {
    const link = this.link(name);
    if (!link) throw errnoError(operation, errnoNumber('ENODEV'));
    return link;
  }

  private register(name: string, kind: LinkKind, state: LinkState, nic: Port | null): KernelLink {
    checkInterfaceName(`add link ${name}`, name);
    if (this.link(name)) throw errnoError(`add link ${name}`, errnoNumber('EEXIST'));
    const link = new KernelLink(++this.lastIndex, name, kind, state, nic);
    this.devices.set(link.index, link);
    this.notify({ kind: 'newlink', link: link.info });
    return link;
  }

  /** unregister_netdevice: down first, then every address, then the device. */
  private destroy(link: KernelLink): void {
    if (link.adminUp) this.changeLink(link, { adminUp: false });
    // inetdev_destroy marks the device dead first: no secondary is promoted on the way out.
    for (const entry of [...link.v4, ...link.v6]) this.dropAddress(link, entry, false);
    if (link.tap) link.tap.attached = null;
    if (link.nic) {
      link.nic.running = false;
      link.nic.unaccept(ALL_HOSTS_MAC);
      link.nic.unaccept(ALL_NODES_MAC);
    }
    link.present = false;
    this.devices.delete(link.index);
    this.notify({ kind: 'dellink', link: link.info });
    link.changed();
  }

  private insertAddress(operation: string, link: KernelLink, prefix: IpPrefix): void {
    const { address } = prefix;
    const ipv4 = address.family === 4;
    const key = addressKey(link.index, prefix);
    // IPv4 refuses the same address and length again; IPv6 the same address with any length.
    const taken = ipv4 ? link.v4.some((e) => e.key === key) : link.v6.some((e) => ipEquals(e.info.prefix.address, address));
    if (taken) throw errnoError(operation, errnoNumber('EEXIST'));
    const entry: AddressEntry = {
      info: { ifindex: link.index, prefix },
      key,
      secondary: ipv4 && link.v4.some((e) => !e.secondary && sameSubnet(e.info.prefix, prefix)),
      scope: ipv4 ? (address.bytes[0] === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE) : ipv6SourceScope(address.bytes),
    };
    if (ipv4) insertIpv4(link.v4, entry);
    else insertIpv6(link.v6, entry);
    this.notify({ kind: 'newaddr', address: decoded(entry) });
    if (!ipv4) link.nic?.accept(multicastMacFor(solicitedNodeGroup(address)));
  }

  private deleteAddress(operation: string, link: KernelLink, prefix: IpPrefix): void {
    const key = addressKey(link.index, prefix);
    const entry = [...link.v4, ...link.v6].find((e) => e.key === key);
    if (!entry) throw errnoError(operation, errnoNumber('EADDRNOTAVAIL'));
    this.dropAddress(link, entry, true);
  }

  /** __inet_del_ifa / ipv6_del_addr; with `promote`, the first secondary of a primary's subnet takes over. */
  private dropAddress(link: KernelLink, entry: AddressEntry, promote: boolean): void {
    const { address } = entry.info.prefix;
    const list = address.family === 4 ? link.v4 : link.v6;
    const position = list.indexOf(entry);
    list.splice(position, 1);
    this.notify({ kind: 'deladdr', address: decoded(entry) });
    if (address.family === 6) {
      link.nic?.unaccept(multicastMacFor(solicitedNodeGroup(address)));
      return;
    }
    if (!promote || entry.secondary) return;
    const heir = list.find((e) => e.secondary && sameSubnet(e.info.prefix, entry.info.prefix));
    if (!heir) return;
    promoteIpv4(list, heir, { position, scope: entry.scope });
    this.notify({ kind: 'newaddr', address: decoded(heir) });
  }

  private notify(message: KernelNotification): void {
    for (const sink of this.sinks) sink.notify(message);
  }
}
