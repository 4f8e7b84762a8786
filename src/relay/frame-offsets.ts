/**
 * Where the data plane reads fields in an untagged Ethernet frame without decoding it (the BPF
 * program in the kernel, the inbound table in the daemon), from the codecs' own layouts.
 */
import { ARP_OFFSET_SENDER_IP, ARP_OFFSET_TARGET_IP } from '../wire/arp';
import { ETHERNET_HEADER_LENGTH, ETHERNET_OFFSET_ETHERTYPE } from '../wire/ethernet';
import { IPV4_OFFSET_DESTINATION, IPV4_OFFSET_PROTOCOL, IPV4_OFFSET_SOURCE } from '../wire/ipv4';
import { IPV6_OFFSET_NEXT_HEADER } from '../wire/ipv6';

export const FRAME_ETHERTYPE = ETHERNET_OFFSET_ETHERTYPE;
export const FRAME_IPV4_PROTOCOL = ETHERNET_HEADER_LENGTH + IPV4_OFFSET_PROTOCOL;
export const FRAME_IPV4_SOURCE = ETHERNET_HEADER_LENGTH + IPV4_OFFSET_SOURCE;
export const FRAME_IPV4_DESTINATION = ETHERNET_HEADER_LENGTH + IPV4_OFFSET_DESTINATION;
export const FRAME_IPV6_NEXT_HEADER = ETHERNET_HEADER_LENGTH + IPV6_OFFSET_NEXT_HEADER;
export const FRAME_ARP_SENDER_IP = ETHERNET_HEADER_LENGTH + ARP_OFFSET_SENDER_IP;
export const FRAME_ARP_TARGET_IP = ETHERNET_HEADER_LENGTH + ARP_OFFSET_TARGET_IP;
