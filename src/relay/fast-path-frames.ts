/**
 * The frames the in-kernel data path carries instead of the relay (src/kernel/fast-path-commands.ts):
 * IPv4 and IPv6 to carpN's virtual MAC. The relay's packet socket sees every frame before tc does,
 * so while the kernel carries them the relay must leave them out, or carpN would get each twice.
 */
import type { MacAddress } from '../wire/address';
import {
  ETHERNET_MAC_LENGTH,
  ETHERNET_OFFSET_DESTINATION,
  ETHERNET_OFFSET_ETHERTYPE,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
} from '../wire/ethernet';

/** Whether the frame at `at` is IPv4 or IPv6 to `mac`. Integers only: this runs per frame. */
export function carriedByFastPath(frame: Uint8Array, at: number, mac: MacAddress): boolean {
  const type = ((frame[at + ETHERNET_OFFSET_ETHERTYPE] as number) << 8) | (frame[at + ETHERNET_OFFSET_ETHERTYPE + 1] as number);
  if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return false;
  const destination = at + ETHERNET_OFFSET_DESTINATION;
  for (let i = 0; i < ETHERNET_MAC_LENGTH; i++) {
    if (frame[destination + i] !== mac[i]) return false;
  }
  return true;
}
