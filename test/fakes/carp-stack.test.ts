import assert from 'node:assert/strict';
import { formatIp, formatMac, parseIp, parseMac } from '../../src/wire/address';
import { decodeArp } from '../../src/wire/arp';
import { decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { decodeIpv6 } from '../../src/wire/ipv6';
import { NDP_TYPE_NEIGHBOR_ADVERTISEMENT, decodeNdp } from '../../src/wire/ndp';
import { readFrames, writeFrames } from './batches';
import { answerLikeAHost } from './carp-stack';
import { FakeKernel } from './fake-kernel';
import { ICMP_ECHO_REQUEST, IPPROTO_ICMP, arpRequest, echoMessage, ipv4Frame, neighborSolicitation } from './frames';
import { MemoryBinding } from './memory-binding';
import { Scheduler } from './scheduler';

const CLIENT = { mac: parseMac('02:00:00:00:01:01'), ip: parseIp('10.77.0.101') };
const CLIENT6 = { mac: CLIENT.mac, ip: parseIp('fe80::1:1') };
const VIRTUAL = parseMac('00:00:5e:00:01:07');
const VIP = parseIp('10.77.0.50');
const VIP6 = parseIp('2001:db8::50');

async function carp0() {
  const scheduler = new Scheduler();
  const kernel = new FakeKernel(scheduler);
  const tap = new MemoryBinding(kernel, scheduler).openTap('carp0', { vnetHeader: false });
  tap.setMac(VIRTUAL);
  await kernel.setLinkUp('carp0', true);
  kernel.ipAddrAdd('carp0', '10.77.0.50/24');
  kernel.ipAddrAdd('carp0', '2001:db8::50/64');
  const link = kernel.link('carp0');
  assert.ok(link);
  const stop = answerLikeAHost(link);
  /** Writes `frame` into carp0 and returns what carp0 answers. */
  const ask = async (frame: Buffer): Promise<Buffer[]> => {
    writeFrames(tap, [frame]);
    await scheduler.settle();
    return readFrames(tap);
  };
  return { ask, stop };
}

const ping = (destinationMac: Buffer, destination = VIP): Buffer =>
  ipv4Frame({
    sourceMac: CLIENT.mac,
    destinationMac,
    source: CLIENT.ip,
    destination,
    protocol: IPPROTO_ICMP,
    payload: echoMessage({ type: ICMP_ECHO_REQUEST, id: 0x1234, sequence: 7, data: Buffer.from('hello') }),
  });

describe('fakes: host stack on carpN', () => {
  it("answers ARP for its addresses with carpN's MAC", async () => {
    const { ask } = await carp0();
    const [reply, ...more] = await ask(arpRequest(CLIENT, VIP));
    assert.ok(reply);
    assert.deepEqual(more, []);
    const ethernet = decodeEthernet(reply);
    assert.deepEqual([formatMac(ethernet.destination), formatMac(ethernet.source)], ['02:00:00:00:01:01', '00:00:5e:00:01:07']);
    const arp = decodeArp(reply, ethernet.payloadOffset);
    assert.deepEqual(
      [arp.operation, formatMac(arp.senderMac), formatIp(arp.senderIp), formatMac(arp.targetMac), formatIp(arp.targetIp)],
      [2, '00:00:5e:00:01:07', '10.77.0.50', '02:00:00:00:01:01', '10.77.0.101'],
    );
    assert.deepEqual(await ask(arpRequest(CLIENT, parseIp('10.77.0.51'))), [], 'not its address');
  });

  it('answers a ping to its address and MAC, not one sent to another MAC', async () => {
    const { ask } = await carp0();
    const [reply] = await ask(ping(VIRTUAL));
    assert.ok(reply);
    const ip = decodeIpv4(reply, 14);
    assert.deepEqual([formatIp(ip.source), formatIp(ip.destination), ip.protocol], ['10.77.0.50', '10.77.0.101', IPPROTO_ICMP]);
    const icmp = reply.subarray(ip.payloadOffset);
    assert.deepEqual([icmp[0], icmp.readUInt16BE(4), icmp.readUInt16BE(6), icmp.subarray(8).toString()], [0, 0x1234, 7, 'hello']);
    assert.deepEqual(await ask(ping(parseMac('02:00:00:00:00:02'))), [], 'PACKET_OTHERHOST');
    assert.deepEqual(await ask(ping(VIRTUAL, parseIp('10.77.0.99'))), []);
  });

  it('answers a neighbour solicitation with a solicited advertisement carrying its MAC', async () => {
    const { ask } = await carp0();
    const [reply] = await ask(neighborSolicitation(CLIENT6, VIP6));
    assert.ok(reply);
    assert.equal(formatMac(decodeEthernet(reply).destination), '02:00:00:00:01:01');
    const ip = decodeIpv6(reply, 14);
    assert.deepEqual([formatIp(ip.source), formatIp(ip.destination), ip.hopLimit], ['2001:db8::50', 'fe80::1:1', 255]);
    const na = decodeNdp(reply, ip, ip.payloadOffset, ip.payloadLength);
    assert.ok(na.type === NDP_TYPE_NEIGHBOR_ADVERTISEMENT);
    assert.deepEqual([na.solicited, na.override, na.router, na.targetLinkLayer && formatMac(na.targetLinkLayer)], [
      true,
      true,
      false,
      '00:00:5e:00:01:07',
    ]);
  });

  it('stops answering when told to', async () => {
    const { ask, stop } = await carp0();
    stop();
    assert.deepEqual(await ask(arpRequest(CLIENT, VIP)), []);
  });
});
