/**
 * VRRP advertisements as a VRRP router (keepalived) sends them on the CARP groups with IP
 * protocol 112: VRRPv2 (RFC 3768 5.1) and VRRPv3 (RFC 5798 5.1). Each comes as the
 * ReceivedAdvertisement the relay would hand the core.
 */
import type { ReceivedAdvertisement } from '../../src/carp/types';
import { type IpAddress, parseIp } from '../../src/wire/address';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP, IPPROTO_CARP } from '../../src/wire/carp';
import { finishChecksum, internetChecksum, sumWords } from '../../src/wire/checksum';

export interface VrrpAd {
  readonly vrid: number;
  readonly priority?: number;
  readonly addresses: readonly string[];
  readonly source?: string;
}

function header(versionType: number, ad: VrrpAd, addresses: readonly IpAddress[], tail: number): Buffer {
  const packet = Buffer.alloc(8 + addresses.reduce((n, a) => n + a.bytes.length, 0) + tail);
  packet[0] = versionType;
  packet[1] = ad.vrid;
  packet[2] = ad.priority ?? 100;
  packet[3] = addresses.length;
  let at = 8;
  for (const address of addresses) at += address.bytes.copy(packet, at);
  return packet;
}

/** VRRPv2: no authentication (type 0), advertisement interval 1 s, 8 zero bytes of auth data. */
export function vrrp2(ad: VrrpAd): ReceivedAdvertisement {
  const packet = header(0x21, ad, ad.addresses.map(parseIp), 8);
  packet[5] = 1;
  packet.writeUInt16BE(internetChecksum(packet), 6);
  const source = parseIp(ad.source ?? '192.0.2.7');
  return { carpdev: 'eth0', family: 4, source, destination: CARP_IPV4_GROUP, ttl: 255, payload: packet };
}

/** VRRPv3: maximum advertisement interval 100 cs, checksum over the IP pseudo-header too. */
export function vrrp3(ad: VrrpAd): ReceivedAdvertisement {
  const addresses = ad.addresses.map(parseIp);
  const family = addresses[0]?.family === 6 ? 6 : 4;
  const source = parseIp(ad.source ?? (family === 4 ? '192.0.2.7' : 'fe80::7'));
  const destination = family === 4 ? CARP_IPV4_GROUP : CARP_IPV6_GROUP;
  const packet = header(0x31, ad, addresses, 0);
  packet.writeUInt16BE(100, 4);
  const pseudo = sumWords(destination.bytes, 0, destination.bytes.length, sumWords(source.bytes, 0, source.bytes.length));
  packet.writeUInt16BE(finishChecksum(sumWords(packet, 0, packet.length, pseudo + IPPROTO_CARP + packet.length)), 6);
  return { carpdev: 'eth0', family, source, destination, ttl: 255, payload: packet };
}
