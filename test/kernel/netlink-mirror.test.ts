import assert from 'node:assert/strict';
import { formatPrefix } from '../../src/wire/address';
import { KernelError } from '../../src/kernel/errors';
import { NetlinkMirror } from '../../src/kernel/netlink-mirror';
import * as c from '../../src/kernel/rtnetlink-constants';
import type { KernelEvent } from '../../src/kernel/types';
import { NEWADDR_V4, NEWADDR_V6, NEWLINK_VETH_D1 } from './fixtures/captured-messages';
import {
  FakeTransport,
  type Message,
  datagram,
  delAddress,
  delLink,
  done,
  dumpPart,
  newAddress,
  newLink,
} from './fixtures/rtnl-builders';

interface Harness {
  readonly transport: FakeTransport;
  readonly mirror: NetlinkMirror;
  readonly events: string[];
  readonly errors: Error[];
}

/** One line per event, easy to compare: "link-changed 3 eth3 up", "address-added 3 10.0.0.1/24". */
function describeEvent(event: KernelEvent): string {
  switch (event.kind) {
    case 'link-changed':
    case 'link-removed':
      return `${event.kind} ${event.link.index} ${event.link.name} ${event.link.adminUp ? 'up' : 'down'}`;
    case 'address-added':
    case 'address-removed':
      return `${event.kind} ${event.address.ifindex} ${formatPrefix(event.address.prefix)}`;
  }
}

function harness(): Harness {
  const transport = new FakeTransport();
  const errors: Error[] = [];
  const mirror = new NetlinkMirror({ openTransport: transport.open, onError: (e) => errors.push(e) });
  const events: string[] = [];
  mirror.onEvent((event) => events.push(describeEvent(event)));
  return { transport, mirror, events, errors };
}

/** Answers the link dump and then the address dump with the given parts. */
async function startWith(h: Harness, links: Message[], addresses: Message[]): Promise<void> {
  const started = h.mirror.start();
  const linkSeq = h.transport.lastSeq;
  h.transport.deliver(...links.map((m) => dumpPart(m, linkSeq)), done(linkSeq));
  await Promise.resolve(); // the mirror sends the address dump request after the link dump is done
  const addressSeq = h.transport.lastSeq;
  h.transport.deliver(...addresses.map((m) => dumpPart(m, addressSeq)), done(addressSeq));
  await started;
}

const eth3 = { index: 3, name: 'eth3' };
const eth4 = { index: 4, name: 'eth4' };

describe('kernel/netlink-mirror (fake transport)', () => {
  it('joins the link and address groups before it dumps links, then addresses', async () => {
    const h = harness();
    const started = h.mirror.start();
    assert.deepEqual(h.transport.groups, [c.RTNLGRP_LINK, c.RTNLGRP_IPV4_IFADDR, c.RTNLGRP_IPV6_IFADDR]);
    assert.deepEqual(h.transport.sent, [{ type: c.RTM_GETLINK, flags: c.NLM_F_REQUEST | c.NLM_F_DUMP, seq: 1 }]);
    h.transport.deliver(dumpPart(newLink(eth3), 1), done(1));
    await Promise.resolve();
    assert.deepEqual(h.transport.sent[1], { type: c.RTM_GETADDR, flags: c.NLM_F_REQUEST | c.NLM_F_DUMP, seq: 2 });
    h.transport.deliver(dumpPart(newAddress({ index: 3, prefix: '10.0.0.1/24' }), 2), done(2));
    await started;
    assert.deepEqual(
      h.mirror.links().map((l) => l.name),
      ['eth3'],
    );
    assert.deepEqual(h.mirror.linkByName('eth3')?.mac, Buffer.from('020000000001', 'hex'));
    assert.deepEqual(
      h.mirror.addressesOf(3).map((a) => formatPrefix(a.prefix)),
      ['10.0.0.1/24'],
    );
    assert.deepEqual(h.events, [], 'the state at start is read, not announced');
  });

  it('applies notifications and dump parts in arrival order, so a link deleted mid-dump stays deleted', async () => {
    const h = harness();
    const started = h.mirror.start();
    h.transport.deliver(dumpPart(newLink(eth3), 1), delLink(eth3), newLink(eth4), dumpPart(newLink(eth4), 1), done(1));
    await Promise.resolve();
    h.transport.deliver(done(2));
    await started;
    assert.deepEqual(
      h.mirror.links().map((l) => l.index),
      [4],
    );
  });

  it('emits changes after start, in kernel order, and nothing for repeats', async () => {
    const h = harness();
    await startWith(h, [newLink(eth3)], [newAddress({ index: 3, prefix: '10.0.0.1/24' })]);
    h.transport.deliver(
      newAddress({ index: 3, prefix: '10.0.0.1/24' }), // a repeat
      newLink({ ...eth3, flags: c.IFF_LOWER_UP }),
      newAddress({ index: 3, prefix: '2001:db8::1/64' }),
      delAddress({ index: 3, prefix: '10.0.0.1/24' }),
      newLink({ ...eth3, flags: c.IFF_LOWER_UP }), // a repeat
      delLink(eth3),
    );
    assert.deepEqual(h.events, [
      'link-changed 3 eth3 down',
      'address-added 3 2001:db8::1/64',
      'address-removed 3 10.0.0.1/24',
      'address-removed 3 2001:db8::1/64',
      'link-removed 3 eth3 down',
    ]);
  });

  it('ignores bridge-port (AF_BRIDGE) link messages: a port leaving a bridge is not a removed link', async () => {
    const h = harness();
    await startWith(h, [newLink(eth3)], []);
    h.transport.deliver(delLink({ ...eth3, family: 7 }), newLink({ ...eth3, family: 7, mtu: 9000 }));
    assert.deepEqual(h.events, []);
    assert.equal(h.mirror.linkByIndex(3)?.mtu, 1500);
    assert.equal(h.mirror.counters.ignored, 2);
  });

  it('counts and skips garbage, unknown types and undecodable messages, and keeps working', async () => {
    const h = harness();
    await startWith(h, [newLink(eth3)], []);
    h.transport.deliver({ type: 24, data: Buffer.from('a route message') }); // RTM_NEWROUTE
    h.transport.deliver({ type: c.RTM_NEWADDR, data: Buffer.from([c.AF_INET, 24, 0]) }, newAddress({ index: 3, prefix: '10.0.0.7/8' }));
    assert.equal(h.mirror.counters.ignored, 1);
    assert.equal(h.mirror.counters.malformed, 1);
    assert.deepEqual(h.events, ['address-added 3 10.0.0.7/8']);
    const sentBefore = h.transport.sent.length;
    h.transport.deliverRaw(Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3])); // a length beyond the datagram
    assert.equal(h.mirror.counters.malformed, 2);
    assert.equal(h.transport.sent[sentBefore]?.type, c.RTM_GETLINK, 'an unreadable datagram may have held changes: resync');
    assert.ok(h.errors.every((e) => e instanceof KernelError && e.code === 'EBADMSG'));
    assert.equal(h.errors.length, 2);
  });

  it('resynchronizes after an overrun and emits what changed while notifications were lost', async () => {
    const h = harness();
    await startWith(h, [newLink(eth3), newLink(eth4)], [newAddress({ index: 3, prefix: '10.0.0.1/24' })]);
    h.transport.fail(Object.assign(new Error('No buffer space available'), { code: 'ENOBUFS' }));
    assert.equal(h.mirror.counters.overruns, 1);
    assert.equal(h.mirror.counters.resyncs, 1);
    assert.match(h.errors[0]?.message ?? '', /ENOBUFS/);
    const linkSeq = h.transport.lastSeq;
    h.transport.deliver(dumpPart(newLink(eth3), linkSeq), done(linkSeq));
    await Promise.resolve();
    const addressSeq = h.transport.lastSeq;
    assert.notEqual(addressSeq, linkSeq);
    h.transport.deliver(dumpPart(newAddress({ index: 3, prefix: '10.0.0.2/24' }), addressSeq), done(addressSeq));
    assert.deepEqual(h.events, ['link-removed 4 eth4 up', 'address-added 3 10.0.0.2/24', 'address-removed 3 10.0.0.1/24']);
  });

  it('dumps again when the kernel marks a dump as interrupted (NLM_F_DUMP_INTR)', async () => {
    const h = harness();
    const started = h.mirror.start();
    h.transport.deliver(dumpPart(newLink(eth3), 1, c.NLM_F_DUMP_INTR), done(1));
    await Promise.resolve();
    h.transport.deliver(done(2));
    await Promise.resolve();
    assert.equal(h.transport.sent.length, 3, 'a second link dump');
    h.transport.deliver(dumpPart(newLink(eth4), 3), done(3));
    await Promise.resolve();
    h.transport.deliver(done(4));
    await started;
    assert.deepEqual(
      h.mirror.links().map((l) => l.index),
      [4],
    );
    assert.deepEqual(h.events, []);
  });

  it('survives thousands of corrupted copies of real kernel messages', async () => {
    const h = harness();
    await startWith(h, [], []);
    const clean = datagram(
      { type: c.RTM_NEWLINK, data: NEWLINK_VETH_D1 },
      { type: c.RTM_NEWADDR, data: NEWADDR_V4 },
      { type: c.RTM_NEWADDR, data: NEWADDR_V6 },
    );
    let seed = 12345;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31; // a fixed LCG: the same corruptions every run
      return seed % below;
    };
    for (let round = 0; round < 3000; round++) {
      const corrupted = Buffer.from(clean.subarray(0, clean.length - random(8)));
      for (let flips = 1 + random(4); flips > 0; flips--) corrupted[random(corrupted.length)] = random(256);
      h.transport.deliverRaw(corrupted);
    }
    assert.ok(h.mirror.counters.malformed > 0);
    h.transport.deliver(newLink({ index: 99, name: 'after' }));
    assert.equal(h.mirror.linkByIndex(99)?.name, 'after');
  });

  it('rejects start() when the kernel refuses the dump, naming it, and closes the socket', async () => {
    const h = harness();
    const started = h.mirror.start();
    h.transport.deliver(done(1, -16)); // EBUSY
    await assert.rejects(started, (e: unknown) => e instanceof KernelError && e.code === 'EBUSY' && /dump of links/.test(e.message));
    assert.equal(h.transport.closed, 1);
  });

  it('rejects start() when the dump request cannot be sent', async () => {
    const h = harness();
    h.transport.sendFailure = Object.assign(new Error('Operation not permitted'), { code: 'EPERM' });
    await assert.rejects(h.mirror.start(), (e: unknown) => e instanceof KernelError && e.code === 'EPERM');
    assert.equal(h.transport.closed, 1);
  });

  it('reports a listener that throws and still informs the other listeners', async () => {
    const h = harness();
    await startWith(h, [], []);
    h.mirror.onEvent(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    h.mirror.onEvent((event) => seen.push(event.kind));
    h.transport.deliver(newLink(eth3));
    assert.deepEqual(seen, ['link-changed']);
    assert.match(h.errors[0]?.message ?? '', /listener threw: listener bug/);
  });

  it('close() is idempotent, ends a pending start, and silences the socket', async () => {
    const h = harness();
    const started = h.mirror.start();
    assert.equal(h.mirror.start(), started);
    h.mirror.close();
    h.mirror.close();
    await assert.rejects(started, (e: unknown) => e instanceof KernelError && e.code === 'ECANCELED');
    assert.equal(h.transport.closed, 1);
    h.transport.deliver(newLink(eth3));
    h.transport.fail(Object.assign(new Error('late'), { code: 'ENOBUFS' }));
    assert.deepEqual(h.mirror.links(), []);
    assert.deepEqual(h.errors, []);
  });
});
