import assert from 'node:assert/strict';
import { solicitedNodeMac } from '../../src/relay/bpf';
import { ADVERTISEMENT, InboundTable, macKey } from '../../src/relay/inbound-table';
import { parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { V1_FRAME_OPENBSD, V4_FRAME_IPV6 } from '../wire/vectors';
import { arpRequest, ipv4, ipv6 } from './frames-for-tests';

describe('relay/inbound-table', () => {
  const table = new InboundTable<string>();
  table.set([
    { port: 'carp0', macs: [{ mac: virtualMac(1), node: 0 }], addresses: [parseIp('192.0.2.10'), parseIp('2001:db8::10')], neighborNode: 0 },
    {
      port: 'carp1',
      macs: [
        { mac: virtualMac(2), node: 0 },
        { mac: virtualMac(3), node: 1 },
      ],
      addresses: [parseIp('192.0.2.20')],
      neighborNode: 0,
    },
  ]);
  /** "port/node", or what classify returned when it is not a route. */
  const classify = (frame: Buffer, prefix = 0): unknown => {
    const withPrefix = Buffer.concat([Buffer.alloc(prefix, 0xee), frame]);
    const route = table.classify(withPrefix, prefix, frame.length);
    return route === undefined || route === ADVERTISEMENT ? route : `${route.port}/${route.node}`;
  };

  it('recognises advertisements by IP protocol 112', () => {
    assert.equal(classify(V1_FRAME_OPENBSD), ADVERTISEMENT);
    assert.equal(classify(V4_FRAME_IPV6), ADVERTISEMENT);
  });

  it('routes by virtual MAC to the node that receives on it', () => {
    assert.equal(classify(ipv4(virtualMac(1), 6)), 'carp0/0');
    assert.equal(classify(ipv4(virtualMac(2), 17)), 'carp1/0');
    assert.equal(classify(ipv4(virtualMac(3), 17)), 'carp1/1');
  });

  it('routes ARP for an IPv4 address and solicitations for an IPv6 one to the leader', () => {
    assert.equal(classify(arpRequest(parseIp('192.0.2.20'))), 'carp1/0');
    assert.equal(classify(ipv6(solicitedNodeMac(parseIp('2001:db8::10')), 58)), 'carp0/0');
  });

  it('claims nothing else', () => {
    assert.equal(classify(ipv4(virtualMac(4), 6)), undefined);
    assert.equal(classify(arpRequest(parseIp('192.0.2.30'))), undefined);
    assert.equal(classify(ipv4(parseMac('ff:ff:ff:ff:ff:ff'), 17)), undefined);
    assert.equal(classify(Buffer.alloc(10)), undefined);
    assert.equal(classify(arpRequest(parseIp('192.0.2.10')).subarray(0, 30)), undefined);
  });

  it('reads the frame at its offset (behind the virtio-net header)', () => {
    assert.equal(classify(ipv4(virtualMac(1), 6), 10), 'carp0/0');
    assert.equal(classify(V1_FRAME_OPENBSD, 10), ADVERTISEMENT);
  });

  it('forgets routes that were replaced', () => {
    const t = new InboundTable<string>();
    t.set([{ port: 'a', macs: [{ mac: virtualMac(1), node: 0 }], addresses: [parseIp('192.0.2.10')], neighborNode: 0 }]);
    t.set([{ port: 'a', macs: [{ mac: virtualMac(1), node: 0 }], addresses: [], neighborNode: 0 }]);
    const frame = arpRequest(parseIp('192.0.2.10'));
    assert.equal(t.classify(frame, 0, frame.length), undefined);
  });

  it('keys MACs exactly (48 bits in a double)', () => {
    assert.equal(macKey(parseMac('ff:ff:ff:ff:ff:ff'), 0), 2 ** 48 - 1);
    assert.notEqual(macKey(parseMac('00:00:5e:00:01:01'), 0), macKey(parseMac('00:00:5e:00:01:02'), 0));
  });
});
