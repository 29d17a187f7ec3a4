import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../../src/runtime/duration.ts';

describe('durations', () => {
  it('reads Go durations as Kubernetes flags take them', () => {
    assert.equal(parseDuration('10h'), 36_000_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('15s'), 15_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('2m3s'), 123_000);
    assert.equal(parseDuration('0'), 0);
  });

  it('refuses a bare number, an unknown unit and an empty string', () => {
    assert.throws(() => parseDuration('10'), /not a duration/);
    assert.throws(() => parseDuration('10d'), /not a duration/);
    assert.throws(() => parseDuration(''), /not a duration/);
    assert.throws(() => parseDuration('-5s'), /not a duration/);
  });

  it('writes the shortest text that reads back the same', () => {
    for (const ms of [36_000_000, 5_400_000, 15_000, 2_000, 500, 1_500, 0]) assert.equal(parseDuration(formatDuration(ms)), ms);
    assert.equal(formatDuration(36_000_000), '10h');
    assert.equal(formatDuration(15_000), '15s');
  });
});
