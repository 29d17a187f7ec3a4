import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { truncateUtf8 } from '../../../src/runtime/events.ts';

describe('event note truncation', () => {
  it('leaves short notes alone and cuts long ones to the byte limit, marking the cut', () => {
    assert.equal(truncateUtf8('short', 1024), 'short');
    const cut = truncateUtf8('é'.repeat(1000), 1024);
    assert.ok(Buffer.byteLength(cut) <= 1024);
    assert.ok(cut.endsWith('...'));
    assert.ok(!cut.includes('\uFFFD'), 'no broken characters');
  });
});
