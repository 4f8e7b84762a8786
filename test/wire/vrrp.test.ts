/**
 * The VRRPv3 codec against advertisements keepalived built (test/fixtures/keepalived/README.md):
 * decoded to their fields and re-encoded byte for byte, and its refusals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IpAddress, parseIp } from '../../src/wire/address';
import { WireError } from '../../src/wire/errors';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { decodeIpv6 } from '../../src/wire/ipv6';
import { type Vrrp3Advertisement, type Vrrp3Endpoints, decodeVrrp3, encodeVrrp3, looksLikeVrrp3, vrrp3Length } from '../../src/wire/vrrp';
import { readPcap, writePcap } from '../helpers/pcap';
import { runTool, toolAvailable } from '../helpers/tools';
import { fixturePath } from './fixtures';

const ETHERNET = 14;

interface Captured {
  readonly payload: Buffer;
  readonly endpoints: Vrrp3Endpoints;
}

function captured(file: string): Captured[] {
  return readPcap(fixturePath('keepalived', file)).records.map(({ data }) => {
    const ethertype = data.readUInt16BE(12);
    const ip = ethertype === 0x0800 ? decodeIpv4(data, ETHERNET) : decodeIpv6(data, ETHERNET);
    const payload = Buffer.from(data.subarray(ip.payloadOffset, ip.payloadOffset + ip.payloadLength));
    return { payload, endpoints: { source: ip.source, destination: ip.destination } };
  });
}

const ip = (text: string): IpAddress => parseIp(text);
const V4_FILE = 'v3_ipv4_vrid7_prio200_int100.pcap';
const V6_FILE = 'v3_ipv6_vrid9_prio150_int10.pcap';
const V4 = captured(V4_FILE);
const V6 = captured(V6_FILE);
const first = (records: Captured[]): Captured => records[0] as Captured;

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof WireError) return e.reason;
    throw e;
  }
  return 'accepted';
}

describe('wire/vrrp (VRRPv3, RFC 5798)', () => {
  it('decodes keepalived`s IPv4 advertisement: vrid 7, priority 200, 100 cs, two addresses', () => {
    const { payload, endpoints } = first(V4);
    assert.deepEqual(decodeVrrp3(payload, 0, payload.length, endpoints), {
      vrid: 7,
      priority: 200,
      intervalCentiseconds: 100,
      addresses: [ip('10.55.0.100'), ip('10.55.0.101')],
    });
  });

  it('decodes keepalived`s IPv6 advertisements: vrid 9, priority 150, 10 cs, one address', () => {
    assert.equal(V6.length, 3);
    for (const { payload, endpoints } of V6) {
      assert.deepEqual(decodeVrrp3(payload, 0, payload.length, endpoints), {
        vrid: 9,
        priority: 150,
        intervalCentiseconds: 10,
        addresses: [ip('2001:db8:55::100')],
      });
    }
  });

  it('re-encodes both byte for byte, checksum included, also at an offset', () => {
    for (const { payload, endpoints } of [first(V4), first(V6)]) {
      const decoded = decodeVrrp3(payload, 0, payload.length, endpoints);
      const target = Buffer.alloc(payload.length + 3, 0xee);
      assert.equal(encodeVrrp3(decoded, endpoints, target, 3), payload.length);
      assert.deepEqual(target.subarray(3), payload);
      assert.equal(target[0], 0xee);
    }
  });

  it('covers the pseudo-header: the same bytes between other addresses fail the checksum', () => {
    const { payload, endpoints } = first(V4);
    const moved = { ...endpoints, source: ip('10.55.0.2') };
    assert.equal(reason(() => decodeVrrp3(payload, 0, payload.length, moved)), 'bad-checksum');
  });

  it('refuses what RFC 5798 7.1 has a receiver drop, each with its reason', () => {
    const { payload, endpoints } = first(V4);
    const edited = (at: number, value: number): Buffer => {
      const copy = Buffer.from(payload);
      copy[at] = value;
      return copy;
    };
    assert.equal(reason(() => decodeVrrp3(edited(0, 0x21), 0, payload.length, endpoints)), 'bad-version');
    assert.equal(reason(() => decodeVrrp3(edited(0, 0x32), 0, payload.length, endpoints)), 'bad-header');
    assert.equal(reason(() => decodeVrrp3(edited(3, 3), 0, payload.length, endpoints)), 'bad-length');
    assert.equal(reason(() => decodeVrrp3(edited(2, 201), 0, payload.length, endpoints)), 'bad-checksum');
    assert.equal(reason(() => decodeVrrp3(payload, 0, payload.length + 1, endpoints)), 'truncated');
    assert.equal(reason(() => decodeVrrp3(payload.subarray(0, 7), 0, 7, endpoints)), 'truncated');
    assert.equal(reason(() => decodeVrrp3(payload, 0, payload.length, { source: ip('fe80::1'), destination: endpoints.destination })), 'bad-header');
  });

  it('refuses router id 0 and interval 0 even with a correct checksum, and ignores the reserved bits', () => {
    const endpoints = first(V4).endpoints;
    const signedWith = (edit: (b: Buffer) => void, length = vrrp3Length(4, 1)): Buffer => {
      const encoded = Buffer.alloc(vrrp3Length(4, 1));
      encodeVrrp3({ vrid: 1, priority: 100, intervalCentiseconds: 100, addresses: [ip('10.55.0.100')] }, endpoints, encoded);
      const buf = encoded.subarray(0, length);
      edit(buf);
      buf.writeUInt16BE(0, 6);
      buf.writeUInt16BE(independentChecksum(buf, endpoints), 6);
      return buf;
    };
    assert.equal(reason(() => decodeVrrp3(signedWith((b) => (b[1] = 0)), 0, 12, endpoints)), 'bad-header');
    assert.equal(reason(() => decodeVrrp3(signedWith((b) => b.writeUInt16BE(0xf000, 4)), 0, 12, endpoints)), 'bad-header');
    assert.equal(reason(() => decodeVrrp3(signedWith((b) => (b[3] = 0), 8), 0, 8, endpoints)), 'bad-header');
    assert.equal(decodeVrrp3(signedWith((b) => b.writeUInt16BE(0xf064, 4)), 0, 12, endpoints).intervalCentiseconds, 100);
  });

  it('recognises keepalived`s advertisements without decoding them, and nothing a byte or an address away', () => {
    for (const { payload, endpoints } of [first(V4), ...V6]) assert.ok(looksLikeVrrp3(payload, 0, payload.length, endpoints));
    const { payload, endpoints } = first(V4);
    const flipped = Buffer.from(payload);
    flipped[2] = (flipped[2] as number) ^ 0x01;
    assert.ok(!looksLikeVrrp3(flipped, 0, payload.length, endpoints), 'checksum');
    assert.ok(!looksLikeVrrp3(payload, 0, payload.length, { ...endpoints, source: ip('10.55.0.2') }), 'pseudo-header');
    assert.ok(!looksLikeVrrp3(payload, 0, payload.length - 4, endpoints), 'length against the count');
    assert.ok(!looksLikeVrrp3(payload, 0, payload.length + 1, endpoints), 'past the end');
    const carpVersion3 = Buffer.alloc(36);
    carpVersion3[0] = 0x31;
    carpVersion3[3] = 7;
    assert.ok(!looksLikeVrrp3(carpVersion3, 0, 36, endpoints), 'a CARP header with version 3');
  });

  it('refuses to encode fields out of range or addresses of the other family, writing nothing', () => {
    const endpoints = first(V4).endpoints;
    const good: Vrrp3Advertisement = { vrid: 7, priority: 200, intervalCentiseconds: 100, addresses: [ip('10.55.0.100')] };
    const bad: Partial<Vrrp3Advertisement>[] = [
      { vrid: 0 },
      { vrid: 256 },
      { priority: -1 },
      { priority: 256 },
      { intervalCentiseconds: 0 },
      { intervalCentiseconds: 4096 },
      { addresses: [] },
      { addresses: [ip('2001:db8::1')] },
    ];
    for (const change of bad) {
      const target = Buffer.alloc(32, 0xee);
      assert.throws(() => encodeVrrp3({ ...good, ...change }, endpoints, target), WireError, JSON.stringify(change));
      assert.ok(target.every((b) => b === 0xee), JSON.stringify(change));
    }
    assert.equal(reason(() => encodeVrrp3(good, endpoints, Buffer.alloc(11))), 'truncated');
  });
});

/** RFC 1071 over the IPv4 pseudo-header (RFC 768 layout) and the message: an oracle apart from the codec's. */
function independentChecksum(message: Buffer, { source, destination }: Vrrp3Endpoints): number {
  const words = Buffer.concat([source.bytes, destination.bytes, Buffer.from([0, 112, 0, message.length]), message]);
  let sum = 0;
  for (let i = 0; i < words.length; i += 2) sum += words.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

describe('wire/vrrp through tshark`s vrrp dissector', function () {
  this.timeout(30_000);

  it('finds the checksums of our encodings good in both families, and a broken one bad', async function () {
    if (!toolAvailable('tshark')) this.skip(); // CI installs tshark; skipped here only when absent
    // keepalived's frames with our own advertisement in place of theirs (same length, so the IP
    // headers stay valid), then one with a flipped priority bit as the control.
    const frames = [first(V4), first(V6)].map(({ payload, endpoints }, i) => {
      const frame = Buffer.from(readPcap(fixturePath('keepalived', i === 0 ? V4_FILE : V6_FILE)).records[0]?.data ?? []);
      const ours = { ...decodeVrrp3(payload, 0, payload.length, endpoints), vrid: 42, priority: 77, intervalCentiseconds: 250 };
      encodeVrrp3(ours, endpoints, frame, frame.length - payload.length);
      return frame;
    });
    const broken = Buffer.from(frames[0] as Buffer);
    const priorityAt = broken.length - first(V4).payload.length + 2;
    broken[priorityAt] = (broken[priorityAt] as number) ^ 0x01;
    const dir = mkdtempSync(join(tmpdir(), 'carp-vrrp-'));
    try {
      const file = join(dir, 'vrrp.pcap');
      writePcap(file, [...frames, broken].map((data, i) => ({ timeNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n, data })));
      const fields = ['vrrp.version', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.short_adver_int', 'vrrp.checksum.status'];
      const out = await runTool('tshark', ['-r', file, '-o', 'vrrp.v3_checksum_as_in_v2:FALSE', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
      assert.deepEqual(out.trimEnd().split('\n'), ['3\t42\t77\t250\t1', '3\t42\t77\t250\t1', '3\t42\t76\t250\t0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
