import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delayForAttempt, exponentialBackoff, sleep } from '../../../src/runtime/backoff.ts';

describe('backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    assert.deepEqual([0, 1, 2, 3, 20, 5000].map((n) => delayForAttempt(n, 800, 30_000)), [800, 1600, 3200, 6400, 30_000, 30_000]);
  });

  it('starts over after reset, and jitter only ever lengthens a delay within the cap', () => {
    const b = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 });
    const first = b.next();
    const second = b.next();
    assert.ok(first >= 100 && first <= 150);
    assert.ok(second >= 200 && second <= 300);
    for (let i = 0; i < 10; i++) assert.ok(b.next() <= 1000);
    b.reset();
    assert.ok(b.next() <= 150);
  });

  it('sleep rejects with the abort reason as soon as its signal aborts', async () => {
    const ac = new AbortController();
    const began = Date.now();
    const slept = sleep(10_000, ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await assert.rejects(slept, /stop/);
    assert.ok(Date.now() - began < 1000);
    await assert.rejects(sleep(10, AbortSignal.abort(new Error('already'))), /already/);
  });
});
