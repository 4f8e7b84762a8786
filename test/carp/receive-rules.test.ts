import assert from 'node:assert/strict';
import { type RuleInput, decide } from '../../src/carp/receive-rules';

/** Ours is (1, 100) with demote 0 unless a test says otherwise. */
function input(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    preempt: false,
    ours: { advbase: 1, advskew: 100 },
    theirs: { advbase: 1, advskew: 100 },
    demoteOurs: 0,
    demoteTheirs: 0,
    bowOut: false,
    willTimeOut: false,
    ...overrides,
  };
}
const better = { advbase: 1, advskew: 50 };
const worse = { advbase: 1, advskew: 150 };
const bowOut = { theirs: { advbase: 255, advskew: 255 }, bowOut: true, willTimeOut: true };

describe('carp/receive-rules', () => {
  it('INIT ignores everything', () => {
    assert.deepEqual(decide('INIT', input({ theirs: worse, preempt: true, demoteTheirs: 9, willTimeOut: true })), { kind: 'ignore' });
  });

  describe('MASTER', () => {
    it('yields to a better or equal advertisement that is not more demoted', () => {
      for (const theirs of [better, { advbase: 1, advskew: 100 }]) {
        assert.deepEqual(decide('MASTER', input({ theirs })), { kind: 'transition', to: 'BACKUP', reason: 'better-master' });
      }
      assert.deepEqual(decide('MASTER', input({ theirs: better, demoteOurs: 2, demoteTheirs: 2 })), {
        kind: 'transition',
        to: 'BACKUP',
        reason: 'better-master',
      });
    });

    it('stays for a worse advertisement, or a better one that is more demoted', () => {
      assert.deepEqual(decide('MASTER', input({ theirs: worse })), { kind: 'ignore' });
      assert.deepEqual(decide('MASTER', input({ theirs: better, demoteTheirs: 1 })), { kind: 'ignore' });
    });

    it('yields to a less demoted master whatever its timing', () => {
      assert.deepEqual(decide('MASTER', input({ theirs: worse, demoteOurs: 1 })), {
        kind: 'transition',
        to: 'BACKUP',
        reason: 'less-demoted-master',
      });
    });

    it('stays MASTER on a bow-out, even a less demoted one (the sender is leaving)', () => {
      assert.deepEqual(decide('MASTER', input({ ...bowOut })), { kind: 'ignore' });
      assert.deepEqual(decide('MASTER', input({ ...bowOut, demoteOurs: 3 })), { kind: 'ignore' });
    });
  });

  describe('BACKUP', () => {
    it('restarts its timer for a better or a slower master without preempt', () => {
      assert.deepEqual(decide('BACKUP', input({ theirs: better })), { kind: 'restart-master-down' });
      assert.deepEqual(decide('BACKUP', input({ theirs: worse })), { kind: 'restart-master-down' });
    });

    it('preempts a slower master when preempt is on and the master is not less demoted', () => {
      assert.deepEqual(decide('BACKUP', input({ theirs: worse, preempt: true })), { kind: 'transition', to: 'MASTER', reason: 'preempt' });
      assert.deepEqual(decide('BACKUP', input({ theirs: worse, preempt: true, demoteOurs: 1 })), { kind: 'restart-master-down' });
      assert.deepEqual(decide('BACKUP', input({ theirs: { advbase: 1, advskew: 100 }, preempt: true })), {
        kind: 'restart-master-down',
      });
    });

    it('takes over from a more demoted master regardless of preempt and timing', () => {
      assert.deepEqual(decide('BACKUP', input({ theirs: better, demoteTheirs: 1 })), {
        kind: 'transition',
        to: 'MASTER',
        reason: 'master-demoted',
      });
    });

    it('takes over from a master that will time out', () => {
      assert.deepEqual(decide('BACKUP', input({ theirs: { advbase: 4, advskew: 0 }, willTimeOut: true })), {
        kind: 'transition',
        to: 'MASTER',
        reason: 'master-will-time-out',
      });
    });

    it('reports a bow-out as bow-out, whichever rule fired', () => {
      const expected = { kind: 'transition', to: 'MASTER', reason: 'bow-out' };
      assert.deepEqual(decide('BACKUP', input({ ...bowOut })), expected);
      assert.deepEqual(decide('BACKUP', input({ ...bowOut, preempt: true })), expected);
      assert.deepEqual(decide('BACKUP', input({ ...bowOut, demoteTheirs: 4 })), expected);
    });

    it('does not take over on a bow-out that will not time out (advbase above 85)', () => {
      assert.deepEqual(decide('BACKUP', input({ ...bowOut, willTimeOut: false })), { kind: 'restart-master-down' });
    });
  });
});
