import assert from 'node:assert/strict';
import { LocalSources } from '../../src/daemon/local-sources';
import { type IpAddress, formatIp, parseIp } from '../../src/wire/address';

describe('daemon/local-sources', () => {
  it('answers with the carpdev`s first address of the family, or null, and keeps each answer until the kernel reports a change', () => {
    let addresses: IpAddress[] = [parseIp('198.51.100.2'), parseIp('fe80::2')];
    const listeners: (() => void)[] = [];
    const sources = new LocalSources(
      () => addresses,
      (listener) => listeners.push(listener),
    );
    const answer = (family: 4 | 6): string | null => {
      const source = sources.of('eth0', family);
      return source === null ? null : formatIp(source);
    };
    assert.equal(answer(4), '198.51.100.2');
    assert.equal(answer(6), 'fe80::2');
    addresses = [parseIp('198.51.100.9')];
    assert.equal(answer(4), '198.51.100.2', 'kept: the kernel reported no change yet');
    for (const listener of listeners) listener();
    assert.equal(answer(4), '198.51.100.9');
    assert.equal(answer(6), null);
  });
});
