import assert from 'node:assert/strict';
import { formatPrefix, parsePrefix } from '../../src/wire/address';
import { MirrorState } from '../../src/kernel/mirror-state';
import type { DecodedAddress } from '../../src/kernel/rtnetlink-codec';
import * as c from '../../src/kernel/rtnetlink-constants';
import type { LinkInfo } from '../../src/kernel/types';

const SCOPE_LINK = 253;
const SCOPE_HOST = 254;

function address(text: string, options: { index?: number; secondary?: boolean; scope?: number } = {}): DecodedAddress {
  const prefix = parsePrefix(text);
  return {
    family: prefix.address.family === 4 ? c.AF_INET : c.AF_INET6,
    index: options.index ?? 5,
    flags: options.secondary ? c.IFA_F_SECONDARY : 0,
    scope: options.scope ?? 0,
    prefix,
  };
}

function link(index: number, changes: Partial<LinkInfo> = {}): LinkInfo {
  return { index, name: `eth${index}`, mac: Buffer.from('020000000001', 'hex'), adminUp: true, lowerUp: true, mtu: 1500, ...changes };
}

function listed(state: MirrorState, ifindex = 5): string[] {
  return state.addressesOf(ifindex).map((a) => formatPrefix(a.prefix));
}

describe('kernel/mirror-state', () => {
  describe('links', () => {
    it('reports a new link and a change of any field once, and nothing for a repeat', () => {
      const state = new MirrorState();
      assert.deepEqual(state.upsertLink(link(2)), [{ kind: 'link-changed', link: link(2) }]);
      assert.deepEqual(state.upsertLink(link(2)), []);
      for (const change of [{ mtu: 1400 }, { name: 'wan' }, { adminUp: false }, { lowerUp: false }, { mac: null }]) {
        const changed = link(2, change);
        assert.deepEqual(state.upsertLink(changed), [{ kind: 'link-changed', link: changed }], JSON.stringify(change));
        state.upsertLink(link(2));
      }
      assert.equal(state.linkByName('eth2')?.index, 2);
      assert.equal(state.linkByIndex(2)?.name, 'eth2');
    });

    it('removes a link after reporting the addresses still listed for it', () => {
      const state = new MirrorState();
      state.upsertLink(link(5));
      state.upsertAddress(address('10.0.0.1/24'), false);
      const events = state.removeLink(5);
      assert.deepEqual(
        events.map((e) => e.kind),
        ['address-removed', 'link-removed'],
      );
      assert.deepEqual(state.removeLink(5), []);
      assert.deepEqual(state.links(), []);
      assert.deepEqual(state.addressesOf(5), []);
    });
  });

  describe('addresses', () => {
    it('reports an address once, and its removal once', () => {
      const state = new MirrorState();
      const added = state.upsertAddress(address('10.0.0.1/24'), false);
      assert.deepEqual(added, [{ kind: 'address-added', address: { ifindex: 5, prefix: parsePrefix('10.0.0.1/24') } }]);
      assert.deepEqual(state.upsertAddress(address('10.0.0.1/24'), false), []);
      assert.equal(state.removeAddress(address('10.0.0.1/24')).length, 1);
      assert.deepEqual(state.removeAddress(address('10.0.0.1/24')), []);
    });

    it('keeps the same address on two links, and the same address with two lengths, apart', () => {
      const state = new MirrorState();
      state.upsertAddress(address('10.0.0.1/24', { index: 5 }), false);
      state.upsertAddress(address('10.0.0.1/24', { index: 6 }), false);
      state.upsertAddress(address('10.0.0.1/16', { index: 5 }), false);
      state.removeAddress(address('10.0.0.1/24', { index: 6 }));
      assert.deepEqual(listed(state, 5), ['10.0.0.1/24', '10.0.0.1/16']);
      assert.deepEqual(listed(state, 6), []);
    });

    // The orders below were observed with `ip -br addr` on Linux 6.18 after the same commands.
    it('orders IPv4 addresses as the kernel: narrow scopes first, primaries before secondaries', () => {
      const state = new MirrorState();
      state.upsertAddress(address('10.0.0.1/24'), false);
      state.upsertAddress(address('10.1.0.1/24'), false);
      state.upsertAddress(address('10.0.0.2/24', { secondary: true }), false);
      state.upsertAddress(address('10.1.0.2/24', { secondary: true }), false);
      state.upsertAddress(address('10.2.0.1/24', { scope: SCOPE_LINK }), false);
      state.upsertAddress(address('10.3.0.1/24', { scope: SCOPE_HOST }), false);
      state.upsertAddress(address('10.4.0.1/24'), false);
      state.upsertAddress(address('10.0.0.3/24', { secondary: true }), false);
      assert.deepEqual(listed(state), [
        '10.3.0.1/24',
        '10.2.0.1/24',
        '10.0.0.1/24',
        '10.1.0.1/24',
        '10.4.0.1/24',
        '10.0.0.2/24',
        '10.1.0.2/24',
        '10.0.0.3/24',
      ]);
    });

    it('moves a promoted secondary where the kernel does (promote_secondaries=1)', () => {
      const state = new MirrorState();
      state.beginSweep('addresses'); // the list as a dump gives it
      state.upsertAddress(address('10.3.0.1/24', { scope: SCOPE_HOST }), true);
      state.upsertAddress(address('10.2.0.1/24', { scope: SCOPE_LINK }), true);
      for (const text of ['10.0.0.1/24', '10.1.0.1/24', '10.4.0.1/24']) state.upsertAddress(address(text), true);
      for (const text of ['10.0.0.2/24', '10.1.0.2/24', '10.0.0.3/24']) {
        state.upsertAddress(address(text, { secondary: true }), true);
      }
      state.endSweep();
      // `ip addr del 10.1.0.1/24`: DELADDR, then NEWADDR for 10.1.0.2 no longer secondary.
      state.removeAddress(address('10.1.0.1/24'));
      assert.deepEqual(state.upsertAddress(address('10.1.0.2/24'), false), []);
      assert.deepEqual(listed(state), ['10.3.0.1/24', '10.2.0.1/24', '10.0.0.1/24', '10.4.0.1/24', '10.1.0.2/24', '10.0.0.2/24', '10.0.0.3/24']);
      state.removeAddress(address('10.0.0.1/24'));
      state.upsertAddress(address('10.0.0.2/24'), false);
      assert.deepEqual(listed(state), ['10.3.0.1/24', '10.2.0.1/24', '10.4.0.1/24', '10.1.0.2/24', '10.0.0.2/24', '10.0.0.3/24']);
    });

    it('leaves a promoted secondary in place when it directly followed the deleted primary', () => {
      const state = new MirrorState();
      state.upsertAddress(address('10.5.0.1/24'), false);
      state.upsertAddress(address('10.5.0.2/24', { secondary: true }), false);
      state.upsertAddress(address('10.6.0.1/24'), false);
      assert.deepEqual(listed(state), ['10.5.0.1/24', '10.6.0.1/24', '10.5.0.2/24']);
      state.removeAddress(address('10.5.0.1/24'));
      state.upsertAddress(address('10.5.0.2/24'), false);
      assert.deepEqual(listed(state), ['10.6.0.1/24', '10.5.0.2/24']);
    });

    it('orders IPv6 addresses broadest scope first, newest first within a scope, after IPv4', () => {
      const state = new MirrorState();
      for (const text of ['2001:db8::1/64', '2001:db8::2/64', 'fe80::5/64', 'fec0::1/64', '2001:db8::3/64', '10.9.0.1/24']) {
        state.upsertAddress(address(text), false);
      }
      assert.deepEqual(listed(state), ['10.9.0.1/24', '2001:db8::3/64', '2001:db8::2/64', '2001:db8::1/64', 'fec0::1/64', 'fe80::5/64']);
    });
  });

  describe('sweeps (full dumps)', () => {
    it('removes the links a dump did not list, but keeps one a notification re-added during it', () => {
      const state = new MirrorState();
      [2, 3, 4].forEach((index) => state.upsertLink(link(index)));
      state.beginSweep('links');
      state.upsertLink(link(2));
      state.upsertLink(link(4, { mtu: 9000 })); // a notification during the dump
      const events = state.endSweep();
      assert.deepEqual(events, [{ kind: 'link-removed', link: link(3) }]);
      assert.deepEqual(
        state.links().map((l) => l.index),
        [2, 4],
      );
    });

    it('takes the order of a dump as authoritative and removes what it did not list', () => {
      const state = new MirrorState();
      state.upsertAddress(address('2001:db8::1/64'), false);
      state.upsertAddress(address('2001:db8::2/64'), false);
      state.upsertAddress(address('10.0.0.9/24'), false);
      state.beginSweep('addresses');
      state.upsertAddress(address('2001:db8::1/64'), true);
      state.upsertAddress(address('2001:db8::7/64'), false); // notification: goes first among globals
      state.upsertAddress(address('2001:db8::2/64'), true);
      const events = state.endSweep();
      assert.deepEqual(
        events.map((e) => (e.kind === 'address-removed' ? formatPrefix(e.address.prefix) : e.kind)),
        ['10.0.0.9/24'],
      );
      assert.deepEqual(listed(state), ['2001:db8::7/64', '2001:db8::1/64', '2001:db8::2/64']);
    });

    it('an aborted sweep removes nothing', () => {
      const state = new MirrorState();
      state.upsertLink(link(2));
      state.beginSweep('links');
      state.abortSweep();
      assert.deepEqual(state.endSweep(), []);
      assert.equal(state.links().length, 1);
    });
  });
});
