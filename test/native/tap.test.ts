/**
 * The TAP device of the native addon on a real kernel, inside a namespace: creation, MAC, carrier,
 * persistence across processes, errors, and frames with a vnet header.
 */
import assert from 'node:assert/strict';
import { TAP_MIN_SLOT_SIZE } from '../../src/native/binding';
import { VNET_HEADER_LENGTH } from '../../src/native/types';
import { NetnsLab } from '../helpers/netns';
import { arpRequest } from './frames';
import { type AgentEvent, NativeAgent, remoteError, skipWithoutNetns } from './native-agent';

const VIRTUAL_MAC = '00:00:5e:00:01:01';

interface OpenedTap {
  readonly handle: number;
  readonly name: string;
  readonly ifindex: number;
}

describe('native TAP device (real kernel)', function () {
  let lab: NetnsLab;
  let agent: NativeAgent;

  before(async function () {
    skipWithoutNetns(this);
    lab = await NetnsLab.create('nattap');
    await lab.addNamespace('a');
    agent = await NativeAgent.start(lab, 'a');
  });

  after(async () => {
    await lab?.cleanup();
  });

  const openTap = (name: string, vnetHeader = true, on = agent): Promise<OpenedTap> =>
    on.request<OpenedTap>('openTap', { name, vnetHeader });
  const link = async (name: string): Promise<string> => (await lab.exec('a', 'ip', ['-d', 'link', 'show', name])).stdout;
  const linkExists = (name: string): Promise<boolean> => link(name).then(
    () => true,
    () => false,
  );

  it('creates a TAP with a vnet header and sets its MAC and carrier', async () => {
    const tap = await openTap('carp0');
    assert.equal(tap.name, 'carp0');
    assert.match(await link('carp0'), new RegExp(`^${tap.ifindex}: carp0:`));
    assert.match(await link('carp0'), /tun type tap pi off vnet_hdr on persist off/);
    await agent.request('setMac', { handle: tap.handle, mac: VIRTUAL_MAC.replaceAll(':', '') });
    await lab.exec('a', 'ip', ['link', 'set', 'carp0', 'up']);
    await agent.request('setCarrier', { handle: tap.handle, up: false });
    const down = await link('carp0');
    assert.match(down, new RegExp(`link/ether ${VIRTUAL_MAC}`));
    assert.match(down, /NO-CARRIER/);
    await agent.request('setCarrier', { handle: tap.handle, up: true });
    assert.match(await link('carp0'), /<BROADCAST,MULTICAST,UP,LOWER_UP>/);
    await agent.request('close', { handle: tap.handle });
    assert.equal(await linkExists('carp0'), false, 'a TAP that is not persistent goes with its fd');
  });

  it('keeps a persistent TAP and its address across processes, and removes it when persist is cleared', async () => {
    const first = await NativeAgent.start(lab, 'a');
    const created = await openTap('carp1', true, first);
    await first.request('setPersist', { handle: created.handle, on: true });
    await lab.sh('a', 'ip link set carp1 up && ip addr add 192.0.2.1/24 dev carp1');
    await first.stop();
    assert.match(await link('carp1'), /persist on/);

    const second = await NativeAgent.start(lab, 'a');
    const reattached = await openTap('carp1', true, second);
    assert.equal(reattached.ifindex, created.ifindex);
    assert.match((await lab.exec('a', 'ip', ['addr', 'show', 'carp1'])).stdout, /inet 192\.0\.2\.1\/24/);
    await second.request('setPersist', { handle: reattached.handle, on: false });
    assert.equal(await linkExists('carp1'), true, 'still attached');
    await second.request('close', { handle: reattached.handle });
    assert.equal(await linkExists('carp1'), false);
    await second.stop();
  });

  it('cannot attach a TAP that another fd holds, and says why', async () => {
    const tap = await openTap('carp2');
    const error = await remoteError(openTap('carp2'));
    assert.deepEqual([error.native, error.code, error.errno, error.syscall], [true, 'EBUSY', 16, 'ioctl(TUNSETIFF)']);
    assert.match(error.message, /^carp2: ioctl\(TUNSETIFF\): Device or resource busy \(the TAP device is attached/);
    await agent.request('close', { handle: tap.handle });
  });

  it('refuses an interface of that name that is not a TAP (a bridge, a TUN), naming it', async () => {
    await lab.sh('a', 'ip link add notatap0 type bridge && ip tuntap add notatap1 mode tun');
    for (const name of ['notatap0', 'notatap1']) {
      const error = await remoteError(openTap(name));
      assert.deepEqual([error.code, error.syscall], ['EINVAL', 'ioctl(TUNSETIFF)']);
      assert.equal(
        error.message,
        `${name}: ioctl(TUNSETIFF): Invalid argument (an interface of this name exists and is not a single-queue TAP device)`,
      );
    }
  });

  it('refuses names the kernel would cut or reject, and creates nothing', async () => {
    const long = await remoteError(openTap('carp-0123456789x'));
    assert.equal(long.name, 'RangeError');
    assert.equal(long.message, 'openTap: an interface name must be 1 to 15 bytes, not 16');
    assert.equal(await linkExists('carp-0123456789'), false);
    for (const name of ['', 'a/b', 'a b', 'carp0:1', '..']) {
      assert.equal((await remoteError(openTap(name))).name, 'RangeError', JSON.stringify(name));
    }
  });

  it('reads only into slots that hold the largest frame a TAP can give', async () => {
    const tap = await openTap('carp3');
    const read = (slotSize: number): Promise<unknown> =>
      agent.request('readRaw', { handle: tap.handle, arenaLength: 2 * TAP_MIN_SLOT_SIZE, slotSize, slots: 1 });
    const error = await remoteError(read(TAP_MIN_SLOT_SIZE - 1));
    assert.equal(error.name, 'RangeError');
    assert.match(error.message, /^carp3: readBatch slotSize must be an integer from 65563 to/);
    assert.equal(await read(TAP_MIN_SLOT_SIZE), 0);
    await agent.request('close', { handle: tap.handle });
  });

  it('hands a frame written with a zero vnet header to the kernel, and reads its answer', async () => {
    const tap = await openTap('carp4');
    await agent.request('setMac', { handle: tap.handle, mac: VIRTUAL_MAC.replaceAll(':', '') });
    await lab.sh('a', 'ip link set carp4 addrgenmode none && ip link set carp4 up && ip addr add 192.0.2.4/24 dev carp4');
    const request = arpRequest('02:00:00:00:00:99', '192.0.2.99', '192.0.2.4');
    const withHeader = Buffer.concat([Buffer.alloc(VNET_HEADER_LENGTH), request]).toString('hex');
    await agent.request('startReading', { handle: tap.handle, slotSize: TAP_MIN_SLOT_SIZE, slots: 4 });
    assert.equal(await agent.request('write', { handle: tap.handle, frames: [withHeader] }), 1);
    const isReply = (hex: string): boolean => {
      const frame = Buffer.from(hex, 'hex').subarray(VNET_HEADER_LENGTH);
      return frame.readUInt16BE(12) === 0x0806 && frame.readUInt16BE(20) === 2;
    };
    const event = await agent.nextEvent((e: AgentEvent) => e.event === 'batch' && (e.frames ?? []).some(isReply));
    const reply = Buffer.from((event.frames ?? []).find(isReply) ?? '', 'hex');
    assert.deepEqual(reply.subarray(0, VNET_HEADER_LENGTH), Buffer.alloc(VNET_HEADER_LENGTH), 'no offload on an ARP reply');
    const arp = reply.subarray(VNET_HEADER_LENGTH);
    assert.equal(arp.toString('hex', 0, 12), '020000000099' + VIRTUAL_MAC.replaceAll(':', ''));
    assert.equal(arp.subarray(14 + 14, 14 + 18).join('.'), '192.0.2.4', 'sender protocol address');
    await agent.request('close', { handle: tap.handle });
  });

  it('reports the error once and stops polling when its device is deleted under it', async () => {
    const tap = await openTap('carp5');
    await agent.request('startReading', { handle: tap.handle, slotSize: TAP_MIN_SLOT_SIZE, slots: 4 });
    await lab.exec('a', 'ip', ['link', 'del', 'carp5']);
    const event = await agent.nextEvent((e) => e.event === 'readError' && e.handle === tap.handle);
    assert.deepEqual([event.error?.code, event.error?.syscall], ['EBADFD', 'read']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await agent.request('ping'), 'pong');
    assert.deepEqual(
      agent.events.filter((e) => e.handle === tap.handle),
      [],
      'no further callbacks',
    );
    await agent.request('close', { handle: tap.handle });
  });
});
