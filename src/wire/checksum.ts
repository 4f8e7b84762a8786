/**
 * RFC 1071 Internet checksum. `sumWords` is exposed so that pseudo-header checksums (ICMPv6) can
 * add several ranges before folding.
 */

/** Adds the 16-bit big-endian words of buf[start, end) to `acc` (an odd tail is padded with 0). */
export function sumWords(buf: Uint8Array, start: number, end: number, acc = 0): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) {
    sum += ((buf[i] as number) << 8) | (buf[i + 1] as number);
  }
  if (i < end) {
    sum += (buf[i] as number) << 8;
  }
  return sum;
}

/** Folds a running sum to 16 bits and complements it: the value to write in a checksum field. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) {
    s = (s & 0xffff) + Math.floor(s / 0x10000);
  }
  return ~s & 0xffff;
}

/** The checksum of buf[start, end); a range that already holds a correct checksum gives 0. */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return finishChecksum(sumWords(buf, start, end));
}
