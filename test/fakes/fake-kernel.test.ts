import assert from 'node:assert/strict';
import { KernelError } from '../../src/kernel/errors';
import type { KernelEvent } from '../../src/kernel/types';
import { formatMac, formatPrefix, parseMac, parsePrefix } from '../../src/wire/address';
import { FakeKernel } from './fake-kernel';
import { FakeMirror } from './fake-mirror';
import { Scheduler } from './scheduler';
import { ALL_NODES_MAC, Segment } from './segment';

const ETH0_MAC = parseMac('02:00:00:00:00:01');

function describeEvent(event: KernelEvent): string {
  switch (event.kind) {
    case 'link-changed':
    case 'link-removed': {
      const { name, adminUp, lowerUp, mac } = event.link;
      return `${event.kind} ${name} ${adminUp ? 'up' : 'down'} ${lowerUp ? 'lower-up' : 'no-carrier'} ${mac ? formatMac(mac) : '-'}`;
    }
    case 'address-added':
    case 'address-removed':
      return `${event.kind} ${event.address.ifindex} ${formatPrefix(event.address.prefix)}`;
  }
}

async function host() {
  const scheduler = new Scheduler();
  const segment = new Segment(scheduler);
  const kernel = new FakeKernel(scheduler);
  const nic = segment.attachNic('eth0', ETH0_MAC);
  const eth0 = kernel.addEthernet('eth0', nic);
  kernel.ipAddrAdd('eth0', '10.77.0.1/24');
  const mirror = new FakeMirror(kernel);
  const events: string[] = [];
  mirror.onEvent((event) => events.push(describeEvent(event)));
  await mirror.start();
  return { scheduler, kernel, nic, eth0, mirror, events };
}

const viewOf = (mirror: FakeMirror, name: string): string[] => {
  const link = mirror.linkByName(name);
  return link ? mirror.addressesOf(link.index).map((a) => formatPrefix(a.prefix)) : [];
};

describe('fakes: kernel and mirror', () => {
  it('shows at start what exists, loopback included, without events for it', async () => {
    const { mirror, events, scheduler } = await host();
    await scheduler.settle();
    assert.deepEqual(
      mirror.links().map((l) => [l.index, l.name, l.adminUp, l.lowerUp, l.mac && formatMac(l.mac), l.mtu]),
      [
        [1, 'lo', true, true, null, 65_536],
        [2, 'eth0', true, true, '02:00:00:00:00:01', 1500],
      ],
    );
    assert.deepEqual(viewOf(mirror, 'lo'), ['127.0.0.1/8', '::1/128']);
    assert.deepEqual(viewOf(mirror, 'eth0'), ['10.77.0.1/24']);
    assert.deepEqual(events, []);
  });

  it('delivers events after start as scheduler tasks, in kernel order; the view changes with them', async () => {
    const { kernel, mirror, events, scheduler } = await host();
    kernel.ipAddrAdd('eth0', '10.77.0.9/24');
    kernel.setLinkState('eth0', { carrier: false });
    assert.deepEqual(events, [], 'netlink delivers asynchronously');
    assert.deepEqual(viewOf(mirror, 'eth0'), ['10.77.0.1/24'], 'the mirror lags the kernel');
    assert.deepEqual(kernel.link('eth0')?.addresses().map(formatPrefix), ['10.77.0.1/24', '10.77.0.9/24']);
    await scheduler.settle();
    assert.deepEqual(events, ['address-added 2 10.77.0.9/24', 'link-changed eth0 up no-carrier 02:00:00:00:00:01']);
    assert.deepEqual(viewOf(mirror, 'eth0'), ['10.77.0.1/24', '10.77.0.9/24']);
  });

  it('settles a control call before the mirror hears of its change', async () => {
    const { kernel, events, scheduler } = await host();
    const order: string[] = [];
    const mirror = new FakeMirror(kernel);
    mirror.onEvent((event) => order.push(`event ${event.kind}`));
    await mirror.start();
    const call = kernel.addAddress('eth0', parsePrefix('2001:db8::1/64')).then(() => order.push('ack'));
    await scheduler.settle();
    await call;
    assert.deepEqual(order, ['ack', 'event address-added']);
    assert.deepEqual(events, ['address-added 2 2001:db8::1/64']);
  });

  it('fails control calls as the kernel does, and once more when told to', async () => {
    const { kernel } = await host();
    const refusal = async (call: Promise<void>): Promise<string> => {
      const error = await call.then(
        () => assert.fail('the call succeeded'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof KernelError);
      return `${error.code}: ${error.message}`;
    };
    assert.equal(await refusal(kernel.setLinkUp('eth9', true)), 'ENODEV: setLinkUp eth9 up: ENODEV (no such device)');
    assert.match(await refusal(kernel.addAddress('eth0', parsePrefix('10.77.0.1/24'))), /^EEXIST: addAddress eth0 10.77.0.1\/24/);
    assert.match(await refusal(kernel.removeAddress('eth0', parsePrefix('10.77.0.1/16'))), /^EADDRNOTAVAIL/);
    assert.match(await refusal(kernel.setLinkUp('bad name', true)), /^EINVAL/);
    kernel.failNext('setLinkUp', new KernelError('EPERM', 'setLinkUp eth0 down: EPERM'));
    assert.equal(await refusal(kernel.setLinkUp('eth0', false)), 'EPERM: setLinkUp eth0 down: EPERM');
    assert.equal(kernel.link('eth0')?.adminUp, true, 'the failed call changed nothing');
    await kernel.setLinkUp('eth0', false);
    assert.equal(kernel.link('eth0')?.adminUp, false, 'only the next call failed');
  });

  it('orders IPv4 addresses as Linux does, promoting a secondary when its primary goes', async () => {
    const { kernel, mirror, events, scheduler } = await host();
    kernel.ipAddrAdd('eth0', '192.0.2.1/24');
    kernel.ipAddrAdd('eth0', '192.0.2.2/24');
    kernel.ipAddrAdd('eth0', '10.77.0.5/24');
    const truth = (): string[] => kernel.link('eth0')?.addresses().map(formatPrefix) ?? [];
    assert.deepEqual(truth(), ['10.77.0.1/24', '192.0.2.1/24', '192.0.2.2/24', '10.77.0.5/24'], 'secondaries last');
    kernel.ipAddrDel('eth0', '10.77.0.1/24');
    assert.deepEqual(truth(), ['192.0.2.1/24', '10.77.0.5/24', '192.0.2.2/24'], '.5 promoted, moving after the last primary');
    await scheduler.settle();
    assert.deepEqual(viewOf(mirror, 'eth0'), truth(), 'the mirror ends up in kernel order');
    assert.equal(events.at(-1), 'address-removed 2 10.77.0.1/24', 'a promotion is no event');
  });

  it('flushes IPv6 addresses when a link goes down, after the link change, and keeps IPv4', async () => {
    const { kernel, mirror, events, scheduler } = await host();
    kernel.ipAddrAdd('eth0', 'fe80::1/64');
    kernel.ipAddrAdd('eth0', '2001:db8::1/64');
    assert.equal(kernel.link('eth0')?.nic?.accepts(parseMac('33:33:ff:00:00:01')), true, 'solicited-node group joined');
    await kernel.setLinkUp('eth0', false);
    await scheduler.settle();
    assert.deepEqual(events.slice(2), [
      'link-changed eth0 down no-carrier 02:00:00:00:00:01',
      'address-removed 2 2001:db8::1/64',
      'address-removed 2 fe80::1/64',
    ]);
    assert.deepEqual(viewOf(mirror, 'eth0'), ['10.77.0.1/24']);
    assert.equal(kernel.link('eth0')?.nic?.accepts(parseMac('33:33:ff:00:00:01')), false);
  });

  it('reports lowerUp only while the link is up, and drives its NIC from up and carrier', async () => {
    const { kernel, nic, events, scheduler } = await host();
    kernel.setLinkState('eth0', { carrier: false });
    assert.equal(nic.running, false);
    kernel.setLinkState('eth0', { adminUp: false });
    kernel.setLinkState('eth0', { carrier: true });
    assert.equal(nic.running, false);
    kernel.setLinkState('eth0', { adminUp: true });
    assert.equal(nic.running, true);
    await scheduler.settle();
    assert.deepEqual(events, [
      'link-changed eth0 up no-carrier 02:00:00:00:00:01',
      'link-changed eth0 down no-carrier 02:00:00:00:00:01',
      'link-changed eth0 up lower-up 02:00:00:00:00:01',
    ], 'the carrier coming back while down changes nothing a mirror sees');
  });

  it('takes a deleted link down, then its addresses, then the link; never reuses its index', async () => {
    const { kernel, mirror, events, scheduler, nic } = await host();
    kernel.deleteLink('eth0');
    await scheduler.settle();
    assert.deepEqual(events, [
      'link-changed eth0 down no-carrier 02:00:00:00:00:01',
      'address-removed 2 10.77.0.1/24',
      'link-removed eth0 down no-carrier 02:00:00:00:00:01',
    ]);
    assert.equal(mirror.linkByName('eth0'), undefined);
    assert.equal(nic.accepts(ALL_NODES_MAC), false, 'the kernel left its groups');
    assert.equal(kernel.addEthernet('eth0', nic).index, 3);
    assert.equal(nic.accepts(ALL_NODES_MAC), true);
  });

  it('stops delivering when the mirror closes, and a closed mirror cannot start', async () => {
    const { kernel, mirror, events, scheduler } = await host();
    kernel.ipAddrAdd('eth0', '10.77.0.2/24');
    mirror.close();
    kernel.ipAddrAdd('eth0', '10.77.0.3/24');
    await scheduler.settle();
    assert.deepEqual(events, []);
    const closed = new FakeMirror(kernel);
    closed.close();
    await assert.rejects(closed.start(), /kernel mirror closed/);
  });

  it('tells TAP devices from others, like tun_flags', async () => {
    const { kernel } = await host();
    kernel.createTap('carp0');
    kernel.addLink('br0');
    assert.deepEqual(
      await Promise.all(['carp0', 'br0', 'eth0', 'nothere'].map((n) => kernel.isTapDevice(n))),
      [true, false, false, false],
    );
  });
});
