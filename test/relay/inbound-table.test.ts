import assert from 'node:assert/strict';
import { solicitedNodeMac } from '../../src/relay/bpf';
import { ADVERTISEMENT, ASKING_INTERFACE, InboundTable, macKey } from '../../src/relay/inbound-table';
import { parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { V1_FRAME_OPENBSD, V4_FRAME_IPV6 } from '../wire/vectors';
import { ARP_OPERATION_REPLY, ARP_OPERATION_REQUEST } from '../../src/wire/arp';
import { arpFrame, arpRequest as arpRequestFrom } from '../fakes/frames';
import { CLIENT_MAC, arpRequest, ipv4, ipv6 } from './frames-for-tests';

/** "port/node" per route, joined by spaces, or what classify returned when it is not a route list. */
function routesOf(table: InboundTable<string>, frame: Buffer, prefix = 0): unknown {
  const withPrefix = Buffer.concat([Buffer.alloc(prefix, 0xee), frame]);
  const routes = table.classify(withPrefix, prefix, frame.length);
  return routes === undefined || routes === ADVERTISEMENT ? routes : routes.map((r) => `${r.port}/${r.node}`).join(' ');
}

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
  const classify = (frame: Buffer, prefix = 0): unknown => routesOf(table, frame, prefix);

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

  describe('interfaces that share an address', () => {
    const VIP = parseIp('192.0.2.50');
    const VIP6 = parseIp('2001:db8::50');
    const shared = [1, 2, 3].map((vhid) => ({
      port: `carp${vhid - 1}`,
      macs: [{ mac: virtualMac(vhid), node: 0 }],
      addresses: [VIP, VIP6],
      neighborNode: 0,
    }));
    const members = (ports: readonly string[]): { port: string; mac: Buffer }[] => ports.map((port) => ({ port, mac: virtualMac(9) }));
    const requestFrom = (sender: string): Buffer => arpRequestFrom({ mac: CLIENT_MAC, ip: parseIp(sender) }, VIP);
    /** OBSD-3.5 on a little-endian host: the sender's address bytes read as a little-endian word. */
    const legacyIndex = (sender: string, count: number): number => parseIp(sender).bytes.readUInt32LE(0) % count;

    it('offers ARP and solicitations for the address to every interface that carries it (arpbalance=0)', () => {
      const t = new InboundTable<string>();
      t.set(shared);
      assert.equal(routesOf(t, requestFrom('192.0.2.55')), 'carp0/0 carp1/0 carp2/0');
      assert.equal(routesOf(t, ipv6(solicitedNodeMac(VIP6), 58)), 'carp0/0 carp1/0 carp2/0');
    });

    it('offers ARP to the one member of a group that the sender`s address selects, counting in the group`s order', () => {
      const t = new InboundTable<string>();
      t.set(shared, [{ address: VIP.bytes.readUInt32BE(0), members: members(['carp2', 'carp0', 'carp1']) }]);
      assert.equal(legacyIndex('192.0.2.55', 3), 0, '0x370200c0 mod 3, the vector of docs/protocol.md §4.8');
      assert.equal(routesOf(t, requestFrom('192.0.2.55')), 'carp2/0');
      assert.equal(legacyIndex('192.0.2.2', 3), 1);
      assert.equal(routesOf(t, requestFrom('192.0.2.2')), 'carp0/0');
      assert.equal(legacyIndex('192.0.2.3', 3), 2);
      assert.equal(routesOf(t, requestFrom('192.0.2.3')), 'carp1/0');
    });

    it('still offers it to the interfaces outside the group, and balances neither IPv6 nor frames to a MAC', () => {
      const t = new InboundTable<string>();
      t.set(shared, [{ address: VIP.bytes.readUInt32BE(0), members: members(['carp0', 'carp1']) }]);
      assert.equal(legacyIndex('193.0.2.55', 2), 1, 'mod 2 only the first octet counts');
      assert.equal(routesOf(t, requestFrom('193.0.2.55')), 'carp2/0 carp1/0');
      assert.equal(routesOf(t, requestFrom('192.0.2.55')), 'carp2/0 carp0/0');
      assert.equal(routesOf(t, ipv6(solicitedNodeMac(VIP6), 58)), 'carp0/0 carp1/0 carp2/0');
      assert.equal(routesOf(t, ipv4(virtualMac(2), 6)), 'carp1/0');
    });

    it('offers an ARP reply to a group`s address to every interface that carries it, whichever member`s MAC it came to', () => {
      const client = { mac: CLIENT_MAC, ip: parseIp('192.0.2.99') };
      const toMember = (operation: 1 | 2, vhid: number): Buffer => arpFrame(operation, client, { mac: virtualMac(vhid), ip: VIP }, virtualMac(vhid));
      const t = new InboundTable<string>();
      t.set(shared, [{ address: VIP.bytes.readUInt32BE(0), members: members(['carp0', 'carp1']) }]);
      const asker = `/${ASKING_INTERFACE}`;
      assert.equal(routesOf(t, toMember(ARP_OPERATION_REPLY, 2)), `carp0${asker} carp1${asker} carp2${asker}`);
      assert.equal(routesOf(t, toMember(ARP_OPERATION_REQUEST, 2)), 'carp1/0', 'a request still goes by its MAC');
      const ungrouped = new InboundTable<string>();
      ungrouped.set(shared);
      assert.equal(routesOf(ungrouped, toMember(ARP_OPERATION_REPLY, 2)), 'carp1/0', 'without a group a reply goes by its MAC');
    });

    it('offers a solicitation once to an interface whose two addresses share a solicited-node group', () => {
      const t = new InboundTable<string>();
      t.set([{ port: 'carp0', macs: [], addresses: [parseIp('2001:db8::50'), parseIp('2001:db8:1::50')], neighborNode: 0 }]);
      assert.equal(routesOf(t, ipv6(solicitedNodeMac(parseIp('2001:db8:1::50')), 58)), 'carp0/0');
    });
  });
});
