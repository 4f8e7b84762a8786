import assert from 'node:assert/strict';
import {
  SKEW_STEP_MS,
  advertisementInterval,
  compareTiming,
  effectiveAdvskew,
  masterDownInterval,
  masterWillTimeOut,
} from '../../src/carp/timing';

describe('carp/timing', () => {
  it('one advskew step is 1/256 s = 3.90625 ms, exact in a double', () => {
    assert.equal(SKEW_STEP_MS, 3.90625);
    assert.equal(100 * SKEW_STEP_MS, 390.625);
  });

  it('advertisement interval = advbase + advskew/256 s, and 1/256 s when both are 0', () => {
    assert.equal(advertisementInterval(1, 0), 1000);
    assert.equal(advertisementInterval(1, 100), 1390.625);
    assert.equal(advertisementInterval(0, 128), 500);
    assert.equal(advertisementInterval(255, 255), 255_996.09375);
    assert.equal(advertisementInterval(0, 0), 3.90625);
  });

  it('classic master-down: 3 * advbase + advskew/256, with the advbase-0 special cases', () => {
    assert.equal(masterDownInterval('classic', 1, 0), 3000);
    assert.equal(masterDownInterval('classic', 1, 100), 3390.625);
    assert.equal(masterDownInterval('classic', 2, 254), 6000 + 254 * 3.90625);
    assert.equal(masterDownInterval('classic', 0, 100), 3 * 390.625);
    assert.equal(masterDownInterval('classic', 0, 0), 3 * 3.90625);
  });

  it('openbsd master-down: 3 * (advbase + advskew/256), at least 3/256 s', () => {
    assert.equal(masterDownInterval('openbsd', 1, 0), 3000);
    assert.equal(masterDownInterval('openbsd', 1, 100), 3 * 1390.625);
    assert.equal(masterDownInterval('openbsd', 0, 100), 3 * 390.625);
    assert.equal(masterDownInterval('openbsd', 0, 0), 3 * 3.90625);
  });

  it('compares (advbase, advskew) lexicographically, smaller advertises more often', () => {
    assert.ok(compareTiming({ advbase: 1, advskew: 0 }, { advbase: 1, advskew: 1 }) < 0);
    assert.ok(compareTiming({ advbase: 1, advskew: 254 }, { advbase: 2, advskew: 0 }) < 0);
    assert.ok(compareTiming({ advbase: 2, advskew: 0 }, { advbase: 1, advskew: 254 }) > 0);
    assert.equal(compareTiming({ advbase: 3, advskew: 7 }, { advbase: 3, advskew: 7 }), 0);
  });

  it('effective advskew: raw without demotion, FreeBSD clamp 0-240 with it', () => {
    assert.equal(effectiveAdvskew(100, 0), 100);
    assert.equal(effectiveAdvskew(100, 50), 150);
    assert.equal(effectiveAdvskew(100, 240), 240);
    assert.equal(effectiveAdvskew(100, -30), 70);
    assert.equal(effectiveAdvskew(100, -500), 0);
  });

  it('effective advskew: demotion never makes an advskew above 240 look better', () => {
    assert.equal(effectiveAdvskew(250, 240), 250);
    assert.equal(effectiveAdvskew(250, 0), 250);
    assert.equal(effectiveAdvskew(250, -10), 240);
    assert.equal(effectiveAdvskew(254, 1), 254);
  });

  describe('masterWillTimeOut', () => {
    const ours = (advbase: number, skew: number, masterDown = 0) => ({ advbase, effectiveAdvskew: skew, masterDown });

    it('advbase != 0: OpenBSD (3 * advbase s, advskew/256 s) < (their advbase, advskew)', () => {
      assert.equal(masterWillTimeOut(ours(1, 0), { advbase: 3, advskew: 1 }), true);
      assert.equal(masterWillTimeOut(ours(1, 0), { advbase: 3, advskew: 0 }), false);
      assert.equal(masterWillTimeOut(ours(1, 100), { advbase: 3, advskew: 100 }), false);
      assert.equal(masterWillTimeOut(ours(1, 100), { advbase: 3, advskew: 101 }), true);
      assert.equal(masterWillTimeOut(ours(1, 0), { advbase: 1, advskew: 0 }), false);
    });

    it('advbase != 0: a bow-out (255/255) times out for advbase <= 85 only', () => {
      const bowOut = { advbase: 255, advskew: 255 };
      assert.equal(masterWillTimeOut(ours(1, 0), bowOut), true);
      assert.equal(masterWillTimeOut(ours(85, 254), bowOut), true);
      assert.equal(masterWillTimeOut(ours(86, 0), bowOut), false);
    });

    it('advbase 0 (our extension): our master-down interval against their advertisement interval', () => {
      const md = masterDownInterval('classic', 0, 100); // 1171.875 ms
      assert.equal(masterWillTimeOut(ours(0, 100, md), { advbase: 255, advskew: 255 }), true);
      assert.equal(masterWillTimeOut(ours(0, 100, md), { advbase: 1, advskew: 172 }), true); // 1671.875 ms
      assert.equal(masterWillTimeOut(ours(0, 100, md), { advbase: 1, advskew: 44 }), false); // 1171.875 ms: equal
      assert.equal(masterWillTimeOut(ours(0, 100, md), { advbase: 0, advskew: 50 }), false);
    });
  });
});
