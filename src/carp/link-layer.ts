/**
 * The layer-2 face of a carp interface (docs/protocol.md §1.6 and §4.3): the MAC carpN carries,
 * the MAC the world reaches its addresses on, which node a received frame is for, and the
 * Ethernet source of each node's advertisements. Derived from the configuration alone, so that
 * the core's actions, the relay's routes and the TAP's address always agree.
 */
import { effectiveBalancing } from '../balance/defaults';
import { BALANCING_MODES, type BalancingMode } from '../balance/modes';
import { BY_IP_HASH } from '../balance/node-selectors';
import { type MacAddress, virtualMac, vrrpIpv6VirtualMac } from '../wire/address';
import type { CarpInterfaceConfig } from './types';

/**
 * What a frame to `mac` is for: a node's index in vhid order, or BY_IP_HASH (docs/protocol.md
 * §4.4): in the ip modes every host takes the frames to the wire MAC and keeps those whose hash
 * index is a node it is MASTER of.
 */
export interface ReceiveRoute {
  readonly mac: MacAddress;
  readonly node: number;
}

export interface LinkLayer {
  /** The balancing mode in force (docs/protocol.md §4.2). */
  readonly balancing: BalancingMode;
  /**
   * carpN's own (TAP) MAC: the leader's unicast virtual MAC 00:00:5e:00:01:<vhid> in every mode,
   * since Linux refuses a multicast address as a device's MAC; null before a vhid is set.
   */
  readonly tapMac: MacAddress | null;
  /**
   * The MAC the addresses are answered with in ARP / NA and received on: in `ip` the multicast
   * 01:00:5e:00:01:<leader vhid>, so that switches flood it to every host; otherwise tapMac.
   */
  readonly wireMac: MacAddress | null;
  /** The MACs carpN receives on and whom each delivers to. */
  readonly receive: readonly ReceiveRoute[];
  /** Each node's own virtual MAC 00:00:5e:00:01:<its vhid>, in vhid order (`arp` answers with them). */
  readonly nodeMacs: readonly MacAddress[];
  /** The Ethernet source of each node's advertisements, in vhid order; null: the carpdev's MAC. */
  readonly advertisementSources: readonly (MacAddress | null)[];
}

/** `vrrp` (carpver 3) adds the IPv6 virtual MAC to what carpN receives on. */
type LinkConfig = Pick<CarpInterfaceConfig, 'nodes' | 'balancing'> & { readonly vrrp?: CarpInterfaceConfig['vrrp'] };

/** 01:00:5e:00:01:<vhid>: the virtual MAC with the group bit set (OpenBSD balancing ip). */
function multicastVirtualMac(vhid: number): MacAddress {
  const mac = virtualMac(vhid);
  mac[0] = 0x01;
  return mac;
}

function receiveRoutes(config: LinkConfig, balancing: BalancingMode, wireMac: MacAddress): ReceiveRoute[] {
  const traits = BALANCING_MODES[balancing];
  // arp: each node answers ARP with its own MAC, so frames come to it by that MAC.
  if (traits.perNodeMacs) return config.nodes.map((node, index) => ({ mac: virtualMac(node.vhid), node: index }));
  const routes = [{ mac: wireMac, node: traits.hashFiltered ? BY_IP_HASH : 0 }];
  // VRRPv3 over IPv6 answers with 00:00:5e:00:02:VRID (RFC 5798 7.3), so frames come to it too.
  const leader = config.nodes[0];
  if (config.vrrp !== undefined && config.vrrp !== null && leader !== undefined) routes.push({ mac: vrrpIpv6VirtualMac(leader.vhid), node: 0 });
  return routes;
}

/**
 * The Ethernet source of the advertisements of the node with `vhid`. none and ip-unicast: carpN's
 * MAC (OBSD-cur); arp: the node's own MAC (OBSD-5.8), so that switches learn each node's MAC where
 * its master is; ip and ip-stealth: null, the carpdev's MAC, so that the virtual MAC never
 * appears as a source (docs/protocol.md §4.3, the note on source MACs).
 */
export function advertisementSourceMac(config: LinkConfig, vhid: number): MacAddress | null {
  const leader = config.nodes[0];
  const traits = BALANCING_MODES[effectiveBalancing(config.nodes.length, config.balancing)];
  if (leader === undefined || !traits.virtualMacAsSource) return null;
  return virtualMac(traits.perNodeMacs ? vhid : leader.vhid);
}

export function linkLayerOf(config: LinkConfig): LinkLayer {
  const balancing = effectiveBalancing(config.nodes.length, config.balancing);
  const leader = config.nodes[0];
  if (leader === undefined) return { balancing, tapMac: null, wireMac: null, receive: [], nodeMacs: [], advertisementSources: [] };
  const tapMac = virtualMac(leader.vhid);
  const wireMac = BALANCING_MODES[balancing].interfaceMac === 'multicast' ? multicastVirtualMac(leader.vhid) : tapMac;
  return {
    balancing,
    tapMac,
    wireMac,
    receive: receiveRoutes(config, balancing, wireMac),
    nodeMacs: config.nodes.map((node) => virtualMac(node.vhid)),
    advertisementSources: config.nodes.map((node) => advertisementSourceMac(config, node.vhid)),
  };
}
