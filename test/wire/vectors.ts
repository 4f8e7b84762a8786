/** Byte fixtures of the reference vectors (docs/protocol.md §9), shared by the wire tests. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

export const V1_COUNTER = hex('0102030405060708');
export const V1_HMAC = hex('3a d3 95 8c 9a 42 34 79 ad 19 7c f3 e7 24 7a 33 37 bb 83 c1');
export const V1_HEADER = hex(`21 01 00 07 00 01 e8 e4 01 02 03 04 05 06 07 08
  3a d3 95 8c 9a 42 34 79 ad 19 7c f3 e7 24 7a 33 37 bb 83 c1`);
export const V6_HEADER = hex(
  '21 01 64 07 05 01 7f e4 01 02 03 04 05 06 07 08 3a d3 95 8c 9a 42 34 79 ad 19 7c f3 e7 24 7a 33 37 bb 83 c1',
);
export const V7_HEADER = hex(
  '21 01 ff 07 00 ff e8 e5 01 02 03 04 05 06 07 08 3a d3 95 8c 9a 42 34 79 ad 19 7c f3 e7 24 7a 33 37 bb 83 c1',
);

/** V1 as a 70-byte OpenBSD-style frame (TOS 0x10, IP ID 0x1234, source MAC 00:00:5e:00:01:01). */
export const V1_FRAME_OPENBSD = hex(`01 00 5e 00 00 12 00 00 5e 00 01 01 08 00 45 10 00 38 12 34 40 00 ff 70 c6 fd
  c0 00 02 01 e0 00 00 12 21 01 00 07 00 01 e8 e4 01 02 03 04 05 06 07 08 3a d3
  95 8c 9a 42 34 79 ad 19 7c f3 e7 24 7a 33 37 bb 83 c1`);
/** V1 FreeBSD style: TOS 0xE0 (DSCP 56). */
export const V1_FRAME_FREEBSD = hex(`01 00 5e 00 00 12 00 00 5e 00 01 01 08 00 45 e0 00 38 12 34 40 00 ff 70 c6 2d
  c0 00 02 01 e0 00 00 12 21 01 00 07 00 01 e8 e4 01 02 03 04 05 06 07 08 3a d3
  95 8c 9a 42 34 79 ad 19 7c f3 e7 24 7a 33 37 bb 83 c1`);
/** V1 ucarp style: source MAC 00:00:5e:00:00:01. */
export const V1_FRAME_UCARP = hex(`01 00 5e 00 00 12 00 00 5e 00 00 01 08 00 45 10 00 38 12 34 40 00 ff 70 c6 fd
  c0 00 02 01 e0 00 00 12 21 01 00 07 00 01 e8 e4 01 02 03 04 05 06 07 08 3a d3
  95 8c 9a 42 34 79 ad 19 7c f3 e7 24 7a 33 37 bb 83 c1`);
/** V4's 90-byte IPv6 advertisement (fe80::1 -> ff02::12, CARP checksum f177). */
export const V4_FRAME_IPV6 = hex(`33 33 00 00 00 12 00 00 5e 00 01 01 86 dd 60 00 00 00 00 24 70 ff
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 12
  21 01 00 07 00 01 f1 77 01 02 03 04 05 06 07 08
  cb 3a 9a f3 36 4a 26 74 34 68 7a 74 24 0e 9a 15 cf ce dd ae`);
