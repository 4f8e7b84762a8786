import assert from 'node:assert/strict';
import { MAX_KERNEL_CARRIED_IN_FILTER, buildCarpdevFilter, packBpf, solicitedNodeMac } from '../../src/relay/bpf';
import { parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { runBpf } from '../helpers/bpf-interpreter';
import { V1_FRAME_OPENBSD, V4_FRAME_IPV6 } from '../wire/vectors';
import { arpRequest, ipv4, ipv6 } from './frames-for-tests';

const program = buildCarpdevFilter();
const accepted = (frame: Buffer): boolean => runBpf(program, frame) !== 0;

describe('relay/bpf', () => {
  it('accepts CARP advertisements over IPv4 and IPv6, whatever their destination MAC', () => {
    assert.ok(accepted(V1_FRAME_OPENBSD));
    assert.ok(accepted(V4_FRAME_IPV6));
  });

  it('accepts whole frames: GSO super-frames must not be cut to a snap length', () => {
    assert.equal(runBpf(program, V1_FRAME_OPENBSD), 0xffffffff);
  });

  it('accepts frames to any virtual MAC, unicast or multicast, and broadcast ARP and solicitations', () => {
    for (const vhid of [1, 7, 255]) assert.ok(accepted(ipv4(virtualMac(vhid), 6)), `vhid ${vhid}`);
    assert.ok(accepted(ipv4(parseMac('01:00:5e:00:01:07'), 6)), 'the multicast MAC of balancing ip');
    assert.ok(accepted(arpRequest(parseIp('192.0.2.10'))));
    assert.ok(accepted(ipv6(solicitedNodeMac(parseIp('2001:db8::10')), 58)));
  });

  it('rejects what cannot concern a carp interface', () => {
    assert.ok(!accepted(ipv4(parseMac('00:00:5e:00:02:07'), 6)), 'the VRRP IPv6 MAC block');
    assert.ok(!accepted(ipv4(parseMac('02:00:00:00:00:01'), 6)), 'another host');
    assert.ok(!accepted(ipv4(parseMac('ff:ff:ff:ff:ff:ff'), 17)), 'IPv4 broadcast');
    assert.ok(!accepted(ipv4(parseMac('01:00:5e:00:00:fb'), 17)), 'other IPv4 multicast (mDNS)');
    assert.ok(!accepted(ipv6(parseMac('33:33:00:00:00:01'), 58)), 'IPv6 all-nodes');
  });

  it('leaves IPv4 and IPv6 to the MACs the kernel carries out, and only those; advertisements and ARP still pass', () => {
    const carried = buildCarpdevFilter([virtualMac(1), virtualMac(9)]);
    const passes = (frame: Buffer): boolean => runBpf(carried, frame) !== 0;
    assert.ok(!passes(ipv4(virtualMac(1), 6)));
    assert.ok(!passes(ipv6(virtualMac(9), 58)));
    assert.ok(passes(ipv4(virtualMac(2), 6)), 'another carp interface, still relayed');
    assert.ok(passes(arpRequest(parseIp('192.0.2.10'))));
    const advertisement = Buffer.from(V1_FRAME_OPENBSD);
    virtualMac(1).copy(advertisement, 0);
    assert.ok(passes(advertisement), 'protocol 112 to the carried MAC still reaches the daemon');
  });

  it('leaves out at most MAX_KERNEL_CARRIED_IN_FILTER MACs, so the program cannot grow past what the kernel takes', () => {
    const many = Array.from({ length: 255 }, (_, i) => virtualMac(i + 1));
    assert.equal(buildCarpdevFilter(many).length, buildCarpdevFilter(many.slice(0, MAX_KERNEL_CARRIED_IN_FILTER)).length);
    assert.ok(runBpf(buildCarpdevFilter(many), ipv4(virtualMac(200), 6)) !== 0, 'past the limit the relay drops them itself');
  });

  it('drops runts: a load past the end of the frame rejects it, as in the kernel', () => {
    assert.ok(!accepted(Buffer.alloc(5)));
    assert.ok(!accepted(arpRequest(parseIp('192.0.2.10')).subarray(0, 13)));
  });

  it('is one short program whatever uses the carpdev (it used to grow per interface until ENOMEM)', () => {
    assert.equal(buildCarpdevFilter().length, program.length);
    assert.ok(program.length < 64);
    assert.ok(program.every((insn) => insn.jt <= 1 && insn.jf <= 1));
  });

  it('packs struct sock_filter in host byte order, 8 bytes per instruction', () => {
    const packed = packBpf([{ code: 0x15, jt: 1, jf: 0, k: 0x0800 }]);
    assert.equal(packed.length, 8);
    assert.deepEqual([...packed], [0x15, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00]);
  });
});
