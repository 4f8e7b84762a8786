import assert from 'node:assert/strict';
import { type CarpdevChoice, type ParentInterface, carpdevAfter, chooseCarpdev, describeChoice } from '../../src/daemon/carpdev-choice';
import { parsePrefix } from '../../src/wire/address';

const parent = (name: string, ...prefixes: string[]): ParentInterface => ({ name, prefixes: prefixes.map(parsePrefix) });
const prefixes = (...texts: string[]): ReturnType<typeof parsePrefix>[] => texts.map(parsePrefix);

const LAN = [parent('eth0', '10.77.0.1/24', 'fe80::1/64'), parent('eth1', '192.168.2.1/24', '2001:db8:2::1/64'), parent('dummy0')];

/** The carpdev chosen, or the kind of choice when none is. */
function outcome(choice: CarpdevChoice): string {
  return choice.kind === 'chosen' ? choice.match.carpdev : choice.kind;
}

describe('daemon/carpdev-choice (OpenBSD before 5.7: the interface with the same subnet)', () => {
  it('takes the interface whose subnet holds an address of carpN, by the parent`s prefix length', () => {
    assert.equal(outcome(chooseCarpdev(null, prefixes('10.77.0.50/32'), LAN)), 'eth0', 'a host address: the parent`s mask decides');
    assert.equal(outcome(chooseCarpdev(null, prefixes('10.77.0.50/16'), LAN)), 'eth0');
    assert.equal(outcome(chooseCarpdev(null, prefixes('192.168.2.10/24'), LAN)), 'eth1');
    assert.equal(outcome(chooseCarpdev(null, prefixes('2001:db8:2::10/128'), LAN)), 'eth1', 'IPv6 likewise');
    const choice = chooseCarpdev(null, prefixes('10.77.0.100/24'), LAN);
    assert.ok(choice.kind === 'chosen');
    assert.equal(describeChoice('carp0', choice), 'carp0: carpdev eth0 chosen: it has 10.77.0.1/24, whose subnet holds 10.77.0.100/24');
  });

  it('ignores IPv6 link-local addresses on both sides: every interface has fe80::/64', () => {
    assert.equal(outcome(chooseCarpdev(null, prefixes('fe80::50/64'), LAN)), 'keep', 'carpN with only a link-local address has nothing to match');
    assert.equal(outcome(chooseCarpdev(null, prefixes('fe80::50/64', '2001:db8:9::1/64'), LAN)), 'none');
  });

  it('refuses to choose between two interfaces that match, naming both', () => {
    const twice = [...LAN, parent('br0', '10.77.0.2/16')];
    const choice = chooseCarpdev(null, prefixes('10.77.0.50/32'), twice);
    assert.equal(choice.kind, 'ambiguous');
    assert.equal(
      describeChoice('carp0', choice as Exclude<CarpdevChoice, { kind: 'keep' }>),
      'carp0: no carpdev chosen: eth0 (10.77.0.1/24 holds 10.77.0.50/32) and br0 (10.77.0.2/16 holds 10.77.0.50/32) both match by subnet: give carpdev eth0 or carpdev br0; carp0 stays INIT until then',
    );
    assert.equal(outcome(chooseCarpdev(null, prefixes('10.77.0.50/32', '192.168.2.10/32'), LAN)), 'ambiguous', 'two addresses, two parents');
    assert.equal(outcome(chooseCarpdev(null, prefixes('10.77.0.50/32', '10.77.0.51/32'), LAN)), 'eth0', 'two addresses, one parent');
  });

  it('says so when no interface matches', () => {
    const choice = chooseCarpdev(null, prefixes('192.0.2.1/32', '198.51.100.1/32'), LAN);
    assert.equal(choice.kind, 'none');
    assert.equal(
      describeChoice('carp3', choice as Exclude<CarpdevChoice, { kind: 'keep' }>),
      'carp3: no carpdev chosen: no interface has an address whose subnet holds 192.0.2.1/32 or 198.51.100.1/32; carp3 stays INIT until one has, or carpdev is given',
    );
  });

  it('keeps the carpdev in use while it matches, while nothing matches, and while carpN has no address', () => {
    const twice = [...LAN, parent('br0', '10.77.0.2/16')];
    assert.equal(outcome(chooseCarpdev('br0', prefixes('10.77.0.50/32'), twice)), 'keep', 'it still matches, beside eth0');
    assert.equal(outcome(chooseCarpdev('eth0', prefixes('192.0.2.1/32'), LAN)), 'keep', 'an address in no parent`s subnet');
    assert.equal(outcome(chooseCarpdev('eth0', [], LAN)), 'keep');
    assert.equal(outcome(chooseCarpdev('eth0', prefixes('192.168.2.10/24'), LAN)), 'eth1', 'the addresses moved to another subnet');
    assert.equal(outcome(chooseCarpdev('eth9', prefixes('10.77.0.50/32'), twice)), 'ambiguous', 'the one in use matches no more, two others do');
  });

  it('says which carpdev a choice leaves', () => {
    assert.deepEqual(
      ['eth0', null].flatMap((current) =>
        [chooseCarpdev(current, [], LAN), chooseCarpdev(current, prefixes('192.168.2.10/24'), LAN), chooseCarpdev(null, prefixes('192.0.2.1/32'), LAN)].map((c) =>
          carpdevAfter(current, c),
        ),
      ),
      ['eth0', 'eth1', null, null, 'eth1', null],
    );
  });
});
