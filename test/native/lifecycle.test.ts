/**
 * The life of a native handle: close, use after close, an exception thrown in onReadable, and
 * garbage collection of a handle that was never closed (the fd must not leak).
 */
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns';
import { ETHERTYPE_TEST, REJECT_ALL, ethertypeFilter, frame } from './frames';
import { NativeAgent, remoteError, skipWithoutNetns } from './native-agent';

const TEST_FILTER = ethertypeFilter(ETHERTYPE_TEST).toString('hex');
const TEST_FRAME = frame('02:00:00:00:00:0a', '02:00:00:00:00:0b', ETHERTYPE_TEST).toString('hex');

interface Opened {
  readonly handle: number;
  readonly fd: number;
}

interface FdCounts {
  readonly before: number;
  readonly opened: number;
  readonly after: number;
}

describe('native handle lifecycle (real kernel)', function () {
  let lab: NetnsLab;
  let a: NativeAgent;
  let b: NativeAgent;
  let writer: Opened;

  before(async function () {
    skipWithoutNetns(this);
    lab = await NetnsLab.create('natlife');
    await lab.addNamespace('a');
    await lab.addNamespace('b');
    await lab.sh('a', `ip link add a0 type veth peer name b0 netns ${lab.ns('b')} && ip link set a0 up`);
    await lab.sh('b', 'ip link set b0 up');
    a = await NativeAgent.start(lab, 'a');
    b = await NativeAgent.start(lab, 'b');
    writer = await b.request<Opened>('openPacketSocket', { ifname: 'b0', filter: REJECT_ALL.toString('hex'), vnetHeader: false });
  });

  after(async () => {
    await lab?.cleanup();
  });

  const openReader = (agent = a): Promise<Opened> =>
    agent.request<Opened>('openPacketSocket', { ifname: 'a0', filter: TEST_FILTER, vnetHeader: false });
  const sendTestFrame = (): Promise<unknown> => b.request('write', { handle: writer.handle, frames: [TEST_FRAME] });

  it('closes once, and a second close does nothing', async () => {
    const socket = await openReader();
    assert.ok(socket.fd >= 0);
    assert.deepEqual(await a.request('state', socket), { fd: socket.fd, closed: false });
    await a.request('close', socket);
    await a.request('close', socket);
    assert.deepEqual(await a.request('state', socket), { fd: -1, closed: true });
  });

  it('fails every use after close with EBADF, naming the interface', async () => {
    const socket = await openReader();
    await a.request('close', socket);
    for (const [op, syscall] of [
      ['read', 'recvmmsg'],
      ['startReading', 'uv_poll_start'],
      ['setFilter', 'setsockopt(SO_ATTACH_FILTER)'],
    ] as const) {
      const error = await remoteError(a.request(op, { ...socket, filter: TEST_FILTER }));
      assert.deepEqual([error.native, error.code, error.syscall], [true, 'EBADF', syscall], op);
      assert.equal(error.message, `a0: ${syscall}: Bad file descriptor (the handle is closed)`);
    }
    await a.request('stopReading', socket);
  });

  it('stops calling onReadable after stopReading and after close', async () => {
    const socket = await openReader();
    await a.request('startReading', socket);
    await sendTestFrame();
    await a.nextEvent((e) => e.event === 'batch' && e.handle === socket.handle && e.frames?.length === 1);
    await a.request('stopReading', socket);
    await sendTestFrame();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(a.events.filter((e) => e.handle === socket.handle), [], 'not while stopped');
    assert.deepEqual(await a.request('read', socket), [TEST_FRAME], 'the frame waited in the socket');
    await a.request('startReading', socket);
    await a.request('close', socket);
    await sendTestFrame();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(a.events.filter((e) => e.handle === socket.handle), [], 'not after close');
  });

  it('turns an exception thrown in onReadable into an uncaught exception of the process', async () => {
    const socket = await openReader();
    await a.request('throwOnReadable', { ...socket, message: 'thrown in onReadable' });
    await sendTestFrame();
    const event = await a.nextEvent((e) => e.event === 'uncaught');
    assert.deepEqual([event.error?.name, event.error?.message], ['Error', 'thrown in onReadable']);
    assert.equal(await a.request('ping'), 'pong', 'the process goes on');
    await a.request('close', socket);
  });

  it('ends a process without a handler as Node does for any uncaught exception, not with an abort', async () => {
    const fragile = await NativeAgent.start(lab, 'a', true);
    const socket = await openReader(fragile);
    await fragile.request('throwOnReadable', { ...socket, message: 'nobody catches this' });
    await sendTestFrame();
    const exit = await fragile.exited;
    assert.deepEqual([exit.code, exit.signal], [1, null]);
    assert.match(exit.stderr, /Error: nobody catches this/);
  });

  it('closes the fds of handles collected without close(), and a TAP with them', async () => {
    const { before, opened, after } = await a.request<FdCounts>('forgetHandles', {
      ifname: 'a0',
      filter: TEST_FILTER,
      count: 4,
      tap: 'carpgc0',
    });
    assert.equal(opened, before + 5);
    assert.equal(after, before);
    await assert.rejects(lab.exec('a', 'ip', ['link', 'show', 'carpgc0']), /does not exist/);
  });

  it('keeps a handle that is being read from alive without any reference to it', async () => {
    const { before, after } = await a.request<FdCounts>('keepReadingHandle', { ifname: 'a0', filter: TEST_FILTER });
    assert.equal(after, before + 1);
    await sendTestFrame();
    await a.nextEvent((e) => e.event === 'orphanReadable');
  });
});
