import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../../src/api/chatcliinstance.ts';
import { MAX_MESSAGE_LENGTH } from '../../../src/status/condition-types.ts';
import { clipMessage, conditionTime, findCondition, setCondition } from '../../../src/status/conditions.ts';
import { LATER, NOW } from './fixtures.ts';

const available: Condition = { type: 'Available', status: 'False', observedGeneration: 1, lastTransitionTime: NOW, reason: 'ReplicasNotReady', message: '0/1 replicas ready' };
const reconciled: Condition = { type: 'ReconcileSucceeded', status: 'True', observedGeneration: 1, lastTransitionTime: NOW, reason: 'ReconcileSucceeded', message: 'ok' };

describe('setCondition', () => {
  it('adds a new condition at the end, its lastTransitionTime now', () => {
    const list = setCondition([available], { type: 'PodsHealthy', status: 'True', reason: 'NoFailuresSeen', message: 'fine', observedGeneration: 1 }, LATER);
    assert.deepEqual(list.map((c) => c.type), ['Available', 'PodsHealthy']);
    assert.equal(list[1]?.lastTransitionTime, LATER);
  });

  it('keeps lastTransitionTime when only the message, reason and generation change', () => {
    const list = setCondition([available, reconciled], { type: 'Available', status: 'False', reason: 'RolloutInProgress', message: '1/2 replicas ready', observedGeneration: 2 }, LATER);
    assert.deepEqual(list[0], { type: 'Available', status: 'False', observedGeneration: 2, lastTransitionTime: NOW, reason: 'RolloutInProgress', message: '1/2 replicas ready' });
    assert.deepEqual(list.map((c) => c.type), ['Available', 'ReconcileSucceeded'], 'position kept');
  });

  it('moves lastTransitionTime when the status flips', () => {
    const list = setCondition([available, reconciled], { type: 'Available', status: 'True', reason: 'AllReplicasReady', message: '1/1 replicas ready', observedGeneration: 1 }, LATER);
    assert.equal(findCondition(list, 'Available')?.lastTransitionTime, LATER);
    assert.equal(findCondition(list, 'ReconcileSucceeded')?.lastTransitionTime, NOW, 'others untouched');
  });

  it('leaves the given list unmodified', () => {
    const existing = [available];
    setCondition(existing, { type: 'Available', status: 'True', reason: 'AllReplicasReady', message: '1/1 replicas ready' }, LATER);
    assert.equal(existing[0], available);
    assert.equal(available.status, 'False');
  });

  it('writes no observedGeneration key when none is given', () => {
    const [c] = setCondition([], { type: 'Available', status: 'Unknown', reason: 'R', message: 'm' }, NOW);
    assert.equal(c !== undefined && 'observedGeneration' in c, false);
  });
});

describe('conditionTime', () => {
  it('formats whole seconds in UTC, as metav1.Time does', () => {
    assert.equal(conditionTime(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05Z');
  });
});

describe('clipMessage', () => {
  it('keeps a short message and cuts a long one to the limit, saying so', () => {
    assert.equal(clipMessage('short'), 'short');
    const clipped = clipMessage('x'.repeat(MAX_MESSAGE_LENGTH * 3));
    assert.equal(clipped.length, MAX_MESSAGE_LENGTH);
    assert.match(clipped, /\(truncated\)$/);
  });
});
