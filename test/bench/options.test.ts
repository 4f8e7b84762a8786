import assert from 'node:assert/strict';
import { UsageError, parseBenchArgs } from '../../bench/options';

describe('bench/options', () => {
  it('defaults to 5 rounds of 5 s, 500 pings every 10 ms, TCP with cubic and bbr', () => {
    assert.deepEqual(parseBenchArgs([]), {
      kind: 'run',
      options: { rounds: 5, seconds: 5, pings: 500, pingInterval: 0.01, congestion: ['cubic', 'bbr'] },
    });
  });

  it('takes every option', () => {
    const parsed = parseBenchArgs(['--rounds', '3', '--seconds', '2', '--pings', '100', '--ping-interval', '0.05', '--congestion', 'reno']);
    assert.deepEqual(parsed, { kind: 'run', options: { rounds: 3, seconds: 2, pings: 100, pingInterval: 0.05, congestion: ['reno'] } });
  });

  it('refuses bad values, saying what it wants', () => {
    assert.throws(() => parseBenchArgs(['--rounds', '0']), UsageError);
    assert.throws(() => parseBenchArgs(['--seconds', '1.5']), /whole number of at least 1/);
    assert.throws(() => parseBenchArgs(['--ping-interval', '0']), /seconds above 0/);
    assert.throws(() => parseBenchArgs(['--congestion', 'cubic;rm']), /names such as cubic,bbr/);
    assert.throws(() => parseBenchArgs(['--fast']), UsageError);
  });
});
