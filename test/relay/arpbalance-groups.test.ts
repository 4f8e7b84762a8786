import assert from 'node:assert/strict';
import { type GroupShape, arpBalanceGroups } from '../../src/relay/arpbalance-groups';
import { type IpAddress, formatMac, parseIp, virtualMac } from '../../src/wire/address';

const VIP = parseIp('10.77.0.50');

function shape(vhids: number[], addresses: IpAddress[] = [VIP], adminUp = true): GroupShape {
  const leader = vhids[0];
  return { vhids, addresses, adminUp, balancing: leader === undefined ? null : { tapMac: virtualMac(leader) } };
}

/** Each group as "address: port/mac ...". */
function summary(groups: ReturnType<typeof arpBalanceGroups<string>>): string[] {
  return groups.map((g) => `${g.address.toString(16)}: ${g.members.map((m) => `${m.port}/${formatMac(m.mac).slice(-2)}`).join(' ')}`);
}

describe('relay/arpbalance-groups', () => {
  it('groups the interfaces that share an IPv4 address, in ascending vhid order whatever the order given', () => {
    const groups = arpBalanceGroups([
      { port: 'carp3', shape: shape([7]) },
      { port: 'carp0', shape: shape([2]) },
      { port: 'carp1', shape: shape([5]) },
    ]);
    assert.deepEqual(summary(groups), ['a4d0032: carp0/02 carp1/05 carp3/07']);
  });

  it('counts only interfaces that are up with exactly one vhid, as OpenBSD 3.5 counts UP and RUNNING ones', () => {
    const groups = arpBalanceGroups([
      { port: 'down', shape: shape([1], [VIP], false) },
      { port: 'novhid', shape: shape([]) },
      { port: 'carpnodes', shape: shape([3, 4]) },
      { port: 'carp0', shape: shape([5]) },
      { port: 'carp1', shape: shape([6]) },
    ]);
    assert.deepEqual(summary(groups), ['a4d0032: carp0/05 carp1/06']);
  });

  it('forms no group for an address that one member carries, nor for IPv6 addresses', () => {
    const v6 = parseIp('2001:db8::50');
    const groups = arpBalanceGroups([
      { port: 'carp0', shape: shape([1], [VIP, parseIp('10.77.0.51'), v6]) },
      { port: 'carp1', shape: shape([2], [VIP, v6]) },
      { port: 'carp2', shape: shape([3], [parseIp('10.77.0.52')]) },
      { port: 'carp3', shape: shape([4], [VIP]) },
    ]);
    assert.deepEqual(summary(groups), ['a4d0032: carp0/01 carp1/02 carp3/04']);
  });

  it('keeps one group per shared address', () => {
    const other = parseIp('10.77.0.60');
    const groups = arpBalanceGroups([
      { port: 'carp0', shape: shape([1], [VIP, other]) },
      { port: 'carp1', shape: shape([2], [VIP]) },
      { port: 'carp2', shape: shape([3], [other]) },
    ]);
    assert.deepEqual(summary(groups), ['a4d0032: carp0/01 carp1/02', 'a4d003c: carp0/01 carp2/03']);
  });
});
