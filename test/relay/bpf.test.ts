import assert from 'node:assert/strict';
import { buildCarpdevFilter, packBpf, solicitedNodeMac } from '../../src/relay/bpf';
import { parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { runBpf } from '../helpers/bpf-interpreter';
import { V1_FRAME_OPENBSD, V4_FRAME_IPV6 } from '../wire/vectors';
import { arpRequest, ipv4, ipv6 } from './frames-for-tests';

const VIP4 = parseIp('192.0.2.10');
const VIP6 = parseIp('2001:db8::10');
const program = buildCarpdevFilter({ virtualMacs: [virtualMac(7)], addresses: [VIP4, VIP6] });
const accepted = (frame: Buffer): boolean => runBpf(program, frame) !== 0;

describe('relay/bpf', () => {
  it('accepts CARP advertisements over IPv4 and IPv6, whatever their destination MAC', () => {
    assert.ok(accepted(V1_FRAME_OPENBSD));
    assert.ok(accepted(V4_FRAME_IPV6));
  });

  it('accepts whole frames: GSO super-frames must not be cut to a snap length', () => {
    assert.equal(runBpf(program, V1_FRAME_OPENBSD), 0xffffffff);
  });

  it('accepts frames to the virtual MAC, broadcast ARP for a VIP and solicitations for an IPv6 VIP', () => {
    assert.ok(accepted(ipv4(virtualMac(7), 6)));
    assert.ok(accepted(arpRequest(VIP4)));
    assert.ok(accepted(ipv6(solicitedNodeMac(VIP6), 58)));
  });

  it('rejects what does not concern us', () => {
    assert.ok(!accepted(arpRequest(parseIp('192.0.2.11'))), 'ARP for another address');
    assert.ok(!accepted(ipv4(virtualMac(8), 6)), 'another virtual MAC');
    assert.ok(!accepted(ipv4(parseMac('ff:ff:ff:ff:ff:ff'), 17)), 'IPv4 broadcast');
    assert.ok(!accepted(ipv6(parseMac('33:33:00:00:00:01'), 58)), 'IPv6 all-nodes');
    assert.ok(!accepted(ipv6(solicitedNodeMac(parseIp('2001:db8::11')), 58)), 'solicitation for another address');
  });

  it('drops runts: a load past the end of the frame rejects it, as in the kernel', () => {
    assert.ok(!accepted(Buffer.alloc(5)));
    assert.ok(!accepted(arpRequest(VIP4).subarray(0, 40)));
  });

  it('stays a valid program with hundreds of addresses (short conditional jumps only)', () => {
    const many = Array.from({ length: 300 }, (_, i) => parseIp(`10.0.${i >> 8}.${i & 0xff}`));
    const large = buildCarpdevFilter({ virtualMacs: [virtualMac(1), virtualMac(2)], addresses: many });
    assert.ok(large.every((insn) => insn.jt <= 1 && insn.jf <= 1));
    assert.ok(large.length < 4096);
    assert.notEqual(runBpf(large, arpRequest(parseIp('10.0.1.43'))), 0);
    assert.equal(runBpf(large, arpRequest(parseIp('10.0.2.43'))), 0);
  });

  it('with no carp interface attached still passes advertisements and nothing else', () => {
    const empty = buildCarpdevFilter({ virtualMacs: [], addresses: [] });
    assert.notEqual(runBpf(empty, V1_FRAME_OPENBSD), 0);
    assert.equal(runBpf(empty, arpRequest(VIP4)), 0);
  });

  it('packs struct sock_filter in host byte order, 8 bytes per instruction', () => {
    const packed = packBpf([{ code: 0x15, jt: 1, jf: 0, k: 0x0800 }]);
    assert.equal(packed.length, 8);
    assert.deepEqual([...packed], [0x15, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00]);
  });
});
