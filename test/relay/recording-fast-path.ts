/**
 * A relay on a fake kernel with carp0 (vhid 1 on eth0, no balancing) MASTER and
 * net.inet.carp.fastpath on, and a record of what it asks of the in-kernel data path. eth1 is a
 * second Ethernet interface, for a carp interface a test adds (SHAPE with another carpdev).
 */
import type { FastPathSpec } from '../../src/kernel/fast-path-commands';
import { type CarpPortShape, type FastPathControl, Relay } from '../../src/relay/relay';
import { parseMac } from '../../src/wire/address';
import { FakeKernel } from '../fakes/fake-kernel';
import { MemoryBinding } from '../fakes/memory-binding';
import { Scheduler } from '../fakes/scheduler';
import { Segment } from '../fakes/segment';

const VMAC = parseMac('00:00:5e:00:01:01');

export const SHAPE: CarpPortShape = {
  carpdev: 'eth0',
  vhids: [1],
  macs: [{ mac: VMAC, node: 0 }],
  addresses: [],
  neighborNode: 0,
  balancing: { mode: 'none', tapMac: VMAC, wireMac: VMAC, nodeMacs: [VMAC], arpKey: null, carpdevMac: null },
  adminUp: true,
};

/** What the relay asks of the in-kernel data path, in order, as it asks it. */
export class RecordingFastPath implements FastPathControl {
  readonly asked: string[] = [];
  /** The spec of the latest request, as the relay passed it (Relay.fastPathActive wants that object). */
  last: FastPathSpec | null = null;
  want(ifname: string, spec: FastPathSpec | null): void {
    this.asked.push(`${ifname} ${spec === null ? 'none' : spec.carpdev}`);
    this.last = spec;
  }
  forget(): void {}
  useCarpdev(): void {}
  /** The carpdevs the relay readied for the path, in order. */
  readonly prepared: string[] = [];
  prepareCarpdev(carpdev: string): void {
    this.prepared.push(carpdev);
  }
}

export function relayWithMaster(): { relay: Relay; fastPath: RecordingFastPath; binding: MemoryBinding } {
  const scheduler = new Scheduler();
  const kernel = new FakeKernel(scheduler);
  const segment = new Segment(scheduler);
  kernel.addEthernet('eth0', segment.attachNic('eth0', parseMac('02:00:00:00:00:01')));
  // A second carpdev, which no carp interface uses yet.
  kernel.addEthernet('eth1', segment.attachNic('eth1', parseMac('02:00:00:00:00:02')));
  const binding = new MemoryBinding(kernel, scheduler);
  const fastPath = new RecordingFastPath();
  const sink = { frameForCore: () => undefined, tapError: () => undefined } as unknown as ConstructorParameters<typeof Relay>[1];
  const relay = new Relay(binding, sink, true, fastPath);
  relay.addCarpInterface('carp0', binding.openTap('carp0', { vnetHeader: true }), SHAPE);
  relay.setFastPathEnabled(true);
  relay.setMasters('carp0', [1]);
  return { relay, fastPath, binding };
}

