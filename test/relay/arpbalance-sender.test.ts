import assert from 'node:assert/strict';
import { VNET_HEADER_LENGTH } from '../../src/native/types';
import { ArpBalanceSender, sendFrom } from '../../src/relay/arpbalance-sender';
import { CarpPort } from '../../src/relay/carp-port';
import { ASKING_INTERFACE } from '../../src/relay/inbound-table';
import { type MacAddress, formatMac, parseIp, virtualMac } from '../../src/wire/address';
import { ARP_OPERATION_REPLY, decodeArp } from '../../src/wire/arp';
import { ICMP_ECHO_REPLY, IPPROTO_ICMP, arpFrame, echoMessage, ipv4Frame, neighborSolicitation } from '../fakes/frames';
import { StubCarpdev, StubTap } from './tap-stub';

const VIP = parseIp('10.77.0.50');
const CLIENT_MAC = virtualMac(0x99);
const group = (members: readonly { port: string; mac: MacAddress }[]): ArpBalanceSender<string> =>
  new ArpBalanceSender([{ address: VIP.bytes.readUInt32BE(0), members }]);
const TWO = [
  { port: 'carp0', mac: virtualMac(1) },
  { port: 'carp1', mac: virtualMac(2) },
];

/** OBSD-3.5 on a little-endian host: the address bytes read as a little-endian word, mod count. */
const legacyIndex = (address: string, count: number): number => parseIp(address).bytes.readUInt32LE(0) % count;

function echoReply(from: MacAddress, source: string, destination: string): Buffer {
  const payload = echoMessage({ type: ICMP_ECHO_REPLY, id: 1, sequence: 1, data: Buffer.from('x') });
  return ipv4Frame({ sourceMac: from, destinationMac: CLIENT_MAC, source: parseIp(source), destination: parseIp(destination), protocol: IPPROTO_ICMP, payload });
}

function arpReply(from: MacAddress, target: string): Buffer {
  return arpFrame(ARP_OPERATION_REPLY, { mac: from, ip: VIP }, { mac: CLIENT_MAC, ip: parseIp(target) }, CLIENT_MAC);
}

const memberOf = (sender: ArpBalanceSender<string>, frame: Buffer): string | undefined => sender.memberFor(frame, 0, frame.length)?.port;

describe('relay/arpbalance-sender', () => {
  it('gives a frame from the shared address to the member its IPv4 destination selects', () => {
    const sender = group(TWO);
    assert.equal(legacyIndex('192.0.2.55', 2), 0);
    assert.equal(legacyIndex('193.0.2.55', 2), 1, 'mod 2 only the first octet counts on a little-endian host');
    assert.equal(memberOf(sender, echoReply(virtualMac(1), '10.77.0.50', '192.0.2.55')), 'carp0');
    assert.equal(memberOf(sender, echoReply(virtualMac(1), '10.77.0.50', '193.0.2.55')), 'carp1');
  });

  it('gives ARP to the member its target address selects: the one that answered that requester', () => {
    const sender = group(TWO);
    assert.equal(memberOf(sender, arpReply(virtualMac(1), '193.0.2.55')), 'carp1');
    assert.equal(memberOf(sender, arpReply(virtualMac(2), '192.0.2.55')), 'carp0');
  });

  it('leaves everything else alone: other sources, IPv6, frames too short to hold the addresses', () => {
    const sender = group(TWO);
    assert.equal(memberOf(sender, echoReply(virtualMac(1), '10.77.0.51', '193.0.2.55')), undefined);
    assert.equal(memberOf(sender, neighborSolicitation({ mac: virtualMac(1), ip: parseIp('fe80::1') }, parseIp('fe80::2'))), undefined);
    const reply = echoReply(virtualMac(1), '10.77.0.50', '193.0.2.55');
    assert.equal(sender.memberFor(reply, 0, 33), undefined);
    assert.equal(sender.memberFor(reply, 0, 34), TWO[1]);
  });

  it('counts in the group`s order, mod the number of members', () => {
    const three = group([...TWO, { port: 'carp2', mac: virtualMac(3) }]);
    const seen = ['10.77.0.101', '10.77.0.102', '10.77.0.103'].map((client) => {
      const reply = echoReply(virtualMac(1), '10.77.0.50', client);
      return `${legacyIndex(client, 3)} ${memberOf(three, reply)}`;
    });
    assert.deepEqual(seen, ['2 carp2', '0 carp0', '1 carp1']);
  });

  it('makes the frame the member`s: Ethernet source, and the sender hardware address of ARP', () => {
    const arp = arpReply(virtualMac(1), '193.0.2.55');
    sendFrom(arp, 0, arp.length, virtualMac(2));
    assert.equal(formatMac(arp.subarray(6, 12)), '00:00:5e:00:01:02');
    assert.equal(formatMac(decodeArp(arp, 14).senderMac), '00:00:5e:00:01:02');
    assert.equal(formatMac(decodeArp(arp, 14).targetMac), formatMac(CLIENT_MAC));
    const echo = echoReply(virtualMac(1), '10.77.0.50', '193.0.2.55');
    const before = Buffer.from(echo);
    sendFrom(echo, 0, echo.length, virtualMac(2));
    assert.equal(formatMac(echo.subarray(6, 12)), '00:00:5e:00:01:02');
    assert.deepEqual(echo.subarray(12), before.subarray(12), 'nothing but the source MAC changes');
  });

  describe('carp ports of one group', () => {
    /** carp0 and carp1 share the VIP; this host is MASTER of carp1 only. */
    function setup(): { carp0: CarpPort; carp1: CarpPort; tap0: StubTap; tap1: StubTap; wire: StubCarpdev } {
      const wire = new StubCarpdev();
      const [tap0, tap1] = [new StubTap(), new StubTap()];
      const [carp0, carp1] = [tap0, tap1].map((tap, i) => new CarpPort(`carp${i}`, tap, VNET_HEADER_LENGTH, () => assert.fail('no I/O error')));
      if (carp0 === undefined || carp1 === undefined) return assert.fail('two ports');
      const sender = new ArpBalanceSender([
        {
          address: VIP.bytes.readUInt32BE(0),
          members: [
            { port: carp0, mac: virtualMac(1) },
            { port: carp1, mac: virtualMac(2) },
          ],
        },
      ]);
      for (const port of [carp0, carp1]) {
        port.attach(wire);
        port.setArpBalance(sender);
      }
      carp0.setMasters([]);
      carp1.setMasters([0]);
      return { carp0, carp1, tap0, tap1, wire };
    }

    it('sends what any member`s TAP emits as the member the destination selects, while MASTER of it', () => {
      const { carp0, tap0, tap1, wire } = setup();
      tap0.send(echoReply(virtualMac(1), '10.77.0.50', '193.0.2.55'), arpReply(virtualMac(1), '193.0.2.55'));
      tap1.send(echoReply(virtualMac(2), '10.77.0.50', '193.0.2.56'));
      assert.deepEqual(
        wire.sent.map((frame) => formatMac(frame.subarray(6, 12))),
        ['00:00:5e:00:01:02', '00:00:5e:00:01:02', '00:00:5e:00:01:02'],
        'carp0 is BACKUP, yet the frames for carp1`s share leave through it as carp1',
      );
      assert.equal(carp0.snapshot().framesOut, 2);
    });

    it('drops and counts what belongs to a member this host is not MASTER of, whichever TAP emitted it', () => {
      const { carp0, carp1, tap0, tap1, wire } = setup();
      tap0.send(echoReply(virtualMac(1), '10.77.0.50', '192.0.2.55'));
      tap1.send(echoReply(virtualMac(2), '10.77.0.50', '192.0.2.56'), arpReply(virtualMac(2), '192.0.2.56'));
      assert.deepEqual(wire.sent, []);
      assert.equal(carp0.snapshot().droppedNotMaster, 1);
      assert.equal(carp1.snapshot().droppedNotMaster, 2);
    });

    it('sends frames from other addresses only through a MASTER interface, unchanged', () => {
      const { carp1, tap0, tap1, wire } = setup();
      tap0.send(echoReply(virtualMac(1), '10.77.0.60', '193.0.2.55'));
      tap1.send(echoReply(virtualMac(2), '10.77.0.61', '192.0.2.55'));
      assert.deepEqual(
        wire.sent.map((frame) => formatMac(frame.subarray(6, 12))),
        ['00:00:5e:00:01:02'],
        'only carp1`s, with its own MAC',
      );
      assert.equal(carp1.snapshot().framesOut, 1);
    });

    it('takes an ARP reply to the shared address into every member that can send, as a broadcast its stack accepts', () => {
      const { carp0, carp1, tap0, tap1 } = setup();
      const reply = arpFrame(ARP_OPERATION_REPLY, { mac: CLIENT_MAC, ip: parseIp('193.0.2.55') }, { mac: virtualMac(2), ip: VIP }, virtualMac(2));
      const arena = Buffer.concat([Buffer.alloc(VNET_HEADER_LENGTH), reply]);
      for (const port of [carp0, carp1]) port.offer(arena, 0, arena.length, ASKING_INTERFACE);
      for (const port of [carp0, carp1]) port.flush(arena);
      assert.deepEqual(tap0.written, [], 'carp0 is BACKUP: its stack asked nothing');
      assert.deepEqual(
        tap1.written.map((frame) => formatMac(frame.subarray(0, 6))),
        ['ff:ff:ff:ff:ff:ff'],
      );
      assert.deepEqual(tap1.written[0]?.subarray(6), reply.subarray(6), 'nothing else changes');
      assert.equal(carp0.snapshot().droppedNotMaster, 1);
    });
  });
});
