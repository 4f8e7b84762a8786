import assert from 'node:assert/strict';
import { BROADCAST_MAC, type MacAddress, parseMac } from '../../src/wire/address';
import { ETHERNET_MIN_FRAME_LENGTH } from '../../src/wire/ethernet';
import { Scheduler } from './scheduler';
import { ALL_NODES_MAC, Segment, type SegmentMode } from './segment';

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const C = parseMac('02:00:00:00:00:0c');
const VIRTUAL = parseMac('00:00:5e:00:01:07');
const GROUP = parseMac('01:00:5e:00:00:12');

function frame(destination: MacAddress, source: MacAddress, fill = 0xab, length = 100): Buffer {
  const bytes = Buffer.alloc(length, fill);
  destination.copy(bytes, 0);
  source.copy(bytes, 6);
  bytes.writeUInt16BE(0x88b5, 12);
  return bytes;
}

function lan(mode: SegmentMode = 'hub') {
  const scheduler = new Scheduler();
  const segment = new Segment(scheduler, mode);
  const ports = [segment.attachEndpoint('a', A), segment.attachEndpoint('b', B), segment.attachEndpoint('c', C)] as const;
  return { scheduler, segment, ports };
}

describe('fakes: segment', () => {
  it('repeats a frame to every other port, not back to the sender, once the scheduler runs', async () => {
    const { scheduler, segment, ports } = lan();
    const [a, b, c] = ports;
    assert.equal(a.send(frame(BROADCAST_MAC, A)), true);
    assert.deepEqual([b.received.length, c.received.length], [0, 0], 'delivery is a task, not a call');
    await scheduler.settle();
    assert.deepEqual(b.received, [frame(BROADCAST_MAC, A)]);
    assert.deepEqual(c.received, [frame(BROADCAST_MAC, A)]);
    assert.deepEqual(a.received, []);
    assert.deepEqual(segment.log.map((e) => [e.port, e.at]), [['a', 0]]);
  });

  it('copies the frame when it is sent and pads a short one to the Ethernet minimum', async () => {
    const { scheduler, segment, ports } = lan();
    const [a, b] = ports;
    const short = frame(B, A, 0x11, 42);
    a.send(short);
    short.fill(0);
    await scheduler.settle();
    const expected = Buffer.concat([frame(B, A, 0x11, 42), Buffer.alloc(ETHERNET_MIN_FRAME_LENGTH - 42)]);
    assert.deepEqual(b.received, [expected]);
    assert.deepEqual(segment.log[0]?.frame, expected);
  });

  it('takes frames like NIC hardware: own MAC, broadcast, accepted groups and addresses, or promiscuous', async () => {
    const { scheduler, ports } = lan();
    const [a, b] = ports;
    const sendAll = async (): Promise<number> => {
      b.received.length = 0;
      for (const destination of [B, BROADCAST_MAC, C, GROUP, VIRTUAL, ALL_NODES_MAC]) a.send(frame(destination, A));
      await scheduler.settle();
      return b.received.length;
    };
    assert.equal(await sendAll(), 3, 'own, broadcast and all-nodes (an endpoint is an IPv6 host)');
    b.accept(GROUP);
    b.accept(GROUP);
    b.accept(VIRTUAL);
    assert.equal(await sendAll(), 5);
    b.unaccept(GROUP);
    assert.equal(await sendAll(), 5, 'accepted twice, released once: still accepted');
    b.unaccept(GROUP);
    b.unaccept(VIRTUAL);
    assert.equal(await sendAll(), 3);
    assert.throws(() => b.unaccept(GROUP), /was not accepted/);
    b.promiscuous = true;
    assert.equal(await sendAll(), 6);
  });

  it('passes nothing either way through a port that is not running', async () => {
    const { scheduler, segment, ports } = lan();
    const [a, b] = ports;
    b.running = false;
    assert.equal(b.send(frame(A, B)), false);
    a.send(frame(B, A));
    await scheduler.settle();
    assert.deepEqual([a.received.length, b.received.length], [0, 0]);
    assert.equal(segment.log.length, 1, 'only the frame that made it onto the wire');
  });

  it('checks a port when the frame arrives, not when it was sent', async () => {
    const { scheduler, ports } = lan();
    const [a, b] = ports;
    a.send(frame(B, A));
    b.running = false;
    await scheduler.settle();
    assert.deepEqual(b.received, []);
  });

  it('as a switch, sends a unicast frame to a learned MAC only to its port and floods the rest', async () => {
    const { scheduler, segment, ports } = lan('switch');
    const [a, b, c] = ports;
    c.promiscuous = true;
    a.send(frame(B, A));
    await scheduler.settle();
    assert.equal(c.received.length, 1, 'B unknown: flooded');
    b.send(frame(A, B));
    await scheduler.settle();
    assert.equal(c.received.length, 1, 'A learned: only to a');
    assert.equal(a.received.length, 1);
    a.send(frame(B, A));
    a.send(frame(GROUP, A));
    await scheduler.settle();
    assert.equal(c.received.length, 2, 'B learned now; the group frame is flooded');
    assert.equal(segment.learnedPort(B), 'b');
    assert.equal(segment.learnedPort(VIRTUAL), undefined);
  });

  it('as a switch, learns a virtual MAC from the first frame that carries it, which the log shows', async () => {
    const { scheduler, segment, ports } = lan('switch');
    const [a, , c] = ports;
    a.send(frame(BROADCAST_MAC, VIRTUAL));
    await scheduler.settle();
    assert.equal(segment.learnedPort(VIRTUAL), 'a');
    assert.deepEqual(segment.framesFrom(VIRTUAL).map((e) => e.port), ['a']);
    assert.deepEqual(segment.framesFrom(C), []);
    c.send(frame(VIRTUAL, C));
    await scheduler.settle();
    assert.equal(a.received.length, 0, 'a does not take frames to a MAC it does not accept');
  });

  it('refuses two ports of one name', () => {
    const { segment } = lan();
    assert.throws(() => segment.attachNic('a', A), /already has a port a/);
  });
});
