/**
 * The VRRPv3 advertisements of a carpver 3 virtual host (RFC 5798 5, docs/protocol.md §8.4): one per
 * active family, carrying that family's virtual addresses, to 224.0.0.18 / ff02::12 (or the
 * carppeer) from the family's virtual MAC. The checksum covers the IP source, which the driver
 * chooses, so the one written here (for the group address) is redone by sealVrrp3 before sending.
 */
import { type Family, type IpAddress, type MacAddress, virtualMac, vrrpIpv6VirtualMac } from '../wire/address';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP } from '../wire/carp';
import { encodeVrrp3, vrrp3Length } from '../wire/vrrp';
import { sentAdvertisement } from './advertisement';
import type { CarpInterface } from './carp-interface';
import type { AdvertiseAction, VrrpConfig } from './types';
import type { VirtualHost } from './virtual-host';

/** VRRPv3's multicast groups are CARP's (RFC 5798 5.1.1.2, 5.1.2.2). */
const VRRP_GROUPS: Record<Family, IpAddress> = { 4: CARP_IPV4_GROUP, 6: CARP_IPV6_GROUP };

/** 00:00:5e:00:01:VRID for IPv4 and 00:00:5e:00:02:VRID for IPv6 (RFC 5798 7.3). */
export function vrrpVirtualMac(family: Family, vrid: number): MacAddress {
  return family === 4 ? virtualMac(vrid) : vrrpIpv6VirtualMac(vrid);
}

/**
 * One round at `priority` (0: bow-out), counted as sent. The interface must have a carpdev; a round
 * without an active family is empty.
 */
export function buildVrrpAdvertisements(iface: CarpInterface, vrrp: VrrpConfig, node: VirtualHost, priority: number): AdvertiseAction[] {
  const carpdev = iface.carpdev;
  if (carpdev === null) return [];
  const bowOut = priority === 0;
  return iface.activeFamilies().map((family) => {
    const addresses = iface.virtualAddresses().filter((a) => a.family === family);
    const payload = Buffer.alloc(vrrp3Length(family, addresses.length));
    // The checksum written here is for the group; sealVrrp3 redoes it for the real source.
    encodeVrrp3(
      { vrid: node.vhid, priority, intervalCentiseconds: vrrp.intervalCentiseconds, addresses },
      { source: VRRP_GROUPS[family], destination: VRRP_GROUPS[family] },
      payload,
    );
    return sentAdvertisement(iface, node, carpdev, family, { sourceMac: vrrpVirtualMac(family, node.vhid), protocol: 'vrrp3', payload, bowOut });
  });
}
