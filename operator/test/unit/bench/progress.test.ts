// The benchmark's waits (bench/lib/progress.ts, used by the instance tracker
// and the scale scenario's object accounting): a wait that keeps getting
// somewhere goes on until its deadline; one that stops getting anywhere ends
// after the stall window, measured from its last progress.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressWatch, verdictText } from '../../../bench/lib/progress.ts';

const LIMITS = { timeoutMs: 1_000_000, stallMs: 120_000 };

describe('bench progress watch', () => {
  it('a wait with no progress at all stalls a stall window after it started, not before', () => {
    const watch = progressWatch(LIMITS, 1000);
    assert.deepEqual(watch(0, 1000), { going: true });
    assert.deepEqual(watch(0, 121_000), { going: true });
    const v = watch(0, 121_001);
    assert.equal(v.going, false);
    assert.equal(!v.going && v.why, 'stalled');
    assert.equal(!v.going && verdictText(v), 'no progress for 120 s');
  });

  it('each growth restarts the stall window; the same count again does not', () => {
    const watch = progressWatch(LIMITS, 0);
    watch(0, 0);
    assert.deepEqual(watch(5, 100_000), { going: true });
    assert.deepEqual(watch(5, 219_000), { going: true });
    assert.equal(watch(5, 220_001).going, false);
  });

  it('what was already done when the wait started is not progress', () => {
    const watch = progressWatch(LIMITS, 0);
    assert.deepEqual(watch(40, 0), { going: true });
    assert.equal(watch(40, 120_001).going, false);
  });

  it('a wait that keeps progressing still ends at its deadline', () => {
    const watch = progressWatch({ timeoutMs: 300_000, stallMs: 120_000 }, 0);
    for (let t = 0, n = 0; t <= 300_000; t += 60_000, n++) assert.deepEqual(watch(n, t), { going: true });
    const v = watch(99, 300_001);
    assert.equal(!v.going && v.why, 'timed out');
    assert.equal(!v.going && verdictText(v), 'not done after 300 s');
  });
});
