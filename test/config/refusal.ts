/** Matches a ConfigError of `code` whose message matches `pattern` (for assert.throws/rejects). */
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/grammar';

export function refusal(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };
}
