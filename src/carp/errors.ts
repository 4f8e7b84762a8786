/**
 * Errors for our own caller's mistakes (a bad option, a vhid in use): thrown with a stable code and
 * a message that names the valid words or range. A peer's mistakes are never thrown; they are
 * counted (see stats.ts).
 */
export type CarpErrorCode =
  | 'out-of-range' // a number outside its valid range
  | 'bad-value' // a word or value that is not one of the valid ones
  | 'no-such-interface'
  | 'interface-exists'
  | 'vhid-in-use' // another carp interface on the same carpdev has this vhid
  | 'not-running' // state can only be forced while the interface runs (OpenBSD rule)
  | 'bad-sysctl'; // unknown name or invalid value for a knob

export class CarpError extends Error {
  override readonly name = 'CarpError';

  constructor(
    readonly code: CarpErrorCode,
    message: string,
  ) {
    super(message);
  }
}
