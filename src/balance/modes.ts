/**
 * The balancing modes of an OpenBSD carp interface (`balancing none|ip|ip-stealth|ip-unicast|arp`,
 * OpenBSD >= 5.8; docs/protocol.md §4) as data: what each mode means for the interface's MAC, the
 * frames it accepts and sends, and its transitions. `arp` exists in OpenBSD 5.8 only (removed
 * later); it is kept for clusters with such nodes.
 */

/** In the order OpenBSD's ifconfig lists them (CARP_BAL_MODES), `arp` last. */
export const BALANCING_MODE_NAMES = ['none', 'ip', 'ip-stealth', 'ip-unicast', 'arp'] as const;

export type BalancingMode = (typeof BALANCING_MODE_NAMES)[number];

export interface BalancingTraits {
  /**
   * The carp interface's MAC, from the leader's vhid: `unicast` 00:00:5e:00:01:<vhid> or
   * `multicast` 01:00:5e:00:01:<vhid>, which makes switches flood it to every node.
   */
  readonly interfaceMac: 'unicast' | 'multicast';
  /** Every carpnode answers ARP/NDP with its own MAC 00:00:5e:00:01:<its vhid> (carp_hash picks it). */
  readonly perNodeMacs: boolean;
  /**
   * Every node accepts frames to the interface MAC whatever its state, then keeps only the IP
   * packets whose fold hash falls into a carpnode it is MASTER for (OpenBSD carp_lsdrop).
   */
  readonly hashFiltered: boolean;
  /**
   * The virtual MAC may be the Ethernet source of frames sent through the interface. Never in
   * ip-stealth (the switch must not learn it); not in ip either, where it is a multicast address:
   * the carpdev's real MAC is used instead (docs/protocol.md §4, note on source MACs).
   */
  readonly virtualMacAsSource: boolean;
  /** Gratuitous ARP / unsolicited NA on becoming MASTER; OpenBSD sends none in balancing modes. */
  readonly gratuitousAnnouncements: boolean;
}

export const BALANCING_MODES: Readonly<Record<BalancingMode, BalancingTraits>> = {
  none: {
    interfaceMac: 'unicast',
    perNodeMacs: false,
    hashFiltered: false,
    virtualMacAsSource: true,
    gratuitousAnnouncements: true,
  },
  ip: {
    interfaceMac: 'multicast',
    perNodeMacs: false,
    hashFiltered: true,
    virtualMacAsSource: false,
    gratuitousAnnouncements: false,
  },
  'ip-stealth': {
    interfaceMac: 'unicast',
    perNodeMacs: false,
    hashFiltered: true,
    virtualMacAsSource: false,
    gratuitousAnnouncements: false,
  },
  // Flooding to every node is the network's job here: a hub, a mirror port, a static MAC entry.
  'ip-unicast': {
    interfaceMac: 'unicast',
    perNodeMacs: false,
    hashFiltered: true,
    virtualMacAsSource: true,
    gratuitousAnnouncements: false,
  },
  arp: {
    interfaceMac: 'unicast',
    perNodeMacs: true,
    hashFiltered: false,
    virtualMacAsSource: true,
    gratuitousAnnouncements: false,
  },
};
