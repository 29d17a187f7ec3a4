import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenBucket } from '../../../src/runtime/ratelimit.ts';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('token bucket', () => {
  it('starts full: a burst goes at once, the next token is due after 1/rate', () => {
    const clock = manualClock();
    const bucket = createTokenBucket({ perSecond: 10, burst: 3 }, clock.now);
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
    assert.equal(bucket.reserve(), 100);
    assert.equal(bucket.reserve(), 200, 'each reservation beyond the burst waits its own turn');
    clock.advance(200);
    assert.equal(bucket.reserve(), 100);
  });

  it('tryTake takes only what is there, and refills at the rate up to the burst', () => {
    const clock = manualClock();
    const bucket = createTokenBucket({ perSecond: 2, burst: 2 }, clock.now);
    assert.ok(bucket.tryTake());
    assert.ok(bucket.tryTake());
    assert.equal(bucket.tryTake(), false);
    assert.equal(bucket.nextInMs(), 500);
    clock.advance(500);
    assert.ok(bucket.tryTake());
    clock.advance(60_000);
    assert.ok(bucket.isFull(), 'never more than the burst saved up');
  });

  it('a clock going backwards takes no tokens away', () => {
    const clock = manualClock();
    const bucket = createTokenBucket({ perSecond: 1, burst: 1 }, clock.now);
    clock.advance(-10_000);
    assert.ok(bucket.tryTake());
  });

  it('an aborted wait rejects at once and gives its token back', async () => {
    const bucket = createTokenBucket({ perSecond: 1, burst: 1 });
    await bucket.take();
    const stop = new AbortController();
    const waiting = bucket.take(stop.signal);
    stop.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    assert.ok(bucket.nextInMs() <= 1_000, 'the next caller does not wait for the abandoned turn');
  });

  it('refuses a rate or burst that would never give a token', () => {
    assert.throws(() => createTokenBucket({ perSecond: 0, burst: 1 }));
    assert.throws(() => createTokenBucket({ perSecond: 1, burst: 0 }));
  });
});
