/**
 * One network device as the fake kernel holds it (the truth; a FakeMirror sees it later, through
 * notifications). Only FakeKernel changes it, so that every change sends the notifications the
 * real kernel would.
 */
import type { AddressEntry } from '../../src/kernel/address-lists';
import type { LinkInfo } from '../../src/kernel/types';
import type { IpPrefix, MacAddress } from '../../src/wire/address';
import type { Port } from './segment';
import type { TapStack } from './tap-stack';

export type LinkKind = 'loopback' | 'ethernet' | 'tap' | 'other';

export interface LinkState {
  adminUp: boolean;
  /** netif_carrier_ok(): the cable, or TUNSETCARRIER. */
  carrier: boolean;
  mac: MacAddress | null;
  mtu: number;
}

export class KernelLink {
  /** False once the device is unregistered; whoever still holds it sees a dead device. */
  present = true;
  /** IPv4 and IPv6 addresses, each in the kernel's order (src/kernel/address-lists.ts). */
  readonly v4: AddressEntry[] = [];
  readonly v6: AddressEntry[] = [];
  /** The kernel side of a TAP device; set by FakeKernel when it creates one. */
  tap: TapStack | null = null;
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly index: number,
    readonly name: string,
    readonly kind: LinkKind,
    /** @internal Changed by FakeKernel only. */
    readonly state: LinkState,
    /** The segment port of an Ethernet link. */
    readonly nic: Port | null,
  ) {}

  get adminUp(): boolean {
    return this.state.adminUp;
  }

  get carrier(): boolean {
    return this.state.carrier;
  }

  get mac(): MacAddress | null {
    return this.state.mac;
  }

  get mtu(): number {
    return this.state.mtu;
  }

  /** As rtnetlink reports it: IFF_LOWER_UP only while the device is also up (dev_get_flags). */
  get info(): LinkInfo {
    const { adminUp, carrier, mac, mtu } = this.state;
    return { index: this.index, name: this.name, mac: mac && Buffer.from(mac), adminUp, lowerUp: adminUp && carrier, mtu };
  }

  /** What `ip addr show` lists: IPv4 then IPv6. */
  addresses(): IpPrefix[] {
    return [...this.v4, ...this.v6].map((entry) => entry.info.prefix);
  }

  /** Calls `watcher` after every change of state or presence; returns the function that stops it. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** @internal FakeKernel, after a change. */
  changed(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
