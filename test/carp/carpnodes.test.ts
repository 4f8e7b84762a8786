import assert from 'node:assert/strict';
import { checkCarpnodes } from '../../src/carp/carpnodes';
import { CarpError } from '../../src/carp/errors';

function refused(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof CarpError, `expected a CarpError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };
}

const nodes = (count: number): { vhid: number; advskew: number }[] => Array.from({ length: count }, (_, i) => ({ vhid: i + 1, advskew: 0 }));

describe('checkCarpnodes', () => {
  it('sorts by vhid, so the lowest vhid leads, and leaves the input alone', () => {
    const given = [
      { vhid: 6, advskew: 100 },
      { vhid: 3, advskew: 0 },
      { vhid: 4, advskew: 0 },
    ];
    assert.deepEqual(checkCarpnodes(given), [
      { vhid: 3, advskew: 0 },
      { vhid: 4, advskew: 0 },
      { vhid: 6, advskew: 100 },
    ]);
    assert.equal(given[0]?.vhid, 6);
  });

  it('accepts the ends of every range', () => {
    assert.equal(checkCarpnodes(nodes(32)).length, 32);
    assert.deepEqual(checkCarpnodes([{ vhid: 254, advskew: 254 }, { vhid: 1, advskew: 0 }]), [
      { vhid: 1, advskew: 0 },
      { vhid: 254, advskew: 254 },
    ]);
  });

  it('refuses vhid 0 and 255 and advskew 255, naming the range', () => {
    assert.throws(() => checkCarpnodes([{ vhid: 0, advskew: 0 }]), refused('out-of-range', /^carpnodes vhid 0 is out of range: valid values are 1-254$/));
    assert.throws(() => checkCarpnodes([{ vhid: 255, advskew: 0 }]), refused('out-of-range', /^carpnodes vhid 255 is out of range: valid values are 1-254$/));
    assert.throws(() => checkCarpnodes([{ vhid: 1, advskew: 255 }]), refused('out-of-range', /^carpnodes advskew 255 is out of range: valid values are 0-254$/));
    assert.throws(() => checkCarpnodes([{ vhid: 1.5, advskew: 0 }]), refused('out-of-range', /valid values are 1-254/));
  });

  it('refuses no carpnode and more than 32', () => {
    assert.throws(() => checkCarpnodes([]), refused('out-of-range', /^number of carpnodes 0 is out of range: valid values are 1-32$/));
    assert.throws(() => checkCarpnodes(nodes(33)), refused('out-of-range', /^number of carpnodes 33 is out of range: valid values are 1-32$/));
  });

  it('refuses a vhid given twice', () => {
    const twice = [
      { vhid: 2, advskew: 0 },
      { vhid: 1, advskew: 0 },
      { vhid: 2, advskew: 100 },
    ];
    assert.throws(() => checkCarpnodes(twice), refused('bad-value', /^carpnodes: vhid 2 is given twice: every carpnode needs its own vhid$/));
  });
});
