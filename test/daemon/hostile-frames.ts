/** Frames a hostile or broken host on the segment sends at carpd: advertisements, good and bad. */
import { type IpAddress, type MacAddress, parseIp } from '../../src/wire/address';
import { CARP_IPV4_GROUP, encodeCarp } from '../../src/wire/carp';
import { buildAdvertisementFrame } from '../../src/wire/frames';
import { computeHmac, deriveKey } from '../../src/wire/hmac';
import type { Client } from '../fakes/world';
import { VIP } from './scenarios';

export interface ForgedAd {
  readonly vhid?: number;
  readonly advskew?: number;
  readonly pass?: string;
  /** Breaks the CARP checksum after encoding. */
  readonly badChecksum?: boolean;
  readonly ttl?: number;
  /** A unicast destination (a host's own address and MAC) instead of the CARP group. */
  readonly to?: { readonly ip: IpAddress; readonly mac: MacAddress };
}

/** An advertisement from the client for vhid 1 over the VIP, with whatever the test breaks. */
export function forgedAdvertisement(client: Client, ad: ForgedAd = {}): Buffer {
  const vhid = ad.vhid ?? 1;
  const counter = Buffer.from('0102030405060708', 'hex');
  const hmac = computeHmac(deriveKey(ad.pass ?? 'wrong passphrase'), { vhid, addresses: [parseIp(VIP)], counter });
  const payload = encodeCarp({ vhid, advbase: 1, advskew: ad.advskew ?? 0, demote: 0, counter, hmac });
  if (ad.badChecksum) payload[6] = (payload[6] as number) ^ 0xff;
  const frame = buildAdvertisementFrame({
    sourceMac: client.mac,
    source: client.ipv4,
    destination: ad.to?.ip ?? CARP_IPV4_GROUP,
    ...(ad.to === undefined ? {} : { destinationMac: ad.to.mac }),
    trafficClass: 0x10,
    ipId: 1,
    payload,
  });
  if (ad.ttl !== undefined) setIpv4Ttl(frame, ad.ttl);
  return frame;
}

/** A frame of IP protocol 112 whose IPv4 header is broken (its header checksum is wrong). */
export function malformedIpFrame(client: Client): Buffer {
  const frame = forgedAdvertisement(client);
  frame[14 + 10] = (frame[14 + 10] as number) ^ 0xff;
  return frame;
}

/** Rewrites the TTL and keeps the IPv4 header checksum right. */
function setIpv4Ttl(frame: Buffer, ttl: number): void {
  const ip = 14;
  frame[ip + 8] = ttl;
  frame.writeUInt16BE(0, ip + 10);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += frame.readUInt16BE(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  frame.writeUInt16BE(~sum & 0xffff, ip + 10);
}
