import assert from 'node:assert/strict';
import { parseInterfaceFile } from '../../src/config/config-files';
import type { InterfaceFileConfig, ResolvedInterfaceSettings } from '../../src/config/settings';
import { sysctlChanges } from '../../src/daemon/config-directory';
import { fileChange, sameFile } from '../../src/daemon/file-change';
import { formatPrefix } from '../../src/wire/address';

/** A carp0.conf of `text` as the daemon gets it (no passfile in these). */
function file(text: string): InterfaceFileConfig {
  const parsed = parseInterfaceFile('carp0.conf', text);
  return { ifname: 'carp0', file: 'carp0.conf', settings: parsed.settings as ResolvedInterfaceSettings, addresses: parsed.addresses };
}

describe('reload: what an edited carpN.conf changes (file-change.ts)', () => {
  const base = 'vhid 1 advskew 100 pass secret carpdev eth0 group fw\ninet 10.0.0.50/24\n';

  it('is nothing for the same words, whatever their order and comments', () => {
    const moved = file('# moved around\ncarpdev eth0 group fw\ninet 10.0.0.50/24\npass secret advskew 100 vhid 1\n');
    assert.ok(sameFile(file(base), moved));
    assert.deepEqual(fileChange(file(base), moved, ['fw']), { settings: {}, addressesAdded: [], addressesRemoved: [] });
  });

  it('gives only the words that changed', () => {
    const change = fileChange(file(base), file(base.replace('advskew 100', 'advskew 50').replace('eth0', 'eth1')), ['fw']);
    assert.deepEqual(change.settings, { nodes: [{ vhid: 1, advskew: 50 }], carpdev: 'eth1' });
    assert.ok(!sameFile(file(base), file(base.replace('secret', 'other'))), 'a new passphrase is a change');
  });

  it('gives carpver with its vhid, and the VRRP words of a new vhid or those that changed', () => {
    const vrrp = (words: string): InterfaceFileConfig => file(`${words} carpdev eth0\ninet 10.0.0.50/24\n`);
    const v7 = vrrp('vhid 7 carpver 3 vrrpprio 200');
    assert.deepEqual(fileChange(v7, vrrp('vhid 7 carpver 3 vrrpprio 150'), []).settings, { vrrpPriority: 150 });
    assert.deepEqual(fileChange(v7, vrrp('vhid 8 carpver 3 vrrpprio 200'), []).settings, { vhid: 8, carpver: 3, vrrpPriority: 200, vrrpInterval: 100 });
    assert.deepEqual(fileChange(v7, vrrp('vhid 7'), []).settings, { vhid: 7, carpver: 2, advskew: 0 });
    assert.deepEqual(fileChange(vrrp('vhid 7'), v7, []).settings, { vhid: 7, carpver: 3, vrrpPriority: 200, vrrpInterval: 100 });
  });

  it('sets a word taken out of the file back to its default', () => {
    const change = fileChange(file(`advbase 3 balancing none ${base}`), file('vhid 1\ninet 10.0.0.50/24\n'), ['fw']);
    assert.deepEqual(change.settings, {
      advbase: 1,
      nodes: [{ vhid: 1, advskew: 0 }],
      pass: { kind: 'none' },
      carpdev: null,
      balancing: 'none',
      groupsRemoved: ['fw'],
    });
  });

  it('adds and removes groups and addresses by difference, and only what the interface has or lacks', () => {
    const change = fileChange(file(base), file(`${base.replace('group fw', 'group lb')}inet 10.0.0.51/24\n`), ['lb']);
    assert.deepEqual(change.settings, {}, 'lb was added by hand already, fw was removed by hand already');
    assert.deepEqual(change.addressesAdded.map(formatPrefix), ['10.0.0.51/24']);
    const moved = fileChange(file(base), file(base.replace('10.0.0.50', '10.0.0.52')), ['fw']);
    assert.deepEqual(moved.addressesAdded.map(formatPrefix), ['10.0.0.52/24']);
    assert.deepEqual(moved.addressesRemoved.map(formatPrefix), ['10.0.0.50/24']);
  });

  it('leaves the up state alone unless the file says up or down', () => {
    assert.deepEqual(fileChange(file(`down ${base}`), file(base), ['fw']).settings, {});
    assert.deepEqual(fileChange(file(base), file(`down ${base}`), ['fw']).settings, { up: false });
  });
});

describe('reload: what an edited sysctl.conf changes (sysctlChanges)', () => {
  const preempt = { name: 'net.inet.carp.preempt', value: '1' };

  it('sets what changed and the default of a name taken out, and nothing else', () => {
    const log = { name: 'net.inet.carp.log', value: '7' };
    assert.deepEqual(sysctlChanges([preempt, log], [preempt]), [{ name: 'net.inet.carp.log', value: '2' }]);
    assert.deepEqual(sysctlChanges([preempt], [preempt]), []);
    assert.deepEqual(sysctlChanges([], [preempt]), [preempt]);
  });

  it('moves the demotion adjustment by the difference of the two files', () => {
    const demotion = (value: string): { name: string; value: string } => ({ name: 'net.inet.carp.demotion', value });
    assert.deepEqual(sysctlChanges([demotion('5')], [demotion('2')]), [demotion('-3')]);
    assert.deepEqual(sysctlChanges([demotion('5')], []), [demotion('-5')]);
    assert.deepEqual(sysctlChanges([demotion('5')], [demotion('+5')]), []);
  });
});
