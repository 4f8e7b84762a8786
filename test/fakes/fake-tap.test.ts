import assert from 'node:assert/strict';
import { TAP_MIN_SLOT_SIZE, isNativeError } from '../../src/native/binding';
import { VNET_HEADER_LENGTH } from '../../src/native/types';
import { formatMac, parseMac, parsePrefix } from '../../src/wire/address';
import { ETHERTYPE_TEST, frame } from '../native/frames';
import { readFrames, writeFrames } from './batches';
import { FakeKernel } from './fake-kernel';
import { FakeMirror } from './fake-mirror';
import type { KernelLink } from './kernel-link';
import { MemoryBinding, type MemoryBindingOptions } from './memory-binding';
import { Scheduler } from './scheduler';
import type { TapStack } from './tap-stack';

const VNET = Buffer.alloc(VNET_HEADER_LENGTH);
const VIRTUAL_MAC = parseMac('00:00:5e:00:01:01');
const testFrame = (fill: number): Buffer => frame('00:00:5e:00:01:01', '02:00:00:00:00:99', ETHERTYPE_TEST, 46, fill);

async function setup(options: MemoryBindingOptions = {}) {
  const scheduler = new Scheduler();
  const kernel = new FakeKernel(scheduler);
  const binding = new MemoryBinding(kernel, scheduler, options);
  const mirror = new FakeMirror(kernel);
  const events: string[] = [];
  mirror.onEvent((e) => {
    if (e.kind === 'link-changed' || e.kind === 'link-removed') {
      events.push(`${e.kind} ${e.link.name} ${e.link.adminUp ? 'up' : 'down'}${e.link.lowerUp ? ' lower-up' : ''}`);
    } else {
      events.push(`${e.kind} ${e.address.ifindex}`);
    }
  });
  await mirror.start();
  return { scheduler, kernel, binding, events };
}

function linkOf(kernel: FakeKernel, name: string): KernelLink & { tap: TapStack } {
  const link = kernel.link(name);
  assert.ok(link?.tap, `${name} is a TAP`);
  return link as KernelLink & { tap: TapStack };
}

/** The NativeError a call throws, as "code syscall". */
function nativeFailure(call: () => unknown): string {
  try {
    call();
  } catch (e: unknown) {
    assert.ok(isNativeError(e), `not a NativeError: ${String(e)}`);
    return `${e.code} ${e.syscall}`;
  }
  return assert.fail('the call succeeded');
}

describe('fakes: TAP device', () => {
  it('creates carpN down, with a random locally administered MAC; its carrier comes with the fd', async () => {
    const { scheduler, kernel, binding, events } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: true });
    const link = linkOf(kernel, 'carp0');
    assert.equal(tap.ifindex, link.index);
    assert.deepEqual([link.kind, link.adminUp, link.carrier, link.info.lowerUp], ['tap', false, true, false]);
    const first = (link.mac as Buffer)[0] as number;
    assert.equal(first & 0x03, 0x02, `${formatMac(link.mac as Buffer)}: unicast, locally administered`);
    await kernel.setLinkUp('carp0', true);
    tap.setCarrier(false);
    tap.setCarrier(true);
    await scheduler.settle();
    assert.deepEqual(events, [
      'link-changed carp0 down',
      'link-changed carp0 up lower-up',
      'link-changed carp0 up',
      'link-changed carp0 up lower-up',
    ]);
  });

  it("gives the reader what carpN sends, behind a zero virtio-net header, only while up with carrier", async () => {
    const { kernel, binding } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: true });
    const { tap: stack } = linkOf(kernel, 'carp0');
    assert.equal(stack.kernelSend(testFrame(1)), false, 'down');
    await kernel.setLinkUp('carp0', true);
    assert.equal(stack.kernelSend(testFrame(2)), true);
    tap.setCarrier(false);
    assert.equal(stack.kernelSend(testFrame(3)), false, 'no carrier');
    assert.deepEqual(readFrames(tap), [Buffer.concat([VNET, testFrame(2)])]);
    assert.deepEqual(readFrames(tap), []);
    const plain = binding.openTap('carp1', { vnetHeader: false });
    await kernel.setLinkUp('carp1', true);
    linkOf(kernel, 'carp1').tap.kernelSend(testFrame(4));
    assert.deepEqual(readFrames(plain), [testFrame(4)]);
  });

  it('calls onReadable level-triggered: again and again while frames wait', async () => {
    const { scheduler, kernel, binding } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: false });
    await kernel.setLinkUp('carp0', true);
    const read: Buffer[] = [];
    let calls = 0;
    tap.startReading(() => {
      calls++;
      read.push(...readFrames(tap, 1));
    });
    for (const fill of [1, 2, 3]) linkOf(kernel, 'carp0').tap.kernelSend(testFrame(fill));
    assert.equal(calls, 0, 'from the event loop, not from the send');
    await scheduler.settle();
    assert.equal(calls, 3);
    assert.deepEqual(read, [testFrame(1), testFrame(2), testFrame(3)]);
    tap.stopReading();
    linkOf(kernel, 'carp0').tap.kernelSend(testFrame(4));
    await scheduler.settle();
    assert.equal(calls, 3, 'stopped');
    tap.startReading(() => {
      calls++;
      readFrames(tap);
    });
    await scheduler.settle();
    assert.equal(calls, 4, 'a frame waiting when reading starts wakes the reader');
  });

  it("hands written frames to carpN's stack without the header, also without carrier, and not while down", async () => {
    const { scheduler, kernel, binding } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: true });
    const { tap: stack } = linkOf(kernel, 'carp0');
    assert.equal(nativeFailure(() => writeFrames(tap, [Buffer.concat([VNET, testFrame(1)])])), 'EIO write');
    await kernel.setLinkUp('carp0', true);
    tap.setCarrier(false);
    const heard: Buffer[] = [];
    stack.onReceive((f) => heard.push(f));
    assert.equal(writeFrames(tap, [Buffer.concat([VNET, testFrame(2)]), Buffer.concat([VNET, testFrame(3)])]), 2);
    assert.deepEqual(stack.kernelReceived, [testFrame(2), testFrame(3)]);
    assert.deepEqual(heard, [], "the stack's hook runs later, as softirq work");
    await scheduler.settle();
    assert.deepEqual(heard, [testFrame(2), testFrame(3)]);
    assert.equal(nativeFailure(() => writeFrames(tap, [VNET.subarray(0, 4)])), 'EINVAL write');
    assert.equal(writeFrames(tap, [Buffer.concat([VNET, testFrame(4)]), VNET]), 1, 'a later bad frame ends the batch');
    const offload = Buffer.concat([Buffer.from([1]), Buffer.alloc(VNET_HEADER_LENGTH - 1), testFrame(5)]);
    assert.throws(() => writeFrames(tap, [offload]), /asking for offloads is beyond the fake/);
  });

  it('keeps a persistent TAP, its MAC and addresses after its fd closes; a plain one goes with its fd', async () => {
    const { scheduler, kernel, binding, events } = await setup();
    binding.openTap('carp0', { vnetHeader: true }).close();
    assert.equal(kernel.link('carp0'), undefined);
    const tap = binding.openTap('carp1', { vnetHeader: true });
    tap.setPersist(true);
    tap.setMac(VIRTUAL_MAC);
    await kernel.setLinkUp('carp1', true);
    kernel.ipAddrAdd('carp1', '192.0.2.1/24');
    const index = tap.ifindex;
    tap.close();
    tap.close();
    const kept = linkOf(kernel, 'carp1');
    assert.deepEqual([kept.adminUp, kept.carrier, formatMac(kept.mac as Buffer)], [true, false, '00:00:5e:00:01:01']);
    const again = binding.openTap('carp1', { vnetHeader: true });
    assert.equal(again.ifindex, index);
    assert.deepEqual(kept.addresses(), [parsePrefix('192.0.2.1/24')]);
    assert.equal(kept.carrier, true, 'attaching turns the carrier on (tun_set_iff)');
    await scheduler.settle();
    assert.deepEqual(events, [
      'link-changed carp0 down',
      'link-removed carp0 down',
      'link-changed carp1 down',
      'link-changed carp1 down',
      'link-changed carp1 up lower-up',
      'address-added 3',
      'link-changed carp1 up',
      'link-changed carp1 up lower-up',
    ]);
  });

  it('refuses a second fd and a name that is not a TAP, as the addon words it', async () => {
    const { kernel, binding } = await setup();
    binding.openTap('carp0', { vnetHeader: true });
    kernel.addLink('br0');
    assert.equal(nativeFailure(() => binding.openTap('carp0', { vnetHeader: true })), 'EBUSY ioctl(TUNSETIFF)');
    assert.throws(
      () => binding.openTap('br0', { vnetHeader: true }),
      { message: 'br0: ioctl(TUNSETIFF): Invalid argument (an interface of this name exists and is not a single-queue TAP device)' },
    );
    assert.throws(() => binding.openTap('carp-0123456789x', { vnetHeader: true }), {
      name: 'RangeError',
      message: 'openTap: an interface name must be 1 to 15 bytes, not 16',
    });
    binding.failNextOpen('openTap', 'EPERM');
    assert.throws(
      () => binding.openTap('carp1', { vnetHeader: true }),
      /carp1: ioctl\(TUNSETIFF\): Operation not permitted \(.*CAP_NET_ADMIN\)/,
    );
    assert.equal(kernel.link('carp1'), undefined);
  });

  it('fails every call on a closed fd with EBADF', async () => {
    const { binding } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: true });
    tap.close();
    assert.equal(tap.closed, true);
    assert.equal(nativeFailure(() => readFrames(tap)), 'EBADF read');
    assert.equal(nativeFailure(() => writeFrames(tap, [testFrame(1)])), 'EBADF write');
    assert.equal(nativeFailure(() => tap.setCarrier(true)), 'EBADF ioctl(TUNSETCARRIER)');
    assert.equal(nativeFailure(() => tap.startReading(() => undefined)), 'EBADF uv_poll_start');
  });

  it('reports a device deleted under its fd with EBADFD, waking the reader once', async () => {
    const { scheduler, kernel, binding } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: true });
    tap.setPersist(true);
    await kernel.setLinkUp('carp0', true);
    const { tap: stack } = linkOf(kernel, 'carp0');
    stack.kernelSend(testFrame(1));
    const failures: string[] = [];
    tap.startReading(() => failures.push(nativeFailure(() => readFrames(tap))));
    kernel.deleteLink('carp0');
    await scheduler.advance(1000);
    assert.deepEqual(failures, ['EBADFD read'], 'the queued frame went with the device; one callback');
    assert.equal(stack.kernelSend(testFrame(2)), false);
    assert.equal(nativeFailure(() => writeFrames(tap, [Buffer.concat([VNET, testFrame(3)])])), 'EBADFD write');
    assert.equal(nativeFailure(() => tap.setPersist(false)), 'EBADFD ioctl(TUNSETPERSIST)');
    tap.close();
  });

  it('reads only into slots that hold the largest frame a TAP can give', async () => {
    const { binding } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: true });
    assert.throws(() => readFrames(tap, 1, TAP_MIN_SLOT_SIZE - 1), {
      name: 'RangeError',
      message: /^carp0: readBatch slotSize must be an integer from 65563 to/,
    });
    const twoSlots = new Uint32Array(2);
    assert.throws(() => tap.readBatch(Buffer.alloc(TAP_MIN_SLOT_SIZE), TAP_MIN_SLOT_SIZE, twoSlots), /has no room for 2 slots/);
    assert.deepEqual(readFrames(tap, 1, TAP_MIN_SLOT_SIZE), []);
  });

  it('sets a unicast MAC and refuses a group address', async () => {
    const { kernel, binding } = await setup();
    const tap = binding.openTap('carp0', { vnetHeader: true });
    tap.setMac(VIRTUAL_MAC);
    assert.equal(formatMac(linkOf(kernel, 'carp0').mac as Buffer), '00:00:5e:00:01:01');
    assert.equal(nativeFailure(() => tap.setMac(parseMac('01:00:5e:00:01:01'))), 'EADDRNOTAVAIL ioctl(SIOCSIFHWADDR)');
    assert.throws(() => tap.setMac(Buffer.alloc(5, 2)), { name: 'RangeError', message: 'carp0: a MAC address is 6 bytes, not 5' });
  });

  it("drops and counts what carpN sends beyond the fd's queue", async () => {
    const { kernel, binding } = await setup({ tapQueueLimit: 2 });
    const tap = binding.openTap('carp0', { vnetHeader: false });
    await kernel.setLinkUp('carp0', true);
    const sent = [1, 2, 3].map((fill) => linkOf(kernel, 'carp0').tap.kernelSend(testFrame(fill)));
    assert.deepEqual(sent, [true, true, false]);
    assert.equal(tap.overflows, 1);
    assert.deepEqual(readFrames(tap), [testFrame(1), testFrame(2)]);
  });
});
