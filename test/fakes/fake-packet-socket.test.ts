import assert from 'node:assert/strict';
import { isNativeError } from '../../src/native/binding';
import { VNET_HEADER_LENGTH } from '../../src/native/types';
import { buildCarpdevFilter, packBpf as packRelayBpf } from '../../src/relay/bpf';
import { parseIp, parseMac } from '../../src/wire/address';
import { ETHERNET_MIN_FRAME_LENGTH } from '../../src/wire/ethernet';
import { ETHERTYPE_OTHER, ETHERTYPE_TEST, REJECT_ALL, ethertypeFilter, frame, packBpf } from '../native/frames';
import { arpRequest, ipv4 } from '../relay/frames-for-tests';
import { readFrames, writeFrames } from './batches';
import { World } from './world';

const VNET = Buffer.alloc(VNET_HEADER_LENGTH);
const HOST1 = '02:00:00:00:00:01';
const HOST2 = '02:00:00:00:00:02';
const CARP_GROUP = parseMac('01:00:5e:00:00:12');
const VIRTUAL = parseMac('00:00:5e:00:01:07');
const TEST = ethertypeFilter(ETHERTYPE_TEST);

/** A frame from host 2 to host 1. */
const toHost1 = (fill: number, ethertype = ETHERTYPE_TEST, payload = 46): Buffer => frame(HOST1, HOST2, ethertype, payload, fill);

function nativeFailure(call: () => unknown): string {
  try {
    call();
  } catch (e: unknown) {
    assert.ok(isNativeError(e), `not a NativeError: ${String(e)}`);
    return `${e.code} ${e.syscall}`;
  }
  return assert.fail('the call succeeded');
}

function pair(filter = TEST, vnetHeader = false) {
  const world = new World({ hosts: 2 });
  const reader = world.host(1).binding.openPacketSocket('eth0', { filter, vnetHeader });
  const writer = world.host(2).binding.openPacketSocket('eth0', { filter: REJECT_ALL, vnetHeader: false });
  return { world, reader, writer, scheduler: world.scheduler };
}

describe('fakes: packet socket', () => {
  it('reads what passes its BPF program and never sees what the program rejects', async () => {
    const { reader, writer, scheduler } = pair();
    const frames = [toHost1(1), toHost1(2, ETHERTYPE_OTHER), toHost1(3)];
    assert.equal(writeFrames(writer, frames), 3);
    await scheduler.settle();
    assert.deepEqual(readFrames(reader), [toHost1(1), toHost1(3)]);
    assert.deepEqual(readFrames(reader), []);
  });

  it("runs the relay's real program: advertisements, broadcast ARP and virtual MACs pass, other traffic does not", async () => {
    const vip = parseIp('10.77.0.50');
    const filter = packRelayBpf(buildCarpdevFilter());
    const { world, reader, scheduler } = pair(filter);
    const client = world.addClient('client').endpoint;
    reader.addMembership('multicast', CARP_GROUP);
    const advertisement = ipv4(CARP_GROUP, 112);
    const toVirtual = ipv4(VIRTUAL, 6);
    reader.addMembership('unicast', VIRTUAL);
    for (const f of [advertisement, arpRequest(vip), arpRequest(parseIp('10.77.0.51')), ipv4(parseMac(HOST1), 6), toVirtual]) {
      client.send(f);
    }
    await scheduler.settle();
    const pad = (f: Buffer): Buffer => Buffer.concat([f, Buffer.alloc(Math.max(0, ETHERNET_MIN_FRAME_LENGTH - f.length))]);
    assert.deepEqual(readFrames(reader), [advertisement, arpRequest(vip), arpRequest(parseIp('10.77.0.51')), toVirtual].map(pad), 'padded on the wire');
  });

  it('keeps only as many bytes as the program returns', async () => {
    const firstTwenty = packBpf([{ code: 0x06, jt: 0, jf: 0, k: 20 }]);
    const { reader, writer, scheduler } = pair(firstTwenty);
    writeFrames(writer, [toHost1(1)]);
    await scheduler.settle();
    assert.deepEqual(readFrames(reader), [toHost1(1).subarray(0, 20)]);
  });

  it('replaces its program with setFilter; frames already queued stay', async () => {
    const { reader, writer, scheduler } = pair();
    writeFrames(writer, [toHost1(1)]);
    await scheduler.settle();
    reader.setFilter(ethertypeFilter(ETHERTYPE_OTHER));
    writeFrames(writer, [toHost1(2), toHost1(3, ETHERTYPE_OTHER)]);
    await scheduler.settle();
    assert.deepEqual(readFrames(reader), [toHost1(1), toHost1(3, ETHERTYPE_OTHER)]);
  });

  it("never reads this host's own frames, from any socket, yet the segment and the peer see them", async () => {
    const { world, reader, writer, scheduler } = pair();
    const sibling = world.host(1).binding.openPacketSocket('eth0', { filter: TEST, vnetHeader: false });
    const fromHost1 = frame(HOST2, HOST1, ETHERTYPE_TEST, 46, 7);
    writer.setFilter(TEST);
    assert.equal(writeFrames(reader, [fromHost1]), 1);
    await scheduler.settle();
    assert.deepEqual([readFrames(reader), readFrames(sibling)], [[], []]);
    assert.deepEqual(readFrames(writer), [fromHost1]);
    assert.deepEqual(world.segment.log.map((e) => e.port), ['host1/eth0']);
  });

  it('hears a group or a foreign unicast MAC only while a membership asks the NIC for it', async () => {
    const { world, reader, scheduler } = pair();
    const client = world.addClient('client').endpoint;
    const other = world.host(1).binding.openPacketSocket('eth0', { filter: TEST, vnetHeader: false });
    const send = async (): Promise<number> => {
      for (const to of ['01:00:5e:00:00:12', '00:00:5e:00:01:07']) client.send(frame(to, '02:00:00:00:01:01', ETHERTYPE_TEST));
      await scheduler.settle();
      return readFrames(reader).length;
    };
    assert.equal(await send(), 0);
    reader.addMembership('multicast', CARP_GROUP);
    reader.addMembership('multicast', CARP_GROUP);
    other.addMembership('unicast', VIRTUAL);
    assert.equal(await send(), 2, "another socket's membership opens the NIC for every socket");
    reader.dropMembership('multicast', CARP_GROUP);
    assert.equal(await send(), 2, 'added twice by this socket, dropped once');
    other.close();
    assert.equal(await send(), 1, "closing a socket drops its memberships");
    const notMine = nativeFailure(() => reader.dropMembership('unicast', VIRTUAL));
    assert.equal(notMine, 'EADDRNOTAVAIL setsockopt(PACKET_DROP_MEMBERSHIP)');
    assert.throws(() => reader.addMembership('unicast', Buffer.alloc(2)), {
      name: 'RangeError',
      message: /a MAC address is 6 bytes, not 2/,
    });
  });

  it('puts a zero virtio-net header before what it reads and takes it off what it writes', async () => {
    const { world, scheduler } = pair();
    const reader = world.host(1).binding.openPacketSocket('eth0', { filter: TEST, vnetHeader: true });
    const writer = world.host(2).binding.openPacketSocket('eth0', { filter: REJECT_ALL, vnetHeader: true });
    assert.equal(writeFrames(writer, [Buffer.concat([VNET, toHost1(1)])]), 1);
    await scheduler.settle();
    assert.deepEqual(world.segment.log.map((e) => e.frame), [toHost1(1)]);
    assert.deepEqual(readFrames(reader), [Buffer.concat([VNET, toHost1(1)])]);
    assert.equal(nativeFailure(() => writeFrames(writer, [VNET.subarray(0, 6)])), 'EINVAL sendmmsg');
  });

  it('drops a frame longer than its slot and moves the next ones down', async () => {
    const { reader, writer, scheduler } = pair();
    writeFrames(writer, [toHost1(1), toHost1(2, ETHERTYPE_TEST, 200), toHost1(3)]);
    await scheduler.settle();
    assert.deepEqual(readFrames(reader, 4, 100), [toHost1(1), toHost1(3)]);
    assert.equal(reader.truncated, 1);
  });

  it('writes a batch up to the first failure: throws only when the first frame fails', async () => {
    const { world, reader, writer, scheduler } = pair();
    writer.failNextWrite('EPERM');
    assert.equal(nativeFailure(() => writeFrames(writer, [toHost1(1), toHost1(2)])), 'EPERM sendmmsg');
    assert.equal(writeFrames(writer, [toHost1(3), toHost1(4, ETHERTYPE_TEST, 1600), toHost1(5)]), 1, 'EMSGSIZE ends it');
    assert.equal(nativeFailure(() => writeFrames(writer, [toHost1(6, ETHERTYPE_TEST, 1501)])), 'EMSGSIZE sendmmsg');
    writer.failNextWrite('ENOBUFS');
    assert.equal(writeFrames(writer, [toHost1(7)]), 0, 'a full queue ends the batch quietly');
    assert.equal(writeFrames(writer, [toHost1(8, ETHERTYPE_TEST, 1500)]), 1, 'a full-MTU frame fits');
    await scheduler.settle();
    assert.deepEqual(readFrames(reader).map((f) => f[20]), [3, 8]);
    assert.throws(() => writer.writeBatch(Buffer.alloc(60), new Uint32Array([0]), new Uint32Array([61]), 1), {
      name: 'RangeError',
      message: 'eth0: writeBatch frame 0 [0, +61) lies outside the arena of 60 bytes',
    });
    assert.equal(world.segment.log.length, 2);
  });

  it('while its link is down: sends fail, nothing arrives, and the reader is woken once', async () => {
    const { world, reader, writer, scheduler } = pair();
    const wakes: number[] = [];
    reader.startReading(() => wakes.push(readFrames(reader).length));
    await world.host(1).kernel.setLinkUp('eth0', false);
    assert.equal(nativeFailure(() => writeFrames(reader, [toHost1(1)])), 'ENETDOWN sendmmsg');
    writeFrames(writer, [toHost1(2)]);
    await scheduler.advance(100);
    assert.deepEqual(wakes, [0], 'ENETDOWN wakes the poll and reads nothing');
    await world.host(1).kernel.setLinkUp('eth0', true);
    writeFrames(writer, [toHost1(3)]);
    await scheduler.advance(100);
    assert.deepEqual(wakes, [0, 1]);
  });

  it('without carrier sends into the void and hears nothing', async () => {
    const { world, reader, writer, scheduler } = pair();
    world.host(1).kernel.setLinkState('eth0', { carrier: false });
    assert.equal(writeFrames(reader, [frame(HOST2, HOST1, ETHERTYPE_TEST)]), 1, 'the noop qdisc takes it');
    writeFrames(writer, [toHost1(1)]);
    await scheduler.settle();
    assert.deepEqual(readFrames(reader), []);
    assert.deepEqual(world.segment.log.map((e) => e.port), ['host2/eth0']);
  });

  it('goes silent when its link is deleted, and its sends fail with ENXIO', async () => {
    const { world, reader, writer, scheduler } = pair();
    reader.addMembership('multicast', CARP_GROUP);
    writeFrames(writer, [toHost1(1)]);
    await scheduler.settle();
    world.host(1).kernel.deleteLink('eth0');
    writeFrames(writer, [toHost1(2)]);
    await scheduler.settle();
    assert.deepEqual(readFrames(reader), [toHost1(1)], 'what was queued before stays readable');
    assert.equal(nativeFailure(() => writeFrames(reader, [toHost1(3)])), 'ENXIO sendmmsg');
    assert.equal(nativeFailure(() => reader.addMembership('multicast', CARP_GROUP)), 'ENODEV setsockopt(PACKET_ADD_MEMBERSHIP)');
    world.host(1).kernel.addEthernet('eth0', world.host(1).nic);
    assert.equal(world.host(1).nic.accepts(CARP_GROUP), false, 'the memberships went with the link');
    writeFrames(writer, [toHost1(4)]);
    await scheduler.settle();
    assert.deepEqual(readFrames(reader), [], 'a new eth0 on the same NIC is another ifindex');
  });

  it('counts what arrives beyond its queue', async () => {
    const world = new World({ hosts: 2, binding: { socketQueueLimit: 2 } });
    const reader = world.host(1).binding.openPacketSocket('eth0', { filter: TEST, vnetHeader: false });
    const writer = world.host(2).binding.openPacketSocket('eth0', { filter: REJECT_ALL, vnetHeader: false });
    writeFrames(writer, [toHost1(1), toHost1(2), toHost1(3)]);
    await world.scheduler.settle();
    assert.equal(reader.overflows, 1);
    assert.equal(readFrames(reader).length, 2);
  });

  it('refuses what the addon and the kernel refuse', () => {
    const world = new World({ hosts: 1 });
    const { binding, kernel } = world.host(1);
    assert.throws(() => binding.openPacketSocket('nothere0', { filter: TEST, vnetHeader: false }), {
      name: 'NativeSystemError',
      message: 'nothere0: if_nametoindex: No such device',
    });
    binding.openTap('carp0', { vnetHeader: true });
    assert.equal(nativeFailure(() => binding.openPacketSocket('carp0', { filter: TEST, vnetHeader: false })), 'ENODEV bind');
    assert.throws(() => binding.openPacketSocket('eth0', { filter: Buffer.alloc(12), vnetHeader: false }), {
      name: 'RangeError',
      message: /^eth0: a BPF filter is 1 to 4096 instructions of 8 bytes, not 12 bytes/,
    });
    const noReturn = packBpf([{ code: 0x28, jt: 0, jf: 0, k: 12 }]);
    const jumpOut = packBpf([{ code: 0x15, jt: 1, jf: 0, k: 0 }, { code: 0x06, jt: 0, jf: 0, k: 0 }]);
    for (const filter of [noReturn, jumpOut]) {
      const refused = nativeFailure(() => binding.openPacketSocket('eth0', { filter, vnetHeader: false }));
      assert.equal(refused, 'EINVAL setsockopt(SO_ATTACH_FILTER)');
    }
    binding.failNextOpen('openPacketSocket', 'EPERM');
    assert.throws(
      () => binding.openPacketSocket('eth0', { filter: TEST, vnetHeader: false }),
      /Operation not permitted \(a packet socket needs CAP_NET_RAW\)/,
    );
    const socket = binding.openPacketSocket('eth0', { filter: TEST, vnetHeader: false });
    socket.close();
    assert.equal(nativeFailure(() => socket.setFilter(TEST)), 'EBADF setsockopt(SO_ATTACH_FILTER)');
    assert.equal(nativeFailure(() => readFrames(socket)), 'EBADF recvmmsg');
    assert.deepEqual(binding.socketsOn('eth0'), []);
    assert.equal(kernel.link('eth0')?.nic?.accepts(CARP_GROUP), false);
  });
});
