/**
 * The one error type of the wire codecs. Decoders never throw anything else: a peer's malformed
 * packet becomes a WireError whose `reason` is counted by the caller (OpenBSD carpstats style).
 */
export type WireErrorReason =
  | 'truncated' // fewer bytes than the header (or a declared length) needs
  | 'bad-length' // a length field disagrees with the buffer or the protocol
  | 'bad-version' // version field is not the one this codec speaks
  | 'bad-checksum' // Internet checksum does not verify
  | 'bad-header' // a field has a value the protocol does not allow (IHL < 5, hardware type ...)
  | 'unsupported'; // well-formed but outside what we handle (IPv4 options on CARP, fragments ...)

export class WireError extends Error {
  override readonly name = 'WireError';

  constructor(
    readonly reason: WireErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Throws `truncated` unless `buf` holds at least `needed` bytes from `offset`. */
export function requireLength(buf: Uint8Array, offset: number, needed: number, what: string): void {
  if (offset < 0 || buf.length - offset < needed) {
    throw new WireError('truncated', `${what}: need ${needed} bytes, have ${Math.max(0, buf.length - offset)}`);
  }
}
