import assert from 'node:assert/strict';
import { VNET_HEADER_LENGTH } from '../../src/native/types';
import type { PortBalancing } from '../../src/relay/balancing';
import { CarpPort } from '../../src/relay/carp-port';
import { fastPathFor } from '../../src/relay/fast-path-eligibility';
import type { CarpPortShape } from '../../src/relay/relay';
import type { BalancingMode } from '../../src/balance/modes';
import { BROADCAST_MAC, parseMac } from '../../src/wire/address';
import { CLIENT_MAC, ipv4, ipv6, ethernet } from './frames-for-tests';
import { StubTap } from './tap-stub';

const VMAC = parseMac('00:00:5e:00:01:01');

function balancing(mode: BalancingMode, tapMac = VMAC): PortBalancing {
  return { mode, tapMac, wireMac: tapMac, nodeMacs: [tapMac], arpKey: null, carpdevMac: null };
}

function shape(overrides: Partial<CarpPortShape> = {}): CarpPortShape {
  return {
    carpdev: 'eth0',
    vhids: [1],
    macs: [{ mac: VMAC, node: 0 }],
    addresses: [],
    neighborNode: 0,
    balancing: balancing('none'),
    adminUp: true,
    ...overrides,
  };
}

describe('relay/fast-path-eligibility', () => {
  it('a MASTER of its one node without balancing: the kernel carries carpN on its carpdev', () => {
    assert.deepEqual(fastPathFor('carp0', shape(), [1], false), { ifname: 'carp0', carpdev: 'eth0', mac: VMAC });
  });

  it('BACKUP or INIT (not MASTER), no carpdev, or no vhid yet: none', () => {
    assert.equal(fastPathFor('carp0', shape(), [], false), null);
    assert.equal(fastPathFor('carp0', shape({ carpdev: null }), [1], false), null);
    assert.equal(fastPathFor('carp0', shape({ balancing: null, vhids: [] }), [], false), null);
  });

  it('every balancing mode needs the relay per frame: none', () => {
    for (const mode of ['ip', 'ip-stealth', 'ip-unicast', 'arp'] as const) {
      assert.equal(fastPathFor('carp0', shape({ balancing: balancing(mode) }), [1], false), null, mode);
    }
  });

  it('several carpnodes, or a member of an arpbalance group: none', () => {
    assert.equal(fastPathFor('carp0', shape({ vhids: [1, 2] }), [1, 2], false), null);
    assert.equal(fastPathFor('carp0', shape(), [1], true), null);
  });
});

describe('relay/carp-port with the in-kernel data path', () => {
  function port(): { carp: CarpPort; tap: StubTap } {
    const tap = new StubTap();
    const carp = new CarpPort('carp0', tap, VNET_HEADER_LENGTH, () => assert.fail('no I/O error'));
    carp.setMasters([0]);
    return { carp, tap };
  }

  function offer(carp: CarpPort, frame: Buffer): void {
    const arena = Buffer.concat([Buffer.alloc(VNET_HEADER_LENGTH), frame]);
    carp.offer(arena, 0, arena.length, 0);
    carp.flush(arena);
  }

  const arp = ethernet(BROADCAST_MAC, 0x0806, Buffer.alloc(28));
  const toOther = ipv4(CLIENT_MAC, 6);

  it('relays unicast IP to the virtual MAC until the kernel carries it, and again once it no longer does', () => {
    const { carp, tap } = port();
    offer(carp, ipv4(VMAC, 6));
    carp.setFastPath(VMAC);
    offer(carp, ipv4(VMAC, 6));
    offer(carp, ipv6(VMAC, 58));
    assert.equal(tap.written.length, 1, 'the packet socket sees frames before tc redirects them: relaying them too would duplicate them');
    carp.setFastPath(null);
    offer(carp, ipv6(VMAC, 58));
    assert.equal(tap.written.length, 2);
  });

  it('keeps relaying what the kernel does not carry: ARP, and IP to another MAC', () => {
    const { carp, tap } = port();
    carp.setFastPath(VMAC);
    offer(carp, arp);
    offer(carp, toOther);
    assert.equal(tap.written.length, 2);
  });
});
