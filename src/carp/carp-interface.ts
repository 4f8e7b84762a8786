/**
 * One carpN: its configuration, its virtual hosts (carpnodes, sorted by vhid, the first is the
 * leader), the addresses the kernel reports on it, and the condition under which it runs.
 */
import { effectiveBalancing } from '../balance/defaults';
import type { BalancingMode } from '../balance/modes';
import type { Family, IpAddress } from '../wire/address';
import { isIpv6LinkLocal } from '../wire/address';
import type { CarpKey } from '../wire/hmac';
import { deriveKey } from '../wire/hmac';
import { CARP_GROUP, type DemotionMember } from './demotion';
import { DEFAULT_ADVBASE } from './limits';
import type { Action, CarpInterfaceConfig, TransitionReason, VrrpConfig } from './types';
import type { VirtualHost } from './virtual-host';
import { copyAddress } from './virtual-host';

/** What the running condition needs of the host besides the interface (the CoreContext has it). */
export interface HostConditions {
  readonly shutDown: boolean;
  readonly settings: { readonly allow: boolean };
  /** Interfaces wait for setKernelReady (CarpHostOptions.kernelSetup). */
  readonly kernelSetup: boolean;
  isCarpdevRunning(carpdev: string): boolean;
}

export class CarpInterface implements DemotionMember {
  carpdev: string | null = null;
  advbase = DEFAULT_ADVBASE;
  key: CarpKey = deriveKey('');
  /** The configured groups besides `carp`, and all of them with `carp` first (groups, memberOf). */
  private groupList: readonly string[] = [];
  private memberList: readonly string[] = [CARP_GROUP];
  /** Sorted by vhid. */
  nodes: VirtualHost[] = [];
  /** carppeer: at most one per family, IPv4 first (peers.ts). */
  peers: IpAddress[] = [];
  /** As configured; see balancingInForce. */
  balancing: BalancingMode = 'none';
  /** `garp-refresh SECONDS`; 0: off. */
  garpRefresh = 0;
  /** `carpver 3`: VRRPv3 with these values; null: CARP. */
  vrrp: VrrpConfig | null = null;
  /**
   * As the kernel reports them, in configuration order (the HMAC input of old peers). Replaced,
   * never changed in place: what is derived from it is kept beside it (virtualAddresses,
   * activeFamilies), as every advertisement sent or received asks for it.
   */
  private addressList: readonly IpAddress[] = [];
  private virtualList: readonly IpAddress[] = [];
  private families: readonly Family[] = [];
  adminUp = false;
  /**
   * The carpdev for which the daemon last reported the kernel side set up (ARP settings, policy
   * routes); null: not set up since carpN last came up. Only read with kernelSetup.
   */
  kernelReadyFor: string | null = null;
  /** The vhids of the MASTER nodes as last reported in a LinkStateAction. */
  private masters: readonly number[] = [];
  privateDemote = 0;
  /** OpenBSD "suppressed": +1 applied because the carpdev stopped running. */
  carpdevSuppressed = false;
  /** Consecutive failed sends, and successes since the streak demoted us (OpenBSD sendad counters). */
  sendErrors = 0;
  sendSuccesses = 0;
  /** The send-error demotion in force: the FreeBSD amount added; null when not demoted. */
  sendErrorDemotion: number | null = null;

  constructor(readonly name: string) {}

  /** Configured groups besides `carp`. Replaced, never changed in place: memberOf is kept beside. */
  get groups(): readonly string[] {
    return this.groupList;
  }

  set groups(list: readonly string[]) {
    this.groupList = list;
    this.memberList = [CARP_GROUP, ...list];
  }

  /**
   * Every group, `carp` first: the demote count it adds up is asked for with every advertisement
   * sent or received.
   */
  get memberOf(): readonly string[] {
    return this.memberList;
  }

  /** The first node in vhid order: it owns the gratuitous ARP / NA (docs/protocol.md §4.2). */
  get leader(): VirtualHost | undefined {
    return this.nodes[0];
  }

  /** One node forces none, several with none mean ip (docs/protocol.md §4.2). */
  get balancingInForce(): BalancingMode {
    return effectiveBalancing(this.nodes.length, this.balancing);
  }

  node(vhid: number): VirtualHost | undefined {
    return this.nodes.find((n) => n.vhid === vhid);
  }

  get addresses(): readonly IpAddress[] {
    return this.addressList;
  }

  set addresses(list: readonly IpAddress[]) {
    this.addressList = list;
    // Linux gives a TAP an automatic fe80:: address; it must not make IPv6 "active" (ads,
    // master-down timer) on an IPv4-only vhid, nor count as a configured address, nor be
    // announced. The HMAC still sees the full list: the wire module leaves link-locals out of
    // what it sends and accepts both forms (docs/protocol.md §2.6).
    this.virtualList = list.filter((a) => !isIpv6LinkLocal(a));
    this.families = ([4, 6] as const).filter((family) => this.virtualList.some((a) => a.family === family));
  }

  /** The addresses CARP manages: all but IPv6 link-local ones. */
  virtualAddresses(): readonly IpAddress[] {
    return this.virtualList;
  }

  /** A family is active when the interface has a virtual address of it; IPv4 first. */
  activeFamilies(): readonly Family[] {
    return this.families;
  }

  /**
   * Why the interface does not run, or null when it runs: admin up, carpdev set and running, a
   * vhid, an address, net.inet.carp.allow = 1 and, where the host has a kernel to set up, that
   * setup done for this carpdev: a MASTER whose policy routes are missing answers from the
   * parent's MAC and teaches the LAN the wrong one. The first applicable reason is reported.
   */
  haltReason(ctx: HostConditions): TransitionReason | null {
    if (ctx.shutDown) return 'shutdown';
    if (!ctx.settings.allow) return 'allow-off';
    if (!this.adminUp) return 'admin-down';
    if (this.carpdev !== null && !ctx.isCarpdevRunning(this.carpdev)) return 'carpdev-down';
    if (this.carpdev === null || this.nodes.length === 0 || this.virtualAddresses().length === 0) {
      return 'unconfigured';
    }
    if (ctx.kernelSetup && this.kernelReadyFor !== this.carpdev) return 'kernel-setup';
    return null;
  }

  /** Emits a LinkStateAction when the set of MASTER nodes changes (OpenBSD carp_update_lsmask). */
  updateLink(out: Action[]): void {
    const masters = this.nodes.filter((n) => n.state === 'MASTER').map((n) => n.vhid);
    if (masters.length === this.masters.length && masters.every((vhid, i) => vhid === this.masters[i])) return;
    this.masters = masters;
    out.push({ kind: 'link', ifname: this.name, up: this.linkUp, masters: [...masters] });
  }

  /** TAP carrier: up iff some node is MASTER (OpenBSD-current). */
  get linkUp(): boolean {
    return this.masters.length > 0;
  }

  config(): CarpInterfaceConfig {
    return {
      carpdev: this.carpdev,
      advbase: this.advbase,
      key: { bytes: Buffer.from(this.key.bytes), truncated: this.key.truncated },
      nodes: this.nodes.map((n) => ({ vhid: n.vhid, advskew: n.advskew })),
      balancing: this.balancing,
      groups: [...this.groups],
      garpRefresh: this.garpRefresh,
      peers: this.peers.map(copyAddress),
      vrrp: this.vrrp === null ? null : { ...this.vrrp },
    };
  }

  addressesCopy(): IpAddress[] {
    return this.addresses.map(copyAddress);
  }
}
