/**
 * Captures of ucarp 1.5.2 (test/fixtures/ucarp/README.md) through our pcap reader, frame parser,
 * CARP decoder and HMAC: what a real peer sends must come out as the README states it.
 */
import assert from 'node:assert/strict';
import { BROADCAST_MAC, type IpAddress, type MacAddress, formatIp, parseIp, parseMac } from '../../src/wire/address';
import { ARP_OPERATION_REQUEST, decodeArp } from '../../src/wire/arp';
import { CARP_IPV4_GROUP, type DecodedCarp, decodeCarp } from '../../src/wire/carp';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { parseCarpFrame } from '../../src/wire/frames';
import { deriveKey, verifyHmac } from '../../src/wire/hmac';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { type PcapRecord, readPcap } from '../helpers/pcap';
import { fixturePath } from './fixtures';

interface Capture {
  file: string;
  sender: IpAddress;
  nicMac: MacAddress;
  vhid: number;
  advbase: number;
  advskew: number;
  vip: IpAddress;
  advertisements: number;
}

const vec1: Capture = {
  file: 'vec1_ucarp_vhid7_b1_s0_vip100_master.pcap',
  sender: parseIp('10.66.0.1'),
  nicMac: parseMac('02:66:00:00:00:01'),
  vhid: 7,
  advbase: 1,
  advskew: 0,
  vip: parseIp('10.66.0.100'),
  advertisements: 9,
};
const vec3: Capture = {
  file: 'vec3_ucarp_vhid42_b2_s50_vip142.pcap',
  sender: parseIp('10.66.0.3'),
  nicMac: parseMac('02:66:00:00:00:03'),
  vhid: 42,
  advbase: 2,
  advskew: 50,
  vip: parseIp('10.66.0.142'),
  advertisements: 5,
};

const secret = deriveKey('secret');

function records(capture: Capture): PcapRecord[] {
  return readPcap(fixturePath('ucarp', capture.file)).records;
}

function byEtherType(capture: Capture, etherType: number): PcapRecord[] {
  return records(capture).filter((r) => decodeEthernet(r.data).etherType === etherType);
}

function advertisements(capture: Capture): { record: PcapRecord; carp: DecodedCarp }[] {
  return byEtherType(capture, ETHERTYPE_IPV4).map((record) => ({
    record,
    carp: decodeCarp(parseCarpFrame(record.data).payload),
  }));
}

/** Seconds between consecutive advertisements, from the capture's own timestamps. */
function advertisementIntervals(capture: Capture): number[] {
  const times = advertisements(capture).map(({ record }) => record.timeNs);
  return times.slice(1).map((t, i) => Number(t - (times[i] as bigint)) / 1e9);
}

/** advbase + advskew/256, the MASTER interval of every implementation (docs/protocol.md §3.2). */
function intervalSeconds(capture: Capture): number {
  return capture.advbase + capture.advskew / 256;
}

describe('wire: ucarp 1.5.2 captures', () => {
  for (const capture of [vec1, vec3]) {
    describe(capture.file, () => {
      it(`holds ${capture.advertisements} advertisements and 2 gratuitous ARPs, nothing else`, () => {
        assert.equal(records(capture).length, capture.advertisements + 2);
        assert.equal(byEtherType(capture, ETHERTYPE_IPV4).length, capture.advertisements);
        assert.equal(byEtherType(capture, ETHERTYPE_ARP).length, 2);
      });

      it(`advertises from ${formatIp(capture.sender)} with TTL 255, DF, TOS 0x10, to 224.0.0.18`, () => {
        for (const { record } of advertisements(capture)) {
          const parsed = parseCarpFrame(record.data);
          assert.deepEqual(parsed.source, capture.sender);
          assert.deepEqual(parsed.destination, CARP_IPV4_GROUP);
          assert.equal(parsed.ttl, 255);
          const ip = decodeIpv4(record.data, 14);
          assert.equal(ip.tos, 0x10);
          assert.equal(ip.dontFragment, true);
        }
      });

      it(`carries vhid ${capture.vhid}, advbase ${capture.advbase}, advskew ${capture.advskew}, demote 0`, () => {
        for (const { carp } of advertisements(capture)) {
          assert.deepEqual(
            [carp.vhid, carp.advbase, carp.advskew, carp.demote, carp.type, carp.authlen],
            [capture.vhid, capture.advbase, capture.advskew, 0, 1, 7],
          );
        }
      });

      it('sends from 00:00:5e:00:00:<vhid> (fifth byte 00, not the BSD 01) to 01:00:5e:00:00:12', () => {
        for (const { record } of advertisements(capture)) {
          const ethernet = decodeEthernet(record.data);
          assert.deepEqual(ethernet.source, Buffer.from([0, 0, 0x5e, 0, 0, capture.vhid]));
          assert.deepEqual(ethernet.destination, parseMac('01:00:5e:00:00:12'));
        }
      });

      it('signs over its single VIP with passphrase "secret"; another VIP or passphrase fails', () => {
        const otherVip = parseIp('10.66.0.101');
        for (const { carp } of advertisements(capture)) {
          const input = { vhid: capture.vhid, addresses: [capture.vip], counter: carp.counter };
          assert.equal(verifyHmac(secret, input, carp.hmac), 'sorted');
          assert.equal(verifyHmac(secret, { ...input, addresses: [otherVip] }, carp.hmac), null);
          assert.equal(verifyHmac(secret, { ...input, addresses: [capture.vip, otherVip] }, carp.hmac), null);
          assert.equal(verifyHmac(deriveKey('secret2'), input, carp.hmac), null);
          assert.equal(verifyHmac(secret, { ...input, vhid: capture.vhid + 1 }, carp.hmac), null);
        }
      });

      it('uses a fresh random counter in every advertisement, having heard no peer', () => {
        const counters = advertisements(capture).map(({ carp }) => carp.counter.toString('hex'));
        assert.equal(new Set(counters).size, counters.length);
      });

      it("announces the VIP with ucarp's ARP: a broadcast request from the NIC, target MAC = the NIC's MAC", () => {
        for (const record of byEtherType(capture, ETHERTYPE_ARP)) {
          const ethernet = decodeEthernet(record.data);
          assert.deepEqual(ethernet.source, capture.nicMac);
          assert.deepEqual(ethernet.destination, BROADCAST_MAC);
          assert.deepEqual(decodeArp(record.data, ethernet.payloadOffset), {
            operation: ARP_OPERATION_REQUEST,
            senderMac: capture.nicMac,
            senderIp: capture.vip,
            targetMac: capture.nicMac,
            targetIp: capture.vip,
          });
        }
      });

      it('sends the first ARP on becoming MASTER and the second after the third advertisement', () => {
        const kinds = records(capture).map((r) => (decodeEthernet(r.data).etherType === ETHERTYPE_ARP ? 'arp' : 'ad'));
        assert.deepEqual(kinds.slice(0, 5), ['arp', 'ad', 'ad', 'ad', 'arp']);
      });
    });
  }

  it('vec3 advertises every 2 + 50/256 s, measured from the pcap timestamps', () => {
    const intervals = advertisementIntervals(vec3);
    const expected = intervalSeconds(vec3);
    assert.equal(expected, 2.1953125);
    // ucarp schedules the next advertisement at "now + interval" with a `now` read (gettimeofday)
    // at the top of its poll loop, and wakes from poll() with millisecond granularity: steady
    // intervals run up to a few ms long, so allow 5 ms. The first interval is measured from a `now`
    // taken before the MASTER transition spawned the up-script and sent the gratuitous ARP, which
    // delayed the first advertisement itself: it is shorter by that work, here about 8 ms, so it
    // gets 15 ms. Both bounds still tell 2 + 50/256 apart from 2 s, 2.05 s or 2.5 s.
    assert.ok(Math.abs((intervals[0] as number) - expected) < 0.015, `first interval ${intervals[0]} s`);
    for (const interval of intervals.slice(1)) {
      assert.ok(Math.abs(interval - expected) < 0.005, `interval ${interval} s, expected ${expected} s`);
    }
  });

  it('vec1 advertises every 1 s by the same measure', () => {
    const intervals = advertisementIntervals(vec1);
    assert.ok(Math.abs((intervals[0] as number) - intervalSeconds(vec1)) < 0.015);
    for (const interval of intervals.slice(1)) assert.ok(Math.abs(interval - 1) < 0.005, `interval ${interval} s`);
  });
});
