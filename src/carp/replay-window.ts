/**
 * net.inet.carp.strict_counter (docs/protocol.md §2.7, docs/security.md): the 64-bit counter,
 * which the HMAC covers, becomes a timestamp that only moves forward, and a receiver accepts each
 * counter once and only near its own clock.
 * - Sender: the counter is the wall-clock time in ms in its upper 48 bits and 16 bits drawn once per
 *   virtual host below (so two hosts sending in the same ms, as on a takeover right after a
 *   bow-out, do not send the same counter), or the previous counter + 1 when that is not larger;
 *   so a restarted sender goes on forward without remembering anything.
 * - Receiver: per virtual host and family, a counter is accepted only if it lies within
 *   REPLAY_WINDOW_MS of our wall clock and was not accepted before. A replay is either older than
 *   the window, or a copy of an advertisement this host already accepted. Senders are not told
 *   apart by their source address: the HMAC does not cover it, so an attacker could replay under
 *   a new one.
 */
import type { Family } from '../wire/address';
import { CARP_COUNTER_LENGTH } from '../wire/carp';
import type { Millis } from './types';

/** How far a counter may be from our clock: the clock skew the mode tolerates between hosts. */
export const REPLAY_WINDOW_MS: Millis = 30_000;

/** The low bits of a strict counter that are not time. */
const SALT_BITS = 16n;

/** Counters kept per family: at advbase 0 (256 a second) a window holds more; then the oldest go. */
const MAX_REMEMBERED = 1024;

export type ReplayVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'outside-window'; readonly offsetMs: number }
  | { readonly kind: 'seen' };

/** The next counter of a strict sender: now on the wall clock and `salt`, strictly after the previous one. */
export function nextStrictCounter(previous: bigint | null, wallClock: Millis, salt: number): bigint {
  const now = (BigInt(Math.max(0, Math.floor(wallClock))) << SALT_BITS) | BigInt(salt & 0xffff);
  return previous !== null && previous >= now ? previous + 1n : now;
}

/** The wall-clock ms a strict counter was sent at. */
export function counterTime(counter: bigint): bigint {
  return counter >> SALT_BITS;
}

export function counterBytes(counter: bigint): Buffer {
  const bytes = Buffer.alloc(CARP_COUNTER_LENGTH);
  bytes.writeBigUInt64BE(BigInt.asUintN(64, counter));
  return bytes;
}

/** The counters one virtual host accepted recently, per family (each family's copy counts once). */
export class ReplayWindow {
  private readonly seen: Record<Family, bigint[]> = { 4: [], 6: [] };
  /** Per family: counters at or below this were forgotten to stay within MAX_REMEMBERED. */
  private readonly floor: Record<Family, bigint> = { 4: -1n, 6: -1n };

  /** Decides on `counter` at `wallClock`, and remembers it when accepted. */
  admit(family: Family, counter: bigint, wallClock: Millis): ReplayVerdict {
    const now = BigInt(Math.floor(wallClock));
    const window = BigInt(REPLAY_WINDOW_MS);
    const offset = counterTime(counter) - now;
    if (offset > window || offset < -window) return { kind: 'outside-window', offsetMs: Number(offset) };
    const seen = this.seen[family];
    // Counters older than the window are refused above, so they need not be remembered.
    while (seen.length > 0 && counterTime(seen[0] as bigint) < now - window) seen.shift();
    if (counter <= this.floor[family] || seen.includes(counter)) return { kind: 'seen' };
    seen.splice(this.insertionIndex(seen, counter), 0, counter);
    if (seen.length > MAX_REMEMBERED) this.floor[family] = seen.shift() as bigint;
    return { kind: 'accept' };
  }

  /** Our own counter: a reflected copy of it, in either family, is refused as seen. */
  rememberSent(counter: bigint, wallClock: Millis): void {
    this.admit(4, counter, wallClock);
    this.admit(6, counter, wallClock);
  }

  private insertionIndex(sorted: readonly bigint[], counter: bigint): number {
    let index = sorted.length;
    while (index > 0 && (sorted[index - 1] as bigint) > counter) index--;
    return index;
  }
}
