/**
 * The packet socket of the native addon on a real veth pair between two namespaces: agent A reads
 * and writes on a0, agent B on its peer b0.
 */
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns';
import {
  ETHERTYPE_OTHER,
  ETHERTYPE_TEST,
  REJECT_ALL,
  ethertypeFilter,
  frame,
  packBpf,
} from './frames';
import { type AgentEvent, NativeAgent, remoteError, skipWithoutNetns } from './native-agent';

const MAC_A = '02:00:00:00:00:0a';
const MAC_B = '02:00:00:00:00:0b';
const TEST_FILTER = ethertypeFilter(ETHERTYPE_TEST).toString('hex');

interface Opened {
  readonly handle: number;
  readonly ifindex: number;
  readonly fd: number;
}

const testFrame = (fill: number, payloadLength = 46): string =>
  frame(MAC_A, MAC_B, ETHERTYPE_TEST, payloadLength, fill).toString('hex');
const otherFrame = (fill: number): string => frame(MAC_A, MAC_B, ETHERTYPE_OTHER, 46, fill).toString('hex');

describe('native packet socket (real kernel, veth)', function () {
  let lab: NetnsLab;
  let a: NativeAgent;
  let b: NativeAgent;

  before(async function () {
    skipWithoutNetns(this);
    lab = await NetnsLab.create('natpkt');
    await lab.addNamespace('a');
    await lab.addNamespace('b');
    await lab.sh('a', `ip link add a0 address ${MAC_A} type veth peer name b0 address ${MAC_B} netns ${lab.ns('b')}`);
    await lab.sh('a', 'ip link set a0 up');
    await lab.sh('b', 'ip link set b0 up');
    a = await NativeAgent.start(lab, 'a');
    b = await NativeAgent.start(lab, 'b');
  });

  after(async () => {
    await lab?.cleanup();
  });

  const open = (agent: NativeAgent, ifname: string, filter = TEST_FILTER): Promise<Opened> =>
    agent.request<Opened>('openPacketSocket', { ifname, filter, vnetHeader: false });

  /** Reads until `expected` frames arrived (the peer's frames may still be in flight). */
  async function readFrames(agent: NativeAgent, handle: number, expected: number): Promise<string[][]> {
    const batches: string[][] = [];
    for (let attempt = 0; attempt < 50 && batches.flat().length < expected; attempt++) {
      const batch = await agent.request<string[]>('read', { handle });
      if (batch.length > 0) batches.push(batch);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return batches;
  }

  it('reads the frames that pass the filter, in one batch, and not the others', async () => {
    const reader = await open(a, 'a0');
    const writer = await open(b, 'b0', REJECT_ALL.toString('hex'));
    const wanted = [testFrame(1), testFrame(2), testFrame(3), testFrame(4), testFrame(5)];
    const mixed = [wanted[0], otherFrame(6), wanted[1], wanted[2], otherFrame(7), wanted[3], otherFrame(8), wanted[4]];
    assert.equal(await b.request('write', { handle: writer.handle, frames: mixed }), 8);
    const batches = await readFrames(a, reader.handle, 5);
    assert.deepEqual(batches.flat(), wanted);
    assert.ok((batches[0]?.length ?? 0) > 1, `first batch: ${batches[0]?.length}`);
    assert.deepEqual(await a.request('read', { handle: reader.handle }), [], 'nothing else passed the filter');
  });

  it('delivers a written batch in order and does not read its own frames back', async () => {
    const sender = await open(a, 'a0');
    const receiver = await open(b, 'b0');
    const frames = [testFrame(11), testFrame(12, 300), testFrame(13), testFrame(14, 1500)];
    assert.equal(await a.request('write', { handle: sender.handle, frames }), 4);
    assert.deepEqual((await readFrames(b, receiver.handle, 4)).flat(), frames);
    assert.deepEqual(await a.request('read', { handle: sender.handle }), [], 'PACKET_IGNORE_OUTGOING');
  });

  it('calls onReadable from the event loop when frames arrive', async () => {
    const reader = await open(a, 'a0');
    const writer = await open(b, 'b0', REJECT_ALL.toString('hex'));
    await a.request('startReading', { handle: reader.handle });
    await b.request('write', { handle: writer.handle, frames: [testFrame(21), testFrame(22)] });
    const received: string[] = [];
    while (received.length < 2) {
      const event = await a.nextEvent((e) => e.event === 'batch' && e.handle === reader.handle);
      received.push(...(event.frames ?? []));
    }
    assert.deepEqual(received, [testFrame(21), testFrame(22)]);
    await a.request('close', { handle: reader.handle });
  });

  it('keeps polling after its interface went down and up again', async () => {
    const reader = await open(a, 'a0');
    const writer = await open(b, 'b0', REJECT_ALL.toString('hex'));
    await a.request('startReading', { handle: reader.handle });
    await lab.sh('a', 'ip link set a0 down && ip link set a0 up');
    // The wake-up for the kernel's ENETDOWN may come as a batch of no frames.
    const isBatch = (e: AgentEvent): boolean => e.event === 'batch' && e.handle === reader.handle && e.frames?.length !== 0;
    let event;
    for (let attempt = 0; attempt < 20 && event === undefined; attempt++) {
      await b.request('write', { handle: writer.handle, frames: [testFrame(31)] });
      event = await a.nextEvent(isBatch, 250).catch(() => undefined);
    }
    assert.deepEqual(event?.frames, [testFrame(31)]);
    await a.request('close', { handle: reader.handle });
  });

  it('drops a frame longer than its slot and moves the next frames down', async () => {
    const reader = await open(a, 'a0');
    const writer = await open(b, 'b0', REJECT_ALL.toString('hex'));
    const frames = [testFrame(41), testFrame(42, 200), testFrame(43)];
    await b.request('write', { handle: writer.handle, frames });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await a.request('read', { handle: reader.handle, slots: 4, slotSize: 100 }), [frames[0], frames[2]]);
  });

  it('replaces its filter with setFilter', async () => {
    const reader = await open(a, 'a0');
    const writer = await open(b, 'b0', REJECT_ALL.toString('hex'));
    await a.request('setFilter', { handle: reader.handle, filter: ethertypeFilter(ETHERTYPE_OTHER).toString('hex') });
    await b.request('write', { handle: writer.handle, frames: [testFrame(51), otherFrame(52)] });
    assert.deepEqual((await readFrames(a, reader.handle, 1)).flat(), [otherFrame(52)]);
  });

  it('adds and drops unicast and multicast memberships on its interface', async () => {
    const socket = await open(a, 'a0');
    const unicast = '02:00:5e:00:01:07';
    const multicast = '01:00:5e:00:00:12';
    const lists = async (): Promise<string> =>
      (await lab.sh('a', 'bridge fdb show dev a0; ip maddr show dev a0')).stdout;
    await a.request('addMembership', { handle: socket.handle, kind: 'unicast', mac: unicast.replaceAll(':', '') });
    await a.request('addMembership', { handle: socket.handle, kind: 'multicast', mac: multicast.replaceAll(':', '') });
    const added = await lists();
    assert.match(added, new RegExp(`${unicast} self permanent`));
    assert.match(added, new RegExp(`link\\s+${multicast}`));
    await a.request('dropMembership', { handle: socket.handle, kind: 'unicast', mac: unicast.replaceAll(':', '') });
    await a.request('dropMembership', { handle: socket.handle, kind: 'multicast', mac: multicast.replaceAll(':', '') });
    const dropped = await lists();
    assert.doesNotMatch(dropped, new RegExp(unicast));
    assert.doesNotMatch(dropped, new RegExp(multicast));
  });

  it('refuses a bad membership kind or MAC', async () => {
    const socket = await open(a, 'a0');
    const kind = await remoteError(a.request('addMembership', { handle: socket.handle, kind: 'broadcast', mac: '020000000001' }));
    assert.equal(kind.name, 'TypeError');
    assert.match(kind.message, /^a0: a membership kind is 'unicast' or 'multicast'/);
    const address = await remoteError(a.request('addMembership', { handle: socket.handle, kind: 'unicast', mac: '0200' }));
    assert.equal(address.name, 'RangeError');
    assert.match(address.message, /a MAC address is 6 bytes, not 2/);
  });

  it('has 2 MiB receive and send buffers (the kernel shows twice that)', async () => {
    const socket = await open(a, 'a0');
    const { stdout } = await lab.exec('a', 'ss', ['-0', '-m', '-p']);
    const entry = stdout.split(/\n(?=p_raw)/).find((block) => new RegExp(`fd=${socket.fd}\\)`).test(block));
    assert.ok(entry !== undefined, stdout);
    assert.match(entry, /skmem:\(r\d+,rb4194304,t\d+,tb4194304,/);
  });

  it('fails with ENODEV, naming the interface, when the interface does not exist', async () => {
    const error = await remoteError(open(a, 'nothere0'));
    assert.equal(error.name, 'NativeSystemError');
    assert.equal(error.errno, 19);
    assert.equal(error.code, 'ENODEV');
    assert.equal(error.syscall, 'if_nametoindex');
    assert.equal(error.message, 'nothere0: if_nametoindex: No such device');
  });

  it('refuses a filter that is not whole instructions, too long, or rejected by the kernel', async () => {
    for (const bytes of [0, 7, 12, 8 * 4097]) {
      const error = await remoteError(open(a, 'a0', Buffer.alloc(bytes).toString('hex')));
      assert.equal(error.name, 'RangeError', `${bytes} bytes`);
      assert.match(error.message, /^a0: a BPF filter is 1 to 4096 instructions of 8 bytes/);
    }
    const noReturn = packBpf([{ code: 0x28, jt: 0, jf: 0, k: 12 }]).toString('hex');
    const error = await remoteError(open(a, 'a0', noReturn));
    assert.equal(error.code, 'EINVAL');
    assert.equal(error.syscall, 'setsockopt(SO_ATTACH_FILTER)');
    assert.match(error.message, /the kernel's BPF checker refused the program/);
  });

  it('throws the error of a first frame that fails, and ends the batch at a later one', async () => {
    const writer = await open(b, 'b0');
    const tooLong = testFrame(61, 1600);
    const error = await remoteError(b.request('write', { handle: writer.handle, frames: [tooLong, testFrame(62)] }));
    assert.deepEqual([error.native, error.code, error.syscall], [true, 'EMSGSIZE', 'sendmmsg']);
    assert.equal(await b.request('write', { handle: writer.handle, frames: [testFrame(63), tooLong, testFrame(64)] }), 1);
  });

  it('refuses a batch that reaches outside its arena, and writes none of it', async () => {
    const reader = await open(a, 'a0');
    const writer = await open(b, 'b0', REJECT_ALL.toString('hex'));
    const arena = testFrame(71) + testFrame(72);
    const error = await remoteError(
      b.request('writeRaw', { handle: writer.handle, arena, offsets: [0, 60], lengths: [60, 61], count: 2 }),
    );
    assert.equal(error.name, 'RangeError');
    assert.match(error.message, /^b0: writeBatch frame 1 \[60, \+61\) lies outside the arena of 120 bytes/);
    const count = await remoteError(b.request('writeRaw', { handle: writer.handle, arena, offsets: [0], lengths: [60], count: 2 }));
    assert.equal(count.name, 'RangeError');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await a.request('read', { handle: reader.handle }), []);
  });

  it('refuses to read into slots the arena cannot hold', async () => {
    const reader = await open(a, 'a0');
    const error = await remoteError(a.request('readRaw', { handle: reader.handle, arenaLength: 1000, slotSize: 500, slots: 3 }));
    assert.equal(error.name, 'RangeError');
    assert.match(error.message, /^a0: readBatch arena of 1000 bytes has no room for 3 slots of 500 bytes/);
  });
});
