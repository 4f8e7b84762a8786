/**
 * What the relay must know of a carp interface, derived from the core's configuration and the
 * kernel's view: the one place where the layer-2 face of src/carp/link-layer.ts becomes the
 * relay's routes and readdressing rules.
 */
import { arpHashKey } from '../balance/arp-hash';
import { BALANCING_MODES } from '../balance/modes';
import { BY_ARP_HASH } from '../balance/node-selectors';
import { linkLayerOf } from '../carp/link-layer';
import type { CarpInterfaceConfig } from '../carp/types';
import { LEADER_NODE } from '../relay/inbound-table';
import type { CarpPortShape } from '../relay/relay';
import type { IpAddress, MacAddress } from '../wire/address';

/** carpN before it has a vhid or a carpdev: no routes, nothing passes. */
export const DETACHED_SHAPE: CarpPortShape = {
  carpdev: null,
  vhids: [],
  macs: [],
  addresses: [],
  neighborNode: LEADER_NODE,
  balancing: null,
  adminUp: false,
};

export function portShapeOf(
  config: CarpInterfaceConfig,
  addresses: readonly IpAddress[],
  carpdev: { readonly name: string; readonly mac: MacAddress | null } | null,
  adminUp: boolean,
): CarpPortShape {
  const layer2 = linkLayerOf(config);
  const { tapMac, wireMac } = layer2;
  const perNode = BALANCING_MODES[layer2.balancing].perNodeMacs;
  return {
    carpdev: carpdev?.name ?? null,
    vhids: config.nodes.map((n) => n.vhid),
    macs: layer2.receive,
    addresses,
    // balancing arp: the requester's hash picks the node that answers (OpenBSD carp_iamatch).
    neighborNode: perNode ? BY_ARP_HASH : LEADER_NODE,
    balancing:
      tapMac === null || wireMac === null
        ? null
        : {
            mode: layer2.balancing,
            tapMac,
            wireMac,
            nodeMacs: layer2.nodeMacs,
            arpKey: perNode ? arpHashKey(config.key.bytes) : null,
            carpdevMac: carpdev?.mac ?? null,
          },
    adminUp,
  };
}
