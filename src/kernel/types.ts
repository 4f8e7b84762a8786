/**
 * The kernel mirror (docs/design.md, "What the kernel must be told"): links and addresses as the kernel reports them
 * over rtnetlink, plus the few kernel settings the daemon changes. The daemon depends on these
 * interfaces; src/kernel/ implements them.
 */
import type { IpPrefix } from '../wire/address';

export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  /** null for links without an Ethernet address. */
  readonly mac: Buffer | null;
  /** IFF_UP: administratively up. */
  readonly adminUp: boolean;
  /** IFF_LOWER_UP: carrier / link present. */
  readonly lowerUp: boolean;
  readonly mtu: number;
}

export interface AddressInfo {
  readonly ifindex: number;
  readonly prefix: IpPrefix;
}

export type KernelEvent =
  | { readonly kind: 'link-changed'; readonly link: LinkInfo } // new, or flags/name/MAC changed
  | { readonly kind: 'link-removed'; readonly link: LinkInfo }
  | { readonly kind: 'address-added'; readonly address: AddressInfo }
  | { readonly kind: 'address-removed'; readonly address: AddressInfo };

/** What the mirror skipped or recovered from, for `carpctl stats`. */
export interface MirrorCounters {
  /** Datagrams or messages that could not be decoded (skipped). */
  malformed: number;
  /** Well-formed messages of types or families the mirror does not track. */
  ignored: number;
  /** ENOBUFS reports: the kernel dropped notifications for us. */
  overruns: number;
  /** Full dumps after the first one (after an overrun, an interrupted dump or an unreadable datagram). */
  resyncs: number;
}

export interface KernelMirror {
  readonly counters: Readonly<MirrorCounters>;
  /** Subscribes to link and address changes, then dumps the current state (no event is lost). */
  start(): Promise<void>;
  linkByName(name: string): LinkInfo | undefined;
  linkByIndex(index: number): LinkInfo | undefined;
  links(): readonly LinkInfo[];
  /** Addresses of a link in kernel order (the order `ip addr` shows). */
  addressesOf(ifindex: number): readonly AddressInfo[];
  /** Called for every change after start(), in kernel order. */
  onEvent(listener: (event: KernelEvent) => void): void;
  close(): void;
}

export interface KernelControl {
  setLinkUp(name: string, up: boolean): Promise<void>;
  addAddress(name: string, prefix: IpPrefix): Promise<void>;
  removeAddress(name: string, prefix: IpPrefix): Promise<void>;
}
