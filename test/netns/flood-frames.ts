/**
 * What the hostile host of flood.test.ts sends, by kind, and the counter each kind must end up in
 * on both carp hosts: broken and forged advertisements for the pair's vhid, and ARP and neighbour
 * solicitations for its addresses.
 */
import { type IpAddress, type MacAddress, multicastMacFor, parseIp } from '../../src/wire/address';
import { CARP_IPV4_GROUP, IPPROTO_CARP, encodeCarp } from '../../src/wire/carp';
import { internetChecksum } from '../../src/wire/checksum';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV4, encodeEthernet } from '../../src/wire/ethernet';
import { computeHmac, deriveKey } from '../../src/wire/hmac';
import { IPV4_MIN_HEADER_LENGTH, encodeIpv4 } from '../../src/wire/ipv4';
import { arpRequest, neighborSolicitation } from '../fakes/frames';

/** Where `carpctl -j stats` counts a kind: a counter of the virtual host, the carpdev, or the relay. */
export type Tally = 'node.badttl' | 'node.badauth' | 'carpdev.badver' | 'carpdev.badsum' | 'carpdev.hdrops' | 'relay';

export interface FloodKind {
  readonly kind: string;
  readonly frame: Buffer;
  readonly tally: Tally;
}

export interface Attacker {
  readonly mac: MacAddress;
  readonly ipv4: IpAddress;
  readonly ipv6: IpAddress;
}

export interface Target {
  readonly vhid: number;
  readonly vip4: IpAddress;
  readonly vip6: IpAddress;
}

/** An IPv4 packet of protocol 112 to 224.0.0.18 with this payload, TTL and total length. */
function carpFrame(from: Attacker, payload: Buffer, ttl = 255): Buffer {
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV4_MIN_HEADER_LENGTH + payload.length);
  encodeEthernet({ destination: multicastMacFor(CARP_IPV4_GROUP), source: from.mac, etherType: ETHERTYPE_IPV4 }, frame);
  const fragment = { dontFragment: true, moreFragments: false, fragmentOffset: 0 };
  const ip = { tos: 0x10, id: 1, ...fragment, ttl, protocol: IPPROTO_CARP, source: from.ipv4, destination: CARP_IPV4_GROUP };
  encodeIpv4({ ...ip, payloadLength: payload.length }, frame, ETHERNET_HEADER_LENGTH);
  payload.copy(frame, ETHERNET_HEADER_LENGTH + IPV4_MIN_HEADER_LENGTH);
  return frame;
}

/** A well-formed advertisement for the pair's vhid and addresses, advskew 0, under `pass`. */
function advertisement(target: Target, pass: string, hmac?: Buffer): Buffer {
  const counter = Buffer.from('0102030405060708', 'hex');
  const signed = hmac ?? computeHmac(deriveKey(pass), { vhid: target.vhid, addresses: [target.vip4, target.vip6], counter });
  return encodeCarp({ vhid: target.vhid, advbase: 1, advskew: 0, demote: 0, counter, hmac: signed });
}

function withChecksum(payload: Buffer): Buffer {
  payload.writeUInt16BE(0, 6);
  payload.writeUInt16BE(internetChecksum(payload, 0, 36), 6);
  return payload;
}

export function floodKinds(from: Attacker, target: Target): FloodKind[] {
  const wrong = (): Buffer => advertisement(target, 'not the passphrase');
  const version3 = wrong();
  version3[0] = 0x31;
  const badSum = wrong();
  badSum.writeUInt16BE(badSum.readUInt16BE(6) ^ 0xffff, 6);
  const hmacOfZeros = Buffer.alloc(20);
  return [
    { kind: 'wrong TTL (64)', frame: carpFrame(from, wrong(), 64), tally: 'node.badttl' },
    { kind: 'wrong version (3)', frame: carpFrame(from, withChecksum(version3)), tally: 'carpdev.badver' },
    { kind: 'bad checksum', frame: carpFrame(from, badSum), tally: 'carpdev.badsum' },
    { kind: 'bad HMAC (zeros)', frame: carpFrame(from, advertisement(target, '', hmacOfZeros)), tally: 'node.badauth' },
    { kind: 'truncated (20 bytes)', frame: carpFrame(from, wrong().subarray(0, 20)), tally: 'carpdev.hdrops' },
    { kind: 'oversized (1400 bytes more)', frame: carpFrame(from, Buffer.concat([wrong(), Buffer.alloc(1400, 0x5a)])), tally: 'node.badauth' },
    { kind: 'advskew 0, wrong passphrase', frame: carpFrame(from, wrong()), tally: 'node.badauth' },
    { kind: 'ARP for the VIP', frame: arpRequest({ mac: from.mac, ip: from.ipv4 }, target.vip4), tally: 'relay' },
    { kind: 'NS for the IPv6 VIP', frame: neighborSolicitation({ mac: from.mac, ip: from.ipv6 }, target.vip6), tally: 'relay' },
  ];
}

export function parseTarget(vhid: number, vip4: string, vip6: string): Target {
  return { vhid, vip4: parseIp(vip4), vip6: parseIp(vip6) };
}
