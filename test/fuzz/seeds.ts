/**
 * Well-formed frames the mutations start from: each protocol the decoders know, in the forms
 * OpenBSD, FreeBSD and ucarp send and keepalived's VRRPv3, so that most mutants are one or two bytes away from valid.
 */
import { parseIp, virtualMac } from '../../src/wire/address';
import { encodeArp } from '../../src/wire/arp';
import { encodeCarp } from '../../src/wire/carp';
import { buildAdvertisementFrame, buildGratuitousArp, buildUnsolicitedNeighborAdvert } from '../../src/wire/frames';
import { encodeIpv6 } from '../../src/wire/ipv6';
import { encodeNdp } from '../../src/wire/ndp';
import { readPcap } from '../helpers/pcap';
import { fixturePath } from '../wire/fixtures';
import { V1_COUNTER, V1_FRAME_FREEBSD, V1_FRAME_OPENBSD, V1_FRAME_UCARP, V1_HMAC, V4_FRAME_IPV6 } from '../wire/vectors';

/** The pseudo-header of the neighbour advertisement seed, which `decodeNdp` is given. */
export const NA_ENDPOINTS = { source: parseIp('2001:db8::10'), destination: parseIp('ff02::1') };

function neighborSolicitation(): Buffer {
  const endpoints = { source: parseIp('fe80::2'), destination: parseIp('ff02::1:ff00:10') };
  const ndp = encodeNdp({ type: 135, target: parseIp('2001:db8::10'), sourceLinkLayer: virtualMac(2) }, endpoints);
  const ip = encodeIpv6({ ...endpoints, trafficClass: 0, flowLabel: 0, payloadLength: ndp.length, nextHeader: 58, hopLimit: 255 });
  return Buffer.concat([V4_FRAME_IPV6.subarray(0, 14), ip, ndp]);
}

function arpReply(): Buffer {
  const arp = encodeArp({
    operation: 2,
    senderMac: virtualMac(1),
    senderIp: parseIp('192.0.2.10'),
    targetMac: virtualMac(9),
    targetIp: parseIp('192.0.2.99'),
  });
  return Buffer.concat([V1_FRAME_OPENBSD.subarray(0, 12), Buffer.from([0x08, 0x06]), arp]);
}

function ipv6BowOut(): Buffer {
  const payload = encodeCarp({ vhid: 1, advbase: 255, advskew: 255, demote: 0, counter: V1_COUNTER, hmac: V1_HMAC });
  const addresses = { source: parseIp('fe80::1'), destination: parseIp('ff02::12') };
  return buildAdvertisementFrame({ sourceMac: virtualMac(1), ...addresses, trafficClass: 0xe0, ipId: 0, payload });
}

export function seedFrames(): readonly Buffer[] {
  const ucarp = readPcap(fixturePath('ucarp', 'vec3_ucarp_vhid42_b2_s50_vip142.pcap')).records.map((r) => r.data);
  const keepalived = ['v3_ipv4_vrid7_prio200_int100.pcap', 'v3_ipv6_vrid9_prio150_int10.pcap'].map(
    (file) => readPcap(fixturePath('keepalived', file)).records[0]?.data ?? Buffer.alloc(0),
  );
  return [
    V1_FRAME_OPENBSD,
    V1_FRAME_FREEBSD,
    V1_FRAME_UCARP,
    V4_FRAME_IPV6,
    ipv6BowOut(),
    buildGratuitousArp(virtualMac(1), parseIp('192.0.2.10')),
    buildUnsolicitedNeighborAdvert(virtualMac(1), NA_ENDPOINTS.source, { router: true }),
    neighborSolicitation(),
    arpReply(),
    ...ucarp,
    ...keepalived,
  ];
}
