import assert from 'node:assert/strict';
import { relayWithMaster } from './recording-fast-path';

describe('relay: a node leaving MASTER', () => {
  it('gives up its in-kernel data path in the call, and the link action after it changes nothing more', () => {
    const { relay, fastPath } = relayWithMaster();
    assert.deepEqual(fastPath.asked, ['carp0 none', 'carp0 eth0']);
    relay.leavingMaster('carp0', 1);
    assert.deepEqual(fastPath.asked.slice(2), ['carp0 none']);
    relay.setMasters('carp0', []);
    assert.deepEqual(fastPath.asked.slice(2), ['carp0 none']);
  });

  it('ignores a vhid it is not MASTER of, and an interface it does not have', () => {
    const { relay, fastPath } = relayWithMaster();
    relay.leavingMaster('carp0', 2);
    relay.leavingMaster('carp9', 1);
    assert.deepEqual(fastPath.asked, ['carp0 none', 'carp0 eth0']);
  });
});
