/**
 * How a frame to a carp interface finds its carpnode when its destination MAC alone does not say
 * (docs/protocol.md §4.3-§4.5). A route names a node index (0 = the leader), or one of these.
 */

/** The IP fold of source and destination picks the node (balancing ip, ip-stealth, ip-unicast). */
export const BY_IP_HASH = -1;

/** carp_hash of the requester's MAC picks the node (balancing arp: ARP requests and solicitations). */
export const BY_ARP_HASH = -2;
