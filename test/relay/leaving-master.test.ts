import assert from 'node:assert/strict';
import type { FastPathSpec } from '../../src/kernel/fast-path-commands';
import { type CarpPortShape, type FastPathControl, Relay } from '../../src/relay/relay';
import { parseMac } from '../../src/wire/address';
import { FakeKernel } from '../fakes/fake-kernel';
import { MemoryBinding } from '../fakes/memory-binding';
import { Scheduler } from '../fakes/scheduler';
import { Segment } from '../fakes/segment';

const VMAC = parseMac('00:00:5e:00:01:01');

const SHAPE: CarpPortShape = {
  carpdev: 'eth0',
  vhids: [1],
  macs: [{ mac: VMAC, node: 0 }],
  addresses: [],
  neighborNode: 0,
  balancing: { mode: 'none', tapMac: VMAC, wireMac: VMAC, nodeMacs: [VMAC], arpKey: null, carpdevMac: null },
  adminUp: true,
};

/** What the relay asks of the in-kernel data path, in order, as it asks it. */
class RecordingFastPath implements FastPathControl {
  readonly asked: string[] = [];
  want(ifname: string, spec: FastPathSpec | null): void {
    this.asked.push(`${ifname} ${spec === null ? 'none' : spec.carpdev}`);
  }
  forget(): void {}
  useCarpdev(): void {}
}

function relayWithMaster(): { relay: Relay; fastPath: RecordingFastPath } {
  const scheduler = new Scheduler();
  const kernel = new FakeKernel(scheduler);
  kernel.addEthernet('eth0', new Segment(scheduler).attachNic('eth0', parseMac('02:00:00:00:00:01')));
  const binding = new MemoryBinding(kernel, scheduler);
  const fastPath = new RecordingFastPath();
  const sink = { frameForCore: () => undefined, tapError: () => undefined } as unknown as ConstructorParameters<typeof Relay>[1];
  const relay = new Relay(binding, sink, true, fastPath);
  relay.addCarpInterface('carp0', binding.openTap('carp0', { vnetHeader: true }), SHAPE);
  relay.setFastPathEnabled(true);
  relay.setMasters('carp0', [1]);
  return { relay, fastPath };
}

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
