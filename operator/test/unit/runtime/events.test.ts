import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEventCorrelator, truncateUtf8 } from '../../../src/runtime/events.ts';

describe('event note truncation', () => {
  it('leaves short notes alone and cuts long ones to the byte limit, marking the cut', () => {
    assert.equal(truncateUtf8('short', 1024), 'short');
    const cut = truncateUtf8('é'.repeat(1000), 1024);
    assert.ok(Buffer.byteLength(cut) <= 1024);
    assert.ok(cut.endsWith('...'));
    assert.ok(!cut.includes('\uFFFD'), 'no broken characters');
  });
});

describe('event spam filter and series', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };
  const REF = { namespace: 'ns', name: 'ev.1' };

  it('the same event a thousand times in a burst is one create and one series update, carrying every count', () => {
    const c = clock();
    const correlator = createEventCorrelator({ now: c.now, seriesUpdateMs: 30_000 });
    assert.deepEqual(correlator.observe('failed', 'obj'), { write: 'create' });
    correlator.created('failed', REF);
    const writes = [];
    for (let i = 0; i < 999; i++) {
      c.advance(5);
      const o = correlator.observe('failed', 'obj');
      if (o.write !== 'none') writes.push(o);
    }
    assert.deepEqual(writes, [{ write: 'series', inMs: 30_000 - 5 }], 'one series write, due 30 s after the create');
    assert.equal(correlator.writingSeries('failed'), 1000);
    c.advance(1_000);
    assert.deepEqual(correlator.observe('failed', 'obj'), { write: 'series', inMs: 29_000 }, 'the next update waits for the interval again');
  });

  it('a repeat after a quiet interval is written at once', () => {
    const c = clock();
    const correlator = createEventCorrelator({ now: c.now, seriesUpdateMs: 30_000 });
    correlator.observe('e', 'obj');
    correlator.created('e', REF);
    c.advance(60_000);
    assert.deepEqual(correlator.observe('e', 'obj'), { write: 'series', inMs: 0 });
  });

  it('new events about one object: 25 at once, then one every 5 minutes; other objects have their own budget', () => {
    const c = clock();
    const correlator = createEventCorrelator({ now: c.now });
    const outcomes = Array.from({ length: 30 }, (_, i) => correlator.observe(`reason-${i}`, 'obj').write);
    assert.deepEqual(outcomes, [...Array(25).fill('create'), ...Array(5).fill('none')]);
    assert.deepEqual(correlator.observe('reason-x', 'obj'), { write: 'none', why: 'spam' });
    assert.equal(correlator.observe('reason-y', 'other-obj').write, 'create');
    c.advance(5 * 60_000);
    assert.equal(correlator.observe('reason-z', 'obj').write, 'create');
    assert.equal(correlator.observe('reason-w', 'obj').write, 'none');
  });

  it('a repeat after the aggregation window starts a new event; a forgotten one too', () => {
    const c = clock();
    const correlator = createEventCorrelator({ now: c.now, windowMs: 10 * 60_000 });
    correlator.observe('e', 'obj');
    correlator.created('e', REF);
    c.advance(10 * 60_000 + 1);
    assert.equal(correlator.observe('e', 'obj').write, 'create');
    correlator.forget('e');
    assert.equal(correlator.observe('e', 'obj').write, 'create');
  });

  it('repeats while the create is on its way are counted, not written', () => {
    const correlator = createEventCorrelator({ now: () => 0 });
    correlator.observe('e', 'obj');
    assert.deepEqual(correlator.observe('e', 'obj'), { write: 'none', why: 'counted' });
    assert.equal(correlator.writingSeries('e'), undefined, 'nothing to patch before the event exists');
    correlator.created('e', REF);
    assert.equal(correlator.series('e')?.count, 2);
  });
});
