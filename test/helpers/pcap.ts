/**
 * Classic libpcap files (pcap-savefile(5)), link type Ethernet: read in either byte order with
 * microsecond or nanosecond timestamps, and write the same four variants, so that tests can feed
 * captures from real peers to our decoders and our frames to tcpdump and tshark.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** libpcap's own default snapshot length. */
export const PCAP_DEFAULT_SNAP_LENGTH = 262144;

export type PcapByteOrder = 'little' | 'big';
export type PcapPrecision = 'micro' | 'nano';

export interface PcapRecord {
  /** Capture time in nanoseconds since the epoch (exact for both precisions). */
  readonly timeNs: bigint;
  /** The bytes captured (at most the snapshot length). */
  readonly data: Buffer;
  /** The frame's length on the wire; more than data.length when the capture cut it. */
  readonly originalLength: number;
}

export interface PcapFile {
  readonly byteOrder: PcapByteOrder;
  readonly precision: PcapPrecision;
  readonly snapLength: number;
  readonly records: PcapRecord[];
}

export class PcapError extends Error {
  override readonly name = 'PcapError';
}

const NS_PER_S = 1_000_000_000n;
const UNITS_PER_S: Record<PcapPrecision, bigint> = { micro: 1_000_000n, nano: NS_PER_S };

function readUint32(buf: Buffer, at: number, order: PcapByteOrder): number {
  return order === 'little' ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
}

function writeUint32(buf: Buffer, value: number, at: number, order: PcapByteOrder): void {
  if (order === 'little') buf.writeUInt32LE(value, at);
  else buf.writeUInt32BE(value, at);
}

function detectFormat(buf: Buffer): { byteOrder: PcapByteOrder; precision: PcapPrecision } {
  if (buf.length < PCAP_FILE_HEADER_LENGTH) {
    throw new PcapError(`pcap file header needs ${PCAP_FILE_HEADER_LENGTH} bytes, file has ${buf.length}`);
  }
  for (const byteOrder of ['little', 'big'] as const) {
    const magic = readUint32(buf, 0, byteOrder);
    if (magic === PCAP_MAGIC_MICROSECONDS) return { byteOrder, precision: 'micro' };
    if (magic === PCAP_MAGIC_NANOSECONDS) return { byteOrder, precision: 'nano' };
  }
  throw new PcapError(`not a classic pcap file (magic 0x${buf.readUInt32BE(0).toString(16)}); pcapng is not read`);
}

function readRecord(buf: Buffer, at: number, file: Omit<PcapFile, 'records'>): PcapRecord {
  if (buf.length - at < PCAP_RECORD_HEADER_LENGTH) {
    throw new PcapError(`record header at byte ${at} is cut short`);
  }
  const [seconds, fraction, capturedLength, originalLength] = [0, 4, 8, 12].map((field) =>
    readUint32(buf, at + field, file.byteOrder),
  ) as [number, number, number, number];
  const unitsPerSecond = UNITS_PER_S[file.precision];
  if (BigInt(fraction) >= unitsPerSecond) {
    throw new PcapError(`record at byte ${at}: sub-second part ${fraction} is not below ${unitsPerSecond}`);
  }
  const start = at + PCAP_RECORD_HEADER_LENGTH;
  if (capturedLength > buf.length - start) {
    throw new PcapError(`record at byte ${at} declares ${capturedLength} bytes, ${buf.length - start} remain`);
  }
  return {
    timeNs: BigInt(seconds) * NS_PER_S + (BigInt(fraction) * NS_PER_S) / unitsPerSecond,
    data: Buffer.from(buf.subarray(start, start + capturedLength)),
    originalLength,
  };
}

export function parsePcap(buf: Buffer): PcapFile {
  const { byteOrder, precision } = detectFormat(buf);
  const major = byteOrder === 'little' ? buf.readUInt16LE(4) : buf.readUInt16BE(4);
  if (major !== PCAP_VERSION_MAJOR) throw new PcapError(`pcap version ${major}, expected 2`);
  // The upper bits of the link-type field carry FCS information (pcap-savefile(5)).
  const linkType = readUint32(buf, 20, byteOrder) & 0x0fffffff;
  if (linkType !== LINKTYPE_ETHERNET) throw new PcapError(`link type ${linkType}, only Ethernet (1) is read`);
  const header = { byteOrder, precision, snapLength: readUint32(buf, 16, byteOrder) };
  const records: PcapRecord[] = [];
  for (let at = PCAP_FILE_HEADER_LENGTH; at < buf.length; ) {
    const record = readRecord(buf, at, header);
    records.push(record);
    at += PCAP_RECORD_HEADER_LENGTH + record.data.length;
  }
  return { ...header, records };
}

export function readPcap(path: string): PcapFile {
  return parsePcap(readFileSync(path));
}

export interface PcapFrame {
  readonly timeNs: bigint;
  readonly data: Uint8Array;
}

export interface PcapWriteOptions {
  readonly byteOrder?: PcapByteOrder;
  readonly precision?: PcapPrecision;
  /** Frames longer than this are cut to it, as a capture would (original length kept). */
  readonly snapLength?: number;
}

function fileHeader(order: PcapByteOrder, precision: PcapPrecision, snapLength: number): Buffer {
  const header = Buffer.alloc(PCAP_FILE_HEADER_LENGTH);
  writeUint32(header, precision === 'micro' ? PCAP_MAGIC_MICROSECONDS : PCAP_MAGIC_NANOSECONDS, 0, order);
  const writeUint16 = order === 'little' ? header.writeUInt16LE.bind(header) : header.writeUInt16BE.bind(header);
  writeUint16(PCAP_VERSION_MAJOR, 4);
  writeUint16(PCAP_VERSION_MINOR, 6);
  // thiszone and sigfigs stay 0, as every modern writer leaves them.
  writeUint32(header, snapLength, 16, order);
  writeUint32(header, LINKTYPE_ETHERNET, 20, order);
  return header;
}

function recordBytes(frame: PcapFrame, order: PcapByteOrder, precision: PcapPrecision, snapLength: number): Buffer {
  if (frame.timeNs < 0n || frame.timeNs / NS_PER_S > 0xffffffffn) {
    throw new PcapError(`timestamp ${frame.timeNs} ns does not fit the 32-bit seconds of classic pcap`);
  }
  const captured = frame.data.subarray(0, snapLength);
  const record = Buffer.alloc(PCAP_RECORD_HEADER_LENGTH + captured.length);
  const units = UNITS_PER_S[precision];
  writeUint32(record, Number(frame.timeNs / NS_PER_S), 0, order);
  writeUint32(record, Number(((frame.timeNs % NS_PER_S) * units) / NS_PER_S), 4, order);
  writeUint32(record, captured.length, 8, order);
  writeUint32(record, frame.data.length, 12, order);
  record.set(captured, PCAP_RECORD_HEADER_LENGTH);
  return record;
}

export function serializePcap(frames: readonly PcapFrame[], options: PcapWriteOptions = {}): Buffer {
  const order = options.byteOrder ?? 'little';
  const precision = options.precision ?? 'micro';
  const snapLength = options.snapLength ?? PCAP_DEFAULT_SNAP_LENGTH;
  return Buffer.concat([
    fileHeader(order, precision, snapLength),
    ...frames.map((frame) => recordBytes(frame, order, precision, snapLength)),
  ]);
}

export function writePcap(path: string, frames: readonly PcapFrame[], options: PcapWriteOptions = {}): void {
  writeFileSync(path, serializePcap(frames, options));
}
