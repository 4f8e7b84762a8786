import assert from 'node:assert/strict';
import { effectiveBalancing } from '../../src/balance/defaults';
import { BALANCING_MODES, BALANCING_MODE_NAMES, type BalancingMode } from '../../src/balance/modes';

const modesWhere = (test: (mode: BalancingMode) => boolean): BalancingMode[] => BALANCING_MODE_NAMES.filter(test);

describe('balancing modes', () => {
  it('lists OpenBSD 5.8\'s modes, each with its traits', () => {
    assert.deepEqual([...BALANCING_MODE_NAMES], ['none', 'ip', 'ip-stealth', 'ip-unicast', 'arp']);
    assert.deepEqual(Object.keys(BALANCING_MODES).sort(), [...BALANCING_MODE_NAMES].sort());
  });

  it('makes the interface MAC multicast in ip only', () => {
    assert.deepEqual(modesWhere((m) => BALANCING_MODES[m].interfaceMac === 'multicast'), ['ip']);
  });

  it('hash-filters frames in the ip modes, and gives each carpnode its own MAC in arp', () => {
    assert.deepEqual(modesWhere((m) => BALANCING_MODES[m].hashFiltered), ['ip', 'ip-stealth', 'ip-unicast']);
    assert.deepEqual(modesWhere((m) => BALANCING_MODES[m].perNodeMacs), ['arp']);
  });

  it('never sends from the virtual MAC in ip-stealth, nor from the multicast one in ip', () => {
    assert.deepEqual(modesWhere((m) => !BALANCING_MODES[m].virtualMacAsSource), ['ip', 'ip-stealth']);
  });

  it('sends gratuitous ARP / unsolicited NA in none only', () => {
    assert.deepEqual(modesWhere((m) => BALANCING_MODES[m].gratuitousAnnouncements), ['none']);
  });

  describe('effectiveBalancing (OpenBSD >= 5.8 defaults)', () => {
    it('forces none with a single carpnode, or none at all', () => {
      for (const mode of BALANCING_MODE_NAMES) {
        assert.equal(effectiveBalancing(1, mode), 'none', mode);
        assert.equal(effectiveBalancing(0, mode), 'none', mode);
      }
    });

    it('turns none into ip with several carpnodes and keeps any other mode', () => {
      assert.equal(effectiveBalancing(2, 'none'), 'ip');
      assert.equal(effectiveBalancing(32, 'none'), 'ip');
      for (const mode of ['ip', 'ip-stealth', 'ip-unicast', 'arp'] as const) assert.equal(effectiveBalancing(2, mode), mode);
    });
  });
});
