import assert from 'node:assert/strict';
import { parseIp, parseMac } from '../../src/wire/address';
import {
  ARP_LENGTH,
  ARP_OFFSET_OPERATION,
  ARP_OFFSET_TARGET_IP,
  ARP_OPERATION_REPLY,
  ARP_OPERATION_REQUEST,
  type ArpPacket,
  decodeArp,
  encodeArp,
} from '../../src/wire/arp';
import { hex } from './vectors';
import { assertUntouched, withByte, wireReason } from './wire-assert';

/** ucarp's gratuitous ARP from test/fixtures/ucarp/vec1 (Ethernet header stripped). */
const UCARP_GARP = hex('0001 0800 06 04 0001 026600000001 0a420064 026600000001 0a420064');
/** 192.0.2.10 is-at 00:00:5e:00:01:01, to 192.0.2.99 at 02:00:00:00:00:63. */
const REPLY = hex('0001 0800 06 04 0002 00005e000101 c000020a 020000000063 c0000263');

const replyFields: ArpPacket = {
  operation: ARP_OPERATION_REPLY,
  senderMac: parseMac('00:00:5e:00:01:01'),
  senderIp: parseIp('192.0.2.10'),
  targetMac: parseMac('02:00:00:00:00:63'),
  targetIp: parseIp('192.0.2.99'),
};

describe('wire/arp', () => {
  it('exports offsets that match the packet layout', () => {
    assert.equal(REPLY.readUInt16BE(ARP_OFFSET_OPERATION), ARP_OPERATION_REPLY);
    assert.deepEqual(REPLY.subarray(ARP_OFFSET_TARGET_IP), hex('c0000263'));
  });

  it("decodes ucarp's gratuitous ARP: a request with sender = target = the VIP and the NIC's MAC twice", () => {
    const mac = parseMac('02:66:00:00:00:01');
    const vip = parseIp('10.66.0.100');
    assert.deepEqual(decodeArp(UCARP_GARP), {
      operation: ARP_OPERATION_REQUEST,
      senderMac: mac,
      senderIp: vip,
      targetMac: mac,
      targetIp: vip,
    });
  });

  it('decodes a reply, at an offset, ignoring Ethernet padding after it', () => {
    assert.deepEqual(decodeArp(REPLY), replyFields);
    const framed = Buffer.concat([Buffer.alloc(14, 0xee), REPLY, Buffer.alloc(18)]);
    assert.deepEqual(decodeArp(framed, 14), replyFields);
  });

  it('returns copies', () => {
    const buf = Buffer.from(REPLY);
    const decoded = decodeArp(buf);
    buf.fill(0);
    assert.deepEqual(decoded, replyFields);
  });

  it('rejects every truncation as truncated', () => {
    for (let n = 0; n < ARP_LENGTH; n++) {
      assert.equal(wireReason(() => decodeArp(REPLY.subarray(0, n))), 'truncated', `length ${n}`);
    }
    assert.equal(wireReason(() => decodeArp(REPLY, 1)), 'truncated');
  });

  it('rejects anything but Ethernet/IPv4 as bad-header', () => {
    const ieee802 = withByte(REPLY, 1, 6);
    const ipv6Type = Buffer.from(REPLY);
    ipv6Type.writeUInt16BE(0x86dd, 2);
    for (const [what, packet] of [
      ['hardware type 6', ieee802],
      ['protocol type 0x86dd', ipv6Type],
      ['hardware length 8', withByte(REPLY, 4, 8)],
      ['protocol length 16', withByte(REPLY, 5, 16)],
    ] as const) {
      assert.equal(wireReason(() => decodeArp(packet)), 'bad-header', what);
    }
  });

  it('rejects operations other than request and reply (RARP, InARP) as unsupported', () => {
    for (const operation of [0, 3, 4, 8, 9, 0x0101]) {
      const packet = Buffer.from(REPLY);
      packet.writeUInt16BE(operation, ARP_OFFSET_OPERATION);
      assert.equal(wireReason(() => decodeArp(packet)), 'unsupported', `operation ${operation}`);
    }
  });

  it('encodes byte for byte and writes at an offset without touching the rest', () => {
    assert.deepEqual(encodeArp(replyFields), REPLY);
    const target = Buffer.alloc(60, 0xaa);
    encodeArp(replyFields, target, 14);
    assert.deepEqual(target.subarray(14, 42), REPLY);
    assert.ok(target.subarray(0, 14).every((b) => b === 0xaa));
    assert.ok(target.subarray(42).every((b) => b === 0xaa));
    assert.deepEqual(decodeArp(target, 14), replyFields);
  });

  it('round-trips the ucarp request', () => {
    assert.deepEqual(encodeArp(decodeArp(UCARP_GARP)), UCARP_GARP);
  });

  it('refuses bad fields and short targets, writing nothing', () => {
    const target = Buffer.alloc(ARP_LENGTH, 0xaa);
    const cases = [
      [{ ...replyFields, operation: 3 as unknown as ArpPacket['operation'] }, 'bad-header'],
      [{ ...replyFields, senderMac: Buffer.alloc(8) }, 'bad-length'],
      [{ ...replyFields, targetMac: Buffer.alloc(0) }, 'bad-length'],
      [{ ...replyFields, senderIp: parseIp('2001:db8::1') }, 'bad-header'],
      [{ ...replyFields, targetIp: parseIp('::1') }, 'bad-header'],
    ] as const;
    for (const [packet, reason] of cases) {
      assert.equal(wireReason(() => encodeArp(packet, target)), reason);
      assertUntouched(target, 0xaa);
    }
    assert.equal(wireReason(() => encodeArp(replyFields, target, 1)), 'truncated');
    assertUntouched(target, 0xaa);
  });
});
