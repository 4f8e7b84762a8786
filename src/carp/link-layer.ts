/**
 * The layer-2 face of a carp interface (docs/protocol.md §1.6 and §4.3): the MAC carpN carries,
 * the MAC each of its virtual hosts receives frames on, and the Ethernet source of the frames the
 * daemon builds for it. Derived from the configuration alone, so that the core's actions, the
 * relay's routes and the TAP's address always agree.
 */
import { type MacAddress, virtualMac } from '../wire/address';
import type { CarpInterfaceConfig } from './types';

export interface LinkLayer {
  /** carpN's lladdr: the leader's virtual MAC 00:00:5e:00:01:<vhid>; null before a vhid is set. */
  readonly interfaceMac: MacAddress | null;
  /** The MACs carpN receives on, each delivering to one node (its index in vhid order). */
  readonly receive: readonly { readonly mac: MacAddress; readonly node: number }[];
}

/**
 * Without balancing the leader alone carries the address: its virtual MAC is carpN's, and frames
 * to it are the leader's (OpenBSD balancing none).
 */
export function linkLayerOf(config: Pick<CarpInterfaceConfig, 'nodes'>): LinkLayer {
  const leader = config.nodes[0];
  if (leader === undefined) return { interfaceMac: null, receive: [] };
  const mac = virtualMac(leader.vhid);
  return { interfaceMac: mac, receive: [{ mac, node: 0 }] };
}

/** The Ethernet source of carpN's advertisements: carpN's MAC (OBSD-cur); null for the carpdev's. */
export function advertisementSourceMac(config: Pick<CarpInterfaceConfig, 'nodes'>): MacAddress | null {
  return linkLayerOf(config).interfaceMac;
}
