/** Assertions shared by the codec tests. */
import assert from 'node:assert/strict';
import { internetChecksum } from '../../src/wire/checksum';
import { WireError, type WireErrorReason } from '../../src/wire/errors';

/** The reason of the WireError `fn` throws; fails the test if it returns or throws anything else. */
export function wireReason(fn: () => unknown): WireErrorReason {
  try {
    fn();
  } catch (e: unknown) {
    assert.ok(e instanceof WireError, `expected WireError, got ${String(e)}`);
    return e.reason;
  }
  assert.fail('expected a WireError');
}

/** A copy of `bytes` with byte `index` replaced. */
export function withByte(bytes: Uint8Array, index: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = value;
  return copy;
}

/** Rewrites the Internet checksum at `field` so that buf[start, end) verifies again. */
export function fixChecksum(buf: Buffer, start: number, end: number, field: number): Buffer {
  buf.writeUInt16BE(0, field);
  buf.writeUInt16BE(internetChecksum(buf, start, end), field);
  return buf;
}

/** Asserts that an encoder failed without writing anything into `target`. */
export function assertUntouched(target: Buffer, fill: number): void {
  assert.ok(
    target.every((b) => b === fill),
    'the target buffer was changed by a failed encode',
  );
}
