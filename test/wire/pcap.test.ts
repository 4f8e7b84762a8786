import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PcapError,
  type PcapByteOrder,
  type PcapFrame,
  type PcapPrecision,
  parsePcap,
  readPcap,
  serializePcap,
  writePcap,
} from '../helpers/pcap';
import { runTool, toolAvailable } from '../helpers/tools';
import { fixturePath } from './fixtures';
import { V1_FRAME_OPENBSD, V4_FRAME_IPV6, hex } from './vectors';

const FORMATS: [PcapByteOrder, PcapPrecision][] = [
  ['little', 'micro'],
  ['big', 'micro'],
  ['little', 'nano'],
  ['big', 'nano'],
];

const frames: PcapFrame[] = [
  { timeNs: 1_700_000_000_123_456_789n, data: V1_FRAME_OPENBSD },
  { timeNs: 1_700_000_002_195_312_500n, data: V4_FRAME_IPV6 },
];

/** What tshark prints as frame.time_epoch (always 9 digits) for a timestamp stored at `precision`. */
function epochText(timeNs: bigint, precision: PcapPrecision): string {
  const stored = precision === 'micro' ? (timeNs / 1000n) * 1000n : timeNs;
  return `${stored / 1_000_000_000n}.${(stored % 1_000_000_000n).toString().padStart(9, '0')}`;
}

describe('test helper: pcap', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'carp-wire-pcap-'));
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reads a hand-made big-endian nanosecond file', () => {
    const file = hex(`a1 b2 3c 4d 0002 0004 00000000 00000000 00000040 00000001
      65 53 f1 00 07 5b cd 15 00000003 0000003c aa bb cc`);
    const parsed = parsePcap(file);
    assert.equal(parsed.byteOrder, 'big');
    assert.equal(parsed.precision, 'nano');
    assert.equal(parsed.snapLength, 64);
    assert.deepEqual(parsed.records, [{ timeNs: 1_700_000_000_123_456_789n, data: hex('aabbcc'), originalLength: 60 }]);
  });

  it('reads the ucarp fixture: little-endian, microseconds, 11 records', () => {
    const parsed = readPcap(fixturePath('ucarp', 'vec1_ucarp_vhid7_b1_s0_vip100_master.pcap'));
    assert.deepEqual([parsed.byteOrder, parsed.precision, parsed.snapLength], ['little', 'micro', 256]);
    assert.equal(parsed.records.length, 11);
    assert.deepEqual(
      parsed.records.map((r) => r.data.length),
      [42, 70, 70, 70, 42, 70, 70, 70, 70, 70, 70],
    );
  });

  for (const [byteOrder, precision] of FORMATS) {
    it(`round-trips ${byteOrder}-endian ${precision}second files`, () => {
      const parsed = parsePcap(serializePcap(frames, { byteOrder, precision }));
      assert.deepEqual([parsed.byteOrder, parsed.precision], [byteOrder, precision]);
      const cut = precision === 'micro' ? 1000n : 1n;
      assert.deepEqual(
        parsed.records,
        frames.map((f) => ({
          timeNs: (f.timeNs / cut) * cut,
          data: Buffer.from(f.data),
          originalLength: f.data.length,
        })),
      );
    });
  }

  it('cuts frames to the snapshot length and keeps the original length', () => {
    const [record] = parsePcap(serializePcap([frames[0] as PcapFrame], { snapLength: 20 })).records;
    assert.deepEqual(record?.data, V1_FRAME_OPENBSD.subarray(0, 20));
    assert.equal(record?.originalLength, 70);
  });

  it('refuses what is not a readable Ethernet pcap, with the reason', () => {
    const good = serializePcap(frames);
    const cases: [string, Buffer, RegExp][] = [
      ['short header', good.subarray(0, 23), /needs 24 bytes/],
      ['pcapng', hex('0a0d0d0a 0000001c 4d3c2b1a 0001 0000 ffffffffffffffff 0000001c'), /not a classic pcap/],
      ['link type', Buffer.from(good).fill(0x71, 20, 21), /link type 113/],
      ['cut record header', good.subarray(0, 30), /cut short/],
      ['cut record data', good.subarray(0, 60), /declares 70 bytes/],
      ['fraction', Buffer.from(good).fill(0xff, 28, 32), /sub-second/],
    ];
    for (const [what, file, message] of cases) {
      assert.throws(() => parsePcap(file), (e: unknown) => e instanceof PcapError && message.test(e.message), what);
    }
    assert.throws(() => serializePcap([{ timeNs: -1n, data: V1_FRAME_OPENBSD }]), PcapError);
    assert.throws(() => serializePcap([{ timeNs: 2n ** 32n * 1_000_000_000n, data: V1_FRAME_OPENBSD }]), PcapError);
  });

  it('writes files tshark reads back with the same times and lengths, in all four formats', async function () {
    if (!toolAvailable('tshark')) this.skip(); // CI installs tshark; without it only the round trips above run
    for (const [byteOrder, precision] of FORMATS) {
      const path = join(dir, `${byteOrder}-${precision}.pcap`);
      writePcap(path, frames, { byteOrder, precision });
      const out = await runTool('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len']);
      const expected = frames.map((f) => `${epochText(f.timeNs, precision)}\t${f.data.length}`);
      assert.deepEqual(out.trim().split('\n'), expected, `${byteOrder} ${precision}`);
    }
  });
});
