import assert from 'node:assert/strict';
import { relayWithMaster } from './recording-fast-path';

describe('relay: a carp interface under capture', () => {
  it('gives up its in-kernel data path while captured and asks for it again when the capture ends', () => {
    const { relay, fastPath } = relayWithMaster();
    assert.deepEqual(fastPath.asked, ['carp0 none', 'carp0 eth0']);
    relay.setCaptured(new Set(['carp0']));
    assert.deepEqual(fastPath.asked.slice(2), ['carp0 none']);
    relay.setCaptured(new Set());
    assert.deepEqual(fastPath.asked.slice(2), ['carp0 none', 'carp0 eth0']);
  });

  it('asks nothing when the same set comes again, or a capture of another interface', () => {
    const { relay, fastPath } = relayWithMaster();
    relay.setCaptured(new Set(['eth0', 'carp9']));
    relay.setCaptured(new Set(['eth0']));
    assert.deepEqual(fastPath.asked, ['carp0 none', 'carp0 eth0']);
  });

  it('keeps the path away from a captured interface that becomes MASTER', () => {
    const { relay, fastPath } = relayWithMaster();
    relay.setCaptured(new Set(['carp0']));
    relay.leavingMaster('carp0', 1);
    relay.setMasters('carp0', [1]);
    assert.deepEqual(fastPath.asked.slice(2), ['carp0 none']);
  });
});
