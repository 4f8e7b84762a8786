/**
 * Our frames through the real decoders (docs/protocol.md §6): tcpdump with `-T carp` and
 * tshark with Decode As `ip.proto==112 -> carp` must accept every checksum and print the fields we
 * meant. A frame with a deliberately broken CARP checksum proves that the decoders do check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIp, virtualMac } from '../../src/wire/address';
import { CARP_BOW_OUT, CARP_IPV4_GROUP, encodeCarp } from '../../src/wire/carp';
import { buildAdvertisementFrame, buildGratuitousArp, buildUnsolicitedNeighborAdvert } from '../../src/wire/frames';
import { writePcap } from '../helpers/pcap';
import { runTool, toolAvailable } from '../helpers/tools';
import { V1_COUNTER, V1_FRAME_FREEBSD, V1_FRAME_OPENBSD, V1_FRAME_UCARP, V1_HMAC, V4_FRAME_IPV6 } from './vectors';
import { withByte } from './wire-assert';

const V1_COUNTER_DECIMAL = '72623859790382856'; // 0x0102030405060708
const VIP4 = parseIp('192.0.2.10');
const VIP6 = parseIp('2001:db8::10');

const base = { vhid: 1, advbase: 1, advskew: 0, demote: 0, counter: V1_COUNTER, hmac: V1_HMAC };
const frameOptions = {
  sourceMac: virtualMac(1),
  source: parseIp('192.0.2.1'),
  destination: CARP_IPV4_GROUP,
  trafficClass: 0x10,
  ipId: 0x1234,
};

/** The frames, in pcap order; `index` + 1 is tshark's frame.number. */
const FRAMES = [
  { name: 'V1 OpenBSD', data: V1_FRAME_OPENBSD },
  { name: 'V1 FreeBSD', data: V1_FRAME_FREEBSD },
  { name: 'V1 ucarp', data: V1_FRAME_UCARP },
  { name: 'V4 IPv6', data: V4_FRAME_IPV6 },
  {
    name: 'bow-out',
    data: buildAdvertisementFrame({
      ...frameOptions,
      payload: encodeCarp({ ...base, advbase: CARP_BOW_OUT, advskew: CARP_BOW_OUT }),
    }),
  },
  {
    name: 'demoted (V6)',
    data: buildAdvertisementFrame({ ...frameOptions, payload: encodeCarp({ ...base, advskew: 100, demote: 5 }) }),
  },
  { name: 'gratuitous ARP', data: buildGratuitousArp(virtualMac(1), VIP4) },
  { name: 'unsolicited NA', data: buildUnsolicitedNeighborAdvert(virtualMac(1), VIP6, { router: true }) },
  { name: 'broken CARP checksum (control)', data: withByte(V1_FRAME_OPENBSD, 40, 0xe9) },
];
const BROKEN = FRAMES.length - 1;

const TSHARK_FIELDS = [
  'ip.checksum.status',
  'carp.checksum.status',
  'carp.version',
  'carp.type',
  'carp.vhid',
  'carp.adver_int',
  'carp.advskew',
  'carp.authlen',
  'carp.demotion',
  'carp.counter',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.hw_mac',
  'arp.dst.proto_ipv4',
  'icmpv6.checksum.status',
  'icmpv6.nd.na.flag.r',
  'icmpv6.nd.na.flag.s',
  'icmpv6.nd.na.flag.o',
  'icmpv6.nd.na.target_address',
  'icmpv6.opt.linkaddr',
  '_ws.malformed',
] as const;
type TsharkField = (typeof TSHARK_FIELDS)[number];
type TsharkRow = Record<TsharkField, string>;

/** Wireshark's checksum status values (PROTO_CHECKSUM_E_*). */
const CHECKSUM_GOOD = '1';
const CHECKSUM_BAD = '0';

function pick(row: TsharkRow, fields: readonly TsharkField[]): string[] {
  return fields.map((field) => row[field]);
}

describe('wire: our frames through tcpdump and tshark', function () {
  this.timeout(30_000);
  let dir = '';
  let file = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'carp-wire-decoders-'));
    file = join(dir, 'frames.pcap');
    writePcap(
      file,
      FRAMES.map((frame, i) => ({ timeNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n, data: frame.data })),
    );
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  describe('tcpdump -n -vv -T carp', () => {
    let packets: string[] = [];
    before(async function () {
      if (!toolAvailable('tcpdump')) this.skip(); // CI installs tcpdump; skipped here only when absent
      const out = await runTool('tcpdump', ['-n', '-vv', '-tt', '-T', 'carp', '-r', file]);
      packets = out.split(/^(?=\d+\.\d{6} )/m).filter((text) => text.trim() !== '');
    });

    it('prints one packet per frame', () => {
      assert.equal(packets.length, FRAMES.length);
    });

    it('decodes the advertisements as CARPv2 with good IP and CARP checksums', () => {
      const line = `CARPv2-advertise 36: vhid=1 advbase=1 advskew=0 authlen=7 counter=${V1_COUNTER_DECIMAL}`;
      for (const i of [0, 1, 2]) {
        assert.ok(packets[i]?.includes(`192.0.2.1 > 224.0.0.18: ${line}`), `${FRAMES[i]?.name}: ${packets[i]}`);
      }
      assert.ok(packets[3]?.includes(`fe80::1 > ff02::12: ${line}`), packets[3]);
      assert.ok(packets[4]?.includes('vhid=1 advbase=255 advskew=255 authlen=7'), packets[4]);
      assert.ok(packets[5]?.includes('vhid=1 advbase=1 advskew=100 authlen=7'), packets[5]);
      for (const text of packets.slice(0, 6)) {
        assert.ok(!text.includes('bad carp cksum') && !text.includes('bad cksum'), text);
        assert.ok(!text.includes('[ttl='), `TTL must be 255: ${text}`);
      }
    });

    it('prints the TOS of each style and the IPv6 hop limit', () => {
      assert.ok(packets[0]?.includes('tos 0x10, ttl 255') && packets[0].includes('flags [DF]'), packets[0]);
      assert.ok(packets[1]?.includes('tos 0xe0, ttl 255'), packets[1]);
      assert.ok(packets[3]?.includes('hlim 255, next-header VRRP (112) payload length: 36'), packets[3]);
    });

    it('flags the broken control frame, so the checks above can fail', () => {
      assert.ok(packets[BROKEN]?.includes('bad carp cksum'), packets[BROKEN]);
    });

    it('decodes the gratuitous ARP and the neighbour advertisement', () => {
      assert.ok(packets[6]?.includes('Request who-has 192.0.2.10 tell 192.0.2.10'), packets[6]);
      const na = packets[7] ?? '';
      assert.ok(na.includes('2001:db8::10 > ff02::1: [icmp6 sum ok]'), na);
      assert.ok(na.includes('neighbor advertisement, length 32, tgt is 2001:db8::10, Flags [router, override]'), na);
      assert.ok(na.includes('destination link-address option (2), length 8 (1): 00:00:5e:00:01:01'), na);
    });
  });

  describe('tshark -d ip.proto==112,carp', () => {
    let rows: TsharkRow[] = [];
    before(async function () {
      if (!toolAvailable('tshark')) this.skip(); // CI installs tshark; skipped here only when absent
      const args = ['-r', file, '-d', 'ip.proto==112,carp', '-o', 'ip.check_checksum:TRUE', '-T', 'fields'];
      const out = await runTool('tshark', [...args, ...TSHARK_FIELDS.flatMap((field) => ['-e', field])]);
      rows = out
        .trimEnd()
        .split('\n')
        .map((line) => {
          const values = line.split('\t');
          return Object.fromEntries(TSHARK_FIELDS.map((field, i) => [field, values[i] ?? ''])) as TsharkRow;
        });
    });

    it('reads every frame, none malformed', () => {
      assert.equal(rows.length, FRAMES.length);
      for (const [i, row] of rows.entries()) assert.equal(row['_ws.malformed'], '', FRAMES[i]?.name);
    });

    it('finds the CARP checksum good over IPv4 and IPv6, and the IPv4 header checksum good', () => {
      for (const i of [0, 1, 2, 4, 5]) {
        assert.deepEqual(pick(rows[i] as TsharkRow, ['ip.checksum.status', 'carp.checksum.status']), [
          CHECKSUM_GOOD,
          CHECKSUM_GOOD,
        ]);
      }
      assert.equal(rows[3]?.['carp.checksum.status'], CHECKSUM_GOOD);
      assert.equal(rows[BROKEN]?.['carp.checksum.status'], CHECKSUM_BAD, 'the control frame must be caught');
    });

    it('decodes version, type, vhid, advbase, advskew, authlen, demotion and counter', () => {
      const fields = [
        'carp.version',
        'carp.type',
        'carp.vhid',
        'carp.adver_int',
        'carp.advskew',
        'carp.authlen',
        'carp.demotion',
        'carp.counter',
      ] as const;
      for (const i of [0, 1, 2, 3]) {
        assert.deepEqual(pick(rows[i] as TsharkRow, fields), ['2', '1', '1', '1', '0', '7', '0', V1_COUNTER_DECIMAL]);
      }
      assert.deepEqual(pick(rows[4] as TsharkRow, fields).slice(2, 5), ['1', '255', '255']);
      assert.deepEqual(pick(rows[5] as TsharkRow, fields).slice(4, 7), ['100', '7', '5']);
    });

    it('decodes the ARP as a request with the VIP as sender and target and the virtual MAC', () => {
      const fields = [
        'arp.opcode',
        'arp.src.hw_mac',
        'arp.src.proto_ipv4',
        'arp.dst.hw_mac',
        'arp.dst.proto_ipv4',
      ] as const;
      assert.deepEqual(pick(rows[6] as TsharkRow, fields), [
        '1',
        '00:00:5e:00:01:01',
        '192.0.2.10',
        '00:00:00:00:00:00',
        '192.0.2.10',
      ]);
    });

    it('decodes the NA: good ICMPv6 checksum, Router and Override, not Solicited, the VIP and its MAC', () => {
      const fields = [
        'icmpv6.checksum.status',
        'icmpv6.nd.na.flag.r',
        'icmpv6.nd.na.flag.s',
        'icmpv6.nd.na.flag.o',
        'icmpv6.nd.na.target_address',
        'icmpv6.opt.linkaddr',
      ] as const;
      assert.deepEqual(pick(rows[7] as TsharkRow, fields), [
        CHECKSUM_GOOD,
        '1',
        '0',
        '1',
        '2001:db8::10',
        '00:00:5e:00:01:01',
      ]);
    });
  });
});
