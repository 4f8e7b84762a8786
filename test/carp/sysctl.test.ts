import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import { assertRefused, countingRandom, runningHost } from './helpers';

describe('carp/sysctl', () => {
  it('lists every knob in a stable order with its default', () => {
    assert.deepEqual(new CarpHost({ random: countingRandom() }).listSysctls(), [
      ['net.inet.carp.allow', '1'],
      ['net.inet.carp.preempt', '0'],
      ['net.inet.carp.log', '2'],
      ['net.inet.carp.arpbalance', '0'],
      ['net.inet.carp.demotion', '0'],
      ['net.inet.carp.ifdown_demotion_factor', '240'],
      ['net.inet.carp.senderr_demotion_factor', '240'],
      ['net.inet.carp.dscp', '4'],
      ['net.inet.carp.masterdown', 'classic'],
      ['net.inet.carp.strict_counter', '0'],
      ['net.inet.carp.fastpath', '1'],
    ]);
  });

  it('sets and reads back every knob', () => {
    const host = new CarpHost({ random: countingRandom() });
    const values: [string, string][] = [
      ['net.inet.carp.allow', '0'],
      ['net.inet.carp.preempt', '1'],
      ['net.inet.carp.log', '7'],
      ['net.inet.carp.arpbalance', '1'],
      ['net.inet.carp.ifdown_demotion_factor', '0'],
      ['net.inet.carp.senderr_demotion_factor', '255'],
      ['net.inet.carp.dscp', '56'],
      ['net.inet.carp.masterdown', 'openbsd'],
      ['net.inet.carp.fastpath', '0'],
    ];
    for (const [name, value] of values) {
      host.setSysctl(name, value, 0);
      assert.equal(host.getSysctl(name), value, name);
    }
  });

  it('a write to net.inet.carp.demotion adds to it, as in FreeBSD', () => {
    const host = new CarpHost({ random: countingRandom() });
    host.setSysctl('net.inet.carp.demotion', '5', 0);
    host.setSysctl('net.inet.carp.demotion', '-7', 0);
    assert.equal(host.getSysctl('net.inet.carp.demotion'), '-2');
  });

  const invalid: [string, string, RegExp][] = [
    ['net.inet.carp.allow', '2', /net\.inet\.carp\.allow: "2" is not valid: valid values are 0\|1/],
    ['net.inet.carp.preempt', 'yes', /valid values are 0\|1/],
    ['net.inet.carp.arpbalance', '2', /net\.inet\.carp\.arpbalance: "2" is not valid: valid values are 0\|1/],
    ['net.inet.carp.log', '8', /valid values are 0-7/],
    ['net.inet.carp.log', ' 1', /valid values are 0-7/],
    ['net.inet.carp.ifdown_demotion_factor', '256', /valid values are 0-255/],
    ['net.inet.carp.senderr_demotion_factor', '-1', /valid values are 0-255/],
    ['net.inet.carp.dscp', '64', /valid values are 0-63/],
    ['net.inet.carp.dscp', '1.5', /valid values are 0-63/],
    ['net.inet.carp.masterdown', 'CLASSIC', /valid values are classic\|openbsd/],
    ['net.inet.carp.demotion', 'ten', /an integer to add/],
    ['net.inet.carp.demotion', '1000001', /within -1000000\.\.1000000/],
    ['net.inet.carp.nonsense', '1', /unknown sysctl "net\.inet\.carp\.nonsense": valid names are net\.inet\.carp\.allow, /],
  ];
  for (const [name, value, message] of invalid) {
    it(`refuses ${name}=${JSON.stringify(value)} naming the valid values, and changes nothing`, () => {
      const host = runningHost();
      assertRefused(host, 'bad-sysctl', () => host.setSysctl(name, value, 10), message);
    });
  }

  it('refuses a demotion write that would take the total out of range', () => {
    const host = runningHost();
    host.setSysctl('net.inet.carp.demotion', '-999999', 0);
    assertRefused(host, 'bad-sysctl', () => host.setSysctl('net.inet.carp.demotion', '-2', 10), /-1000001 is out of range/);
  });

  it('reading an unknown knob is bad-sysctl', () => {
    assert.throws(() => new CarpHost().getSysctl('net.inet.carp.stats'), /unknown sysctl/);
  });

  it('sets several knobs all or none: one bad value refuses the whole list', () => {
    const host = runningHost();
    const list = [
      { name: 'net.inet.carp.preempt', value: '1' },
      { name: 'net.inet.carp.demotion', value: '10' },
      { name: 'net.inet.carp.dscp', value: '64' },
    ];
    assertRefused(host, 'bad-sysctl', () => host.setSysctls(list, 10), /net\.inet\.carp\.dscp: "64" is not valid: valid values are 0-63/);
    host.setSysctls([...list.slice(0, 2), { name: 'net.inet.carp.dscp', value: '56' }], 10);
    assert.equal(host.getSysctl('net.inet.carp.preempt'), '1');
    assert.equal(host.getSysctl('net.inet.carp.demotion'), '10');
    assert.equal(host.getSysctl('net.inet.carp.dscp'), '56');
  });

  it('checks each write against the ones before it in the same list', () => {
    const host = runningHost();
    const list = [
      { name: 'net.inet.carp.demotion', value: '600000' },
      { name: 'net.inet.carp.demotion', value: '600000' },
    ];
    assertRefused(host, 'bad-sysctl', () => host.setSysctls(list, 10), /1200000 is out of range/);
  });

  it('checkSysctl refuses what setSysctl would, and changes nothing either way', () => {
    const host = runningHost();
    assertRefused(host, 'bad-sysctl', () => host.checkSysctl('net.inet.carp.log', '8'), /valid values are 0-7/);
    const before = host.listSysctls();
    host.checkSysctl('net.inet.carp.log', '7');
    assert.deepEqual(host.listSysctls(), before);
  });
});
