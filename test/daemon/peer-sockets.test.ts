import assert from 'node:assert/strict';
import { createLogger } from '../../src/daemon/logger';
import { PeerSockets } from '../../src/daemon/peer-sockets';
import { parseIp } from '../../src/wire/address';
import { World } from '../fakes/world';

function setup(): { world: World; sockets: PeerSockets } {
  const world = new World({ hosts: 2 });
  return { world, sockets: new PeerSockets(world.host(1).binding, createLogger('silent')) };
}

const open = (world: World): string[] =>
  world.host(1).binding.ipSockets.filter((s) => !s.closed).map((s) => String(s.fd));

describe('daemon/peer-sockets', () => {
  it('keeps one socket per carpdev and family some interface has a peer of, from the moment it is set', () => {
    const { world, sockets } = setup();
    sockets.want('carp0', 'eth0', [parseIp('10.77.0.2'), parseIp('2001:db8::2')]);
    sockets.want('carp1', 'eth0', [parseIp('10.77.0.3')]);
    assert.equal(open(world).length, 2, 'carp1 shares the IPv4 socket of eth0');
    sockets.want('carp0', 'eth0', []);
    assert.equal(open(world).length, 1, 'the IPv6 socket goes with the last IPv6 peer');
    sockets.forget('carp1');
    assert.equal(open(world).length, 0);
  });

  it('closes a socket whose send failed, and opens a new one for the next send', () => {
    const { world, sockets } = setup();
    sockets.want('carp0', 'eth0', [parseIp('10.77.0.2')]);
    world.host(1).kernel.setLinkState('eth0', { adminUp: false });
    assert.throws(() => sockets.send('eth0', parseIp('10.77.0.2'), Buffer.alloc(56)), { code: 'ENETDOWN' });
    assert.equal(open(world).length, 0);
    world.host(1).kernel.setLinkState('eth0', { adminUp: true });
    sockets.send('eth0', parseIp('10.77.0.2'), Buffer.alloc(56));
    assert.equal(open(world).length, 1);
  });

  it('an interface without a carpdev holds no socket; close() closes them all', () => {
    const { world, sockets } = setup();
    sockets.want('carp0', null, [parseIp('10.77.0.2')]);
    assert.equal(open(world).length, 0);
    sockets.want('carp0', 'eth0', [parseIp('10.77.0.2')]);
    sockets.close();
    assert.equal(open(world).length, 0);
  });
});
