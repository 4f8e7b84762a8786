import assert from 'node:assert/strict';
import { arpMacAt, arpOperation, neighborDiscoveryType, neighborMacAt, writeNeighborMac } from '../../src/relay/neighbor-frames';
import { formatMac, parseIp, parseMac } from '../../src/wire/address';
import { decodeIpv6 } from '../../src/wire/ipv6';
import { NDP_TYPE_NEIGHBOR_ADVERTISEMENT, NDP_TYPE_NEIGHBOR_SOLICITATION, decodeNdp } from '../../src/wire/ndp';
import { arpRequest, ndpFrame, neighborSolicitation } from '../fakes/frames';

const CLIENT = { mac: parseMac('02:00:00:00:01:01'), ip: parseIp('fe80::1') };
const VIP6 = parseIp('2001:db8::50');
const TAP_MAC = parseMac('00:00:5e:00:01:01');
const WIRE_MAC = parseMac('01:00:5e:00:01:01');

function advertisement(): Buffer {
  return ndpFrame(
    { type: NDP_TYPE_NEIGHBOR_ADVERTISEMENT, target: VIP6, router: false, solicited: true, override: true, targetLinkLayer: TAP_MAC },
    { source: VIP6, destination: CLIENT.ip },
    { source: TAP_MAC, destination: CLIENT.mac },
  );
}

/** The advertisement as a receiver decodes it: throws if the checksum is wrong. */
function decoded(frame: Buffer): ReturnType<typeof decodeNdp> {
  const ip = decodeIpv6(frame, 14);
  return decodeNdp(frame, ip, ip.payloadOffset, ip.payloadLength);
}

describe('relay/neighbor-frames', () => {
  it('finds the hardware addresses of an ARP frame, and nothing in other frames', () => {
    const request = arpRequest({ mac: CLIENT.mac, ip: parseIp('10.77.0.101') }, parseIp('10.77.0.50'));
    assert.equal(arpOperation(request, 0, request.length), 1);
    assert.equal(formatMac(request.subarray(arpMacAt(request, 0, request.length, 'sender'), arpMacAt(request, 0, request.length, 'sender') + 6)), formatMac(CLIENT.mac));
    assert.equal(arpMacAt(request, 0, 30, 'sender'), -1, 'too short for an ARP packet');
    assert.equal(arpOperation(advertisement(), 0, advertisement().length), -1);
  });

  it('finds the source option of a solicitation and the target option of an advertisement', () => {
    const solicitation = neighborSolicitation(CLIENT, VIP6);
    assert.equal(neighborDiscoveryType(solicitation, 0, solicitation.length), NDP_TYPE_NEIGHBOR_SOLICITATION);
    const at = neighborMacAt(solicitation, 0, solicitation.length);
    assert.equal(formatMac(solicitation.subarray(at, at + 6)), formatMac(CLIENT.mac));
    const na = advertisement();
    const target = neighborMacAt(na, 0, na.length);
    assert.equal(formatMac(na.subarray(target, target + 6)), formatMac(TAP_MAC));
  });

  it('reports no option when the options are malformed or missing, without throwing', () => {
    const na = advertisement();
    na[14 + 40 + 24 + 1] = 0; // an option of length 0 (RFC 4861 4.6: invalid)
    assert.equal(neighborMacAt(na, 0, na.length), -1);
    const bare = advertisement().subarray(0, 14 + 40 + 24);
    assert.equal(neighborMacAt(bare, 0, bare.length), -1);
  });

  it('rewrites the advertised MAC and keeps the ICMPv6 checksum right (RFC 1624)', () => {
    const na = advertisement();
    writeNeighborMac(na, 0, neighborMacAt(na, 0, na.length), WIRE_MAC, false);
    const message = decoded(na);
    assert.ok(message.type === NDP_TYPE_NEIGHBOR_ADVERTISEMENT);
    assert.equal(formatMac(message.targetLinkLayer ?? Buffer.alloc(6)), '01:00:5e:00:01:01');
  });

  it('leaves the checksum alone when the device will compute it (virtio-net NEEDS_CSUM)', () => {
    const na = advertisement();
    const before = na.readUInt16BE(14 + 40 + 2);
    writeNeighborMac(na, 0, neighborMacAt(na, 0, na.length), WIRE_MAC, true);
    assert.equal(na.readUInt16BE(14 + 40 + 2), before);
    assert.throws(() => decoded(na), /checksum/);
  });
});
