import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatCLIInstanceStatus } from '../../../src/api/chatcliinstance.ts';
import { computeStatus } from '../../../src/status/compute.ts';
import { statusChanged } from '../../../src/status/equal.ts';
import { statusSummary } from '../../../src/status/summary.ts';
import { LATER, NOW, container, deployment, instance, pod, waiting } from './fixtures.ts';

const status: ChatCLIInstanceStatus = {
  ready: true,
  replicas: 1,
  readyReplicas: 1,
  observedGeneration: 1,
  conditions: [
    { type: 'Available', status: 'True', observedGeneration: 1, lastTransitionTime: NOW, reason: 'AllReplicasReady', message: '1/1 replicas ready' },
    { type: 'PodsHealthy', status: 'True', observedGeneration: 1, lastTransitionTime: NOW, reason: 'NoFailuresSeen', message: 'fine' },
  ],
};

describe('statusChanged', () => {
  it('false for identical content with keys in another order', () => {
    const reordered = JSON.parse('{"conditions":[{"message":"1/1 replicas ready","reason":"AllReplicasReady","lastTransitionTime":"' + NOW + '","observedGeneration":1,"status":"True","type":"Available"},{"type":"PodsHealthy","status":"True","observedGeneration":1,"lastTransitionTime":"' + NOW + '","reason":"NoFailuresSeen","message":"fine"}],"observedGeneration":1,"readyReplicas":1,"replicas":1,"ready":true}');
    assert.equal(statusChanged(status, reordered), false);
  });

  it('false when only the order of conditions differs, or a field is undefined rather than absent', () => {
    assert.equal(statusChanged(status, { ...status, conditions: [...(status.conditions ?? [])].reverse(), observedGeneration: 1 }), false);
    assert.equal(statusChanged({ ready: false }, { ready: false, replicas: undefined }), false);
  });

  it('true when a message, a count or the generation differs, and for a first status', () => {
    const [available, pods] = status.conditions ?? [];
    assert.ok(available && pods);
    assert.equal(statusChanged(status, { ...status, conditions: [{ ...available, message: '0/1 replicas ready' }, pods] }), true);
    assert.equal(statusChanged(status, { ...status, readyReplicas: 0 }), true);
    assert.equal(statusChanged(status, { ...status, observedGeneration: 2 }), true);
    assert.equal(statusChanged(undefined, status), true);
  });

  it('a condition another controller added is no change: only the types we write count', () => {
    const foreign = { type: 'example.com/Audited', status: 'True' as const, lastTransitionTime: NOW, reason: 'Checked', message: 'by someone else' };
    assert.equal(statusChanged({ ...status, conditions: [...(status.conditions ?? []), foreign] }, status), false);
  });

  it('a recomputation over an unchanged world is no change, however much later', () => {
    const world = { deployment: deployment({ desired: 1 }), pods: [], secretKeys: {} };
    const first = computeStatus({ instance: instance(), ...world, now: NOW });
    const again = computeStatus({ instance: instance({ status: first }), ...world, now: LATER });
    assert.equal(statusChanged(first, again), false);
  });
});

describe('statusSummary', () => {
  it('one line: the replica count, then every failing condition', () => {
    const s = computeStatus({
      instance: instance({ spec: { replicas: 2 } }),
      deployment: deployment({ desired: 2, ready: 1 }),
      pods: [pod('chat-x', container({ image: 'img:bad', ...waiting('ImagePullBackOff') }))],
      secretKeys: {},
      now: NOW,
    });
    assert.equal(statusSummary(s), '1/2 replicas ready; pod chat-x: container chatcli cannot pull image "img:bad"');
  });

  it('a healthy instance is summed up by its replica count', () => {
    assert.equal(statusSummary(status), '1/1 replicas ready');
  });
});
