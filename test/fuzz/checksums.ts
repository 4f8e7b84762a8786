/**
 * Repairs the checksums a mutated frame claims to have, as a careful attacker would, so that the
 * fuzzer gets past the checksum guards to the checks behind them.
 */
import { CARP_HEADER_LENGTH, IPPROTO_CARP } from '../../src/wire/carp';
import { finishChecksum, internetChecksum, sumWords } from '../../src/wire/checksum';
import { IPPROTO_ICMPV6 } from '../../src/wire/ndp';

const ETHERNET = 14;
const IPV6_HEADER = 40;

/** The CARP checksum: its 36 bytes at `at`, no pseudo-header. */
export function repairCarp(buf: Buffer, at: number): void {
  if (buf.length < at + CARP_HEADER_LENGTH) return;
  buf.writeUInt16BE(0, at + 6);
  buf.writeUInt16BE(internetChecksum(buf, at, at + CARP_HEADER_LENGTH), at + 6);
}

function repairIpv4(frame: Buffer, at: number): void {
  if (frame.length < at + 20) return;
  const headerLength = ((frame[at] as number) & 0x0f) * 4;
  if (headerLength < 20 || frame.length < at + headerLength) return;
  frame.writeUInt16BE(0, at + 10);
  frame.writeUInt16BE(internetChecksum(frame, at, at + headerLength), at + 10);
  if (frame[at + 9] === IPPROTO_CARP) repairCarp(frame, at + headerLength);
}

/** RFC 8200 8.1: source, destination, upper-layer length and next header before the message. */
function repairIcmpv6(frame: Buffer, ip: number): void {
  const start = ip + IPV6_HEADER;
  const end = Math.min(frame.length, start + frame.readUInt16BE(ip + 4));
  if (end < start + 4) return;
  frame.writeUInt16BE(0, start + 2);
  const pseudo = sumWords(frame, ip + 8, start) + (end - start) + IPPROTO_ICMPV6;
  frame.writeUInt16BE(finishChecksum(sumWords(frame, start, end, pseudo)), start + 2);
}

function repairIpv6(frame: Buffer, at: number): void {
  if (frame.length < at + IPV6_HEADER) return;
  if (frame[at + 6] === IPPROTO_CARP) repairCarp(frame, at + IPV6_HEADER);
  else if (frame[at + 6] === IPPROTO_ICMPV6) repairIcmpv6(frame, at);
}

/** IPv4 header, CARP and ICMPv6 checksums of an Ethernet frame, where the frame has room for them. */
export function repairFrame(frame: Buffer): void {
  if (frame.length < ETHERNET) return;
  const etherType = frame.readUInt16BE(12);
  if (etherType === 0x0800) repairIpv4(frame, ETHERNET);
  else if (etherType === 0x86dd) repairIpv6(frame, ETHERNET);
}
