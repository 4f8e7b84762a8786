import assert from 'node:assert/strict';
import { SHAPE, relayWithMaster } from './recording-fast-path';

/**
 * A qdisc added to a carpdev that carries traffic can drop a frame it is sending, so the relay has
 * the carpdev's clsact qdisc added when the path may come to it, not at a takeover's install.
 */
describe('relay: carpdevs readied for the in-kernel data path', () => {
  it('readies every carpdev in use when the path is enabled', () => {
    const { fastPath } = relayWithMaster();
    assert.deepEqual(fastPath.prepared, ['eth0']);
  });

  it('readies a carpdev that comes into use while the path is enabled, when it opens', () => {
    const { relay, fastPath, binding } = relayWithMaster();
    relay.addCarpInterface('carp1', binding.openTap('carp1', { vnetHeader: true }), { ...SHAPE, carpdev: 'eth1' });
    assert.deepEqual(fastPath.prepared, ['eth0', 'eth1']);
  });

  it('leaves a carpdev alone while the path is disabled, and readies it once it is enabled', () => {
    const { relay, fastPath, binding } = relayWithMaster();
    relay.setFastPathEnabled(false);
    relay.addCarpInterface('carp1', binding.openTap('carp1', { vnetHeader: true }), { ...SHAPE, carpdev: 'eth1' });
    assert.deepEqual(fastPath.prepared, ['eth0']);
    relay.setFastPathEnabled(true);
    assert.deepEqual(fastPath.prepared.slice(1).sort(), ['eth0', 'eth1']);
  });
});
