/**
 * sendUnixDatagram: sd_notify's transport. Real datagram sockets bound by socat, at a path and at
 * an abstract name; runs without root.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeSystemError, sendUnixDatagram } from '../../src/native/binding';
import { DatagramListener, socatUnavailableReason } from '../helpers/datagram-listener';
import { waitFor } from '../helpers/poll';

function failsWith(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof NativeSystemError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.syscall, 'sendto');
    assert.match(e.message, pattern);
    return true;
  };
}

describe('native sendUnixDatagram', () => {
  let dir = '';

  before(async function () {
    if (socatUnavailableReason()) return this.skip();
    dir = await mkdtemp(join(tmpdir(), 'carp-native-dgram-'));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const [kind, address] of [
    ['a path', () => join(dir, 'notify.sock')],
    ['an abstract name (@...)', () => `@carp-test-${process.pid}-${Date.now()}`],
  ] as const) {
    it(`delivers each message whole to ${kind}`, async () => {
      const listener = await DatagramListener.bind(address());
      try {
        sendUnixDatagram(listener.address, Buffer.from('READY=1\nSTATUS=2 interfaces\n'));
        sendUnixDatagram(listener.address, Buffer.from('WATCHDOG=1\n'));
        await waitFor('both datagrams', () => Promise.resolve(listener.lines.length >= 3), 5000);
        assert.deepEqual(listener.lines, ['READY=1', 'STATUS=2 interfaces', 'WATCHDOG=1']);
      } finally {
        await listener.close();
      }
    });
  }

  it('says why nothing could be sent: no such file, nobody bound, an address too long', () => {
    assert.throws(() => sendUnixDatagram(join(dir, 'absent.sock'), Buffer.from('READY=1')), failsWith('ENOENT', /absent\.sock: sendto: No such file/));
    assert.throws(() => sendUnixDatagram(`@carp-nobody-${process.pid}`, Buffer.from('READY=1')), failsWith('ECONNREFUSED', /nothing is bound/));
    assert.throws(() => sendUnixDatagram(`/${'x'.repeat(120)}`, Buffer.from('READY=1')), failsWith('ENAMETOOLONG', /at most 107 bytes/));
  });

  it('refuses arguments of the wrong type before any system call', () => {
    assert.throws(() => sendUnixDatagram('', Buffer.from('x')), RangeError);
    assert.throws(() => sendUnixDatagram(join(dir, 'x'), 'READY=1' as unknown as Buffer), TypeError);
  });
});
