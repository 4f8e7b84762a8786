import assert from 'node:assert/strict';
import { CONTROL_SOCKET_ENV, DEFAULT_CONTROL_SOCKET, controlSocketPath } from '../../src/control/paths';

describe('control socket path', () => {
  it('defaults to /run/carpd.sock', () => {
    assert.equal(DEFAULT_CONTROL_SOCKET, '/run/carpd.sock');
    assert.equal(controlSocketPath(undefined, {}), '/run/carpd.sock');
  });

  it('takes CARPD_SOCKET from the environment', () => {
    assert.equal(CONTROL_SOCKET_ENV, 'CARPD_SOCKET');
    assert.equal(controlSocketPath(undefined, { CARPD_SOCKET: '/tmp/a.sock' }), '/tmp/a.sock');
  });

  it('ignores an empty CARPD_SOCKET', () => {
    assert.equal(controlSocketPath(undefined, { CARPD_SOCKET: '' }), '/run/carpd.sock');
  });

  it('lets an explicit path win over the environment', () => {
    assert.equal(controlSocketPath('/tmp/b.sock', { CARPD_SOCKET: '/tmp/a.sock' }), '/tmp/b.sock');
  });
});
