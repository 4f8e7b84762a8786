import assert from 'node:assert/strict';
import { buildCarpdevFilter, packBpf } from '../../src/relay/bpf';
import { formatMac, formatPrefix, parseIp, parseMac } from '../../src/wire/address';
import { decodeArp } from '../../src/wire/arp';
import { readFrames, writeFrames } from './batches';
import { answerLikeAHost } from './carp-stack';
import { arpRequest } from './frames';
import { World, linkLocalFor } from './world';

const VIRTUAL = parseMac('00:00:5e:00:01:07');
const VIP = parseIp('10.77.0.50');

describe('fakes: world', () => {
  it('builds hosts with eth0 on one segment, numbered from 1, as a mirror shows them', async () => {
    const world = new World({ hosts: 3 });
    const mirror = world.mirror(2);
    await mirror.start();
    const eth0 = mirror.linkByName('eth0');
    assert.ok(eth0);
    assert.equal(formatMac(eth0.mac ?? Buffer.alloc(0)), '02:00:00:00:00:02');
    assert.deepEqual(mirror.addressesOf(eth0.index).map((a) => formatPrefix(a.prefix)), ['10.77.0.2/24', 'fe80::ff:fe00:2/64']);
    assert.equal(world.host(3).name, 'host3');
    assert.throws(() => world.host(4), /no host 4/);
    assert.equal(formatPrefix(linkLocalFor(parseMac('52:54:00:12:34:56'))), 'fe80::5054:ff:fe12:3456/64');
  });

  it('gives the hosts other NICs on segments of their own when asked, the clients joining the first', async () => {
    const world = new World({ hosts: 2, nics: [{ name: 'em0', subnet: '192.168.1', firstHost: 11 }, { name: 'em1', subnet: '192.168.2' }] });
    const mirror = world.mirror(2);
    await mirror.start();
    const shown = ['em0', 'em1'].map((name) => {
      const link = mirror.linkByName(name);
      return `${name} ${formatMac(link?.mac ?? Buffer.alloc(6))} ${mirror.addressesOf(link?.index ?? -1).map((a) => formatPrefix(a.prefix)).join(' ')}`;
    });
    assert.deepEqual(shown, ['em0 02:00:00:00:00:02 192.168.1.12/24 fe80::ff:fe00:2/64', 'em1 02:00:00:01:00:02 192.168.2.2/24 fe80::ff:fe01:2/64']);
    assert.equal(mirror.linkByName('eth0'), undefined);
    assert.deepEqual(world.segments.length, 2);
    assert.equal(world.segment, world.segments[0]);
    assert.deepEqual(world.addClient('client').ipv4.bytes.join('.'), '192.168.1.101');
  });

  it('carries a client ARP for a VIP through a hand-made relay to carpN and the answer back', async () => {
    const world = new World({ hosts: 2 });
    const client = world.addClient('client');
    assert.deepEqual([formatMac(client.mac), client.ipv4.bytes.join('.')], ['02:00:00:00:01:01', '10.77.0.101']);
    const { binding, kernel } = world.host(1);
    const tap = binding.openTap('carp0', { vnetHeader: true });
    tap.setMac(VIRTUAL);
    await kernel.setLinkUp('carp0', true);
    kernel.ipAddrAdd('carp0', '10.77.0.50/24');
    answerLikeAHost(kernel.link('carp0') ?? assert.fail('no carp0'));
    const filter = packBpf(buildCarpdevFilter());
    const socket = binding.openPacketSocket('eth0', { filter, vnetHeader: true });
    socket.addMembership('unicast', VIRTUAL);
    socket.startReading(() => writeFrames(tap, readFrames(socket)));
    tap.startReading(() => writeFrames(socket, readFrames(tap)));

    client.endpoint.send(arpRequest({ mac: client.mac, ip: client.ipv4 }, VIP));
    await world.scheduler.advance(10);

    const answers = client.endpoint.received.filter((f) => f.readUInt16BE(12) === 0x0806);
    assert.equal(answers.length, 1);
    const arp = decodeArp(answers[0] as Buffer, 14);
    assert.deepEqual([arp.operation, formatMac(arp.senderMac)], [2, '00:00:5e:00:01:07']);
    assert.deepEqual(world.segment.framesFrom(VIRTUAL).map((e) => e.port), ['host1/eth0']);
  });
});
