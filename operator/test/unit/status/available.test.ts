// READY through routine changes: a rollout, a scale-up or a template change
// that keeps the replicas ready before it serving is not an outage; pods the
// Deployment cannot create are, in the API server's words. Each scenario walks
// the Deployment's status through the steps its controller takes, feeding each
// computed status back in as the instance's last status, as the reconciler does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatCLIInstanceStatus } from '../../../src/api/chatcliinstance.ts';
import { maxUnavailable, servingFloor } from '../../../src/status/available.ts';
import { computeStatus } from '../../../src/status/compute.ts';
import { AvailableReason, ConditionType, PodsReason, ReconcileReason } from '../../../src/status/condition-types.ts';
import { findCondition } from '../../../src/status/conditions.ts';
import { NOW, deployment, instance, type DeploymentState } from './fixtures.ts';

const POD_SECURITY_REFUSAL =
  'pods "chat-7d9c5b-x2k4q" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")';

/** Each step's [ready, Available reason], the status of one step being the previous status of the next. */
function walk(steps: DeploymentState[], start?: ChatCLIInstanceStatus): [boolean | undefined, string | undefined][] {
  let status = start;
  return steps.map((step) => {
    status = computeStatus({ instance: instance({ spec: { replicas: step.desired }, ...(status ? { status } : {}) }), deployment: deployment(step), pods: [], now: NOW });
    const available = findCondition(status.conditions, ConditionType.Available);
    return [status.ready, available?.reason];
  });
}

const SERVING: [boolean, string] = [true, AvailableReason.ServingDuringRollout];
const ALL_READY: [boolean, string] = [true, AvailableReason.AllReplicasReady];

describe('READY through routine changes', () => {
  it('a template change of 3 replicas (surge one, none unavailable) stays ready at every step', () => {
    // generation 2: the new template, seen by the controller at step 2.
    const steps: DeploymentState[] = [
      { desired: 3 },
      { desired: 3, generation: 2, observedGeneration: 1 },
      { desired: 3, generation: 2, current: 4, updated: 1, ready: 3 },
      { desired: 3, generation: 2, current: 4, updated: 1, ready: 4 },
      { desired: 3, generation: 2, current: 3, updated: 1, ready: 3 },
      { desired: 3, generation: 2, current: 4, updated: 2, ready: 3 },
      { desired: 3, generation: 2, current: 4, updated: 3, ready: 4 },
      { desired: 3, generation: 2, current: 3, updated: 3, ready: 3 },
    ];
    assert.deepEqual(walk(steps), [ALL_READY, SERVING, SERVING, SERVING, SERVING, SERVING, SERVING, ALL_READY]);
  });

  it('a template change of 4 replicas may go down to the rolling-update budget (4 - 25%) and stays ready', () => {
    const steps: DeploymentState[] = [
      { desired: 4 },
      { desired: 4, generation: 2, current: 5, updated: 2, ready: 3 },
      { desired: 4, generation: 2, current: 5, updated: 3, ready: 4 },
      { desired: 4, generation: 2, current: 4, updated: 4, ready: 3 },
      { desired: 4, generation: 2 },
    ];
    assert.deepEqual(walk(steps), [ALL_READY, SERVING, SERVING, SERVING, ALL_READY]);
  });

  it('a scale-up from 3 to 6 stays ready while the 3 serve, though the Deployment itself reports MinimumReplicasUnavailable', () => {
    const unavailable = [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }];
    const steps: DeploymentState[] = [
      { desired: 3 },
      { desired: 6, generation: 2, observedGeneration: 1, current: 3, updated: 3, ready: 3 },
      { desired: 6, generation: 2, ready: 3, conditions: unavailable },
      { desired: 6, generation: 2, ready: 5 },
      { desired: 6, generation: 2 },
    ];
    assert.deepEqual(walk(steps), [ALL_READY, SERVING, SERVING, SERVING, ALL_READY]);
  });

  it('a scale-down stays ready', () => {
    const steps: DeploymentState[] = [{ desired: 5 }, { desired: 2, generation: 2, current: 5, ready: 5, updated: 2 }, { desired: 2, generation: 2 }];
    assert.deepEqual(walk(steps), [ALL_READY, SERVING, ALL_READY]);
  });

  it('a replica lost in steady state turns READY false, though the Deployment budget would allow it: no change is under way', () => {
    assert.deepEqual(walk([{ desired: 4 }, { desired: 4, ready: 3 }]), [ALL_READY, [false, AvailableReason.ReplicasNotReady]]);
  });

  it('a pod deleted or evicted and being replaced is within the budget: 4 replicas stay ready, 3 do not', () => {
    assert.deepEqual(walk([{ desired: 4 }, { desired: 4, current: 4, updated: 3, ready: 3 }, { desired: 4 }]), [ALL_READY, SERVING, ALL_READY]);
    assert.deepEqual(walk([{ desired: 3 }, { desired: 3, current: 3, updated: 2, ready: 2 }]), [ALL_READY, [false, AvailableReason.RolloutInProgress]]);
  });

  it('a scale-up first seen with every new pod already made (none ready yet) is still a scale: the last status had another size', () => {
    assert.deepEqual(walk([{ desired: 3 }, { desired: 6, generation: 2, ready: 3 }, { desired: 6, generation: 2 }]), [ALL_READY, SERVING, ALL_READY]);
  });

  it('a replica lost during a scale-up turns READY false; it comes back only when every replica is ready', () => {
    const steps: DeploymentState[] = [
      { desired: 3 },
      { desired: 5, generation: 2, ready: 3 },
      { desired: 5, generation: 2, ready: 2 },
      { desired: 5, generation: 2, ready: 4 },
      { desired: 5, generation: 2 },
    ];
    assert.deepEqual(walk(steps), [ALL_READY, SERVING, [false, AvailableReason.ReplicasNotReady], [false, AvailableReason.ReplicasNotReady], ALL_READY]);
  });

  it('a rollout going below the budget turns READY false', () => {
    const steps: DeploymentState[] = [{ desired: 4 }, { desired: 4, generation: 2, current: 5, updated: 2, ready: 2 }];
    assert.deepEqual(walk(steps), [ALL_READY, [false, AvailableReason.RolloutInProgress]]);
  });

  it('Recreate (sessions on a one-node claim) has no budget: its pod gone is an outage', () => {
    const recreate = { type: 'Recreate' };
    const steps: DeploymentState[] = [{ desired: 1, strategy: recreate }, { desired: 1, generation: 2, current: 0, updated: 0, ready: 0, strategy: recreate }];
    assert.deepEqual(walk(steps), [ALL_READY, [false, AvailableReason.RolloutInProgress]]);
  });

  it('a new instance becomes ready only when every replica is ready and up to date', () => {
    const steps: DeploymentState[] = [{ desired: 3, ready: 0 }, { desired: 3, ready: 2 }, { desired: 3 }];
    assert.deepEqual(walk(steps), [[false, AvailableReason.ReplicasNotReady], [false, AvailableReason.ReplicasNotReady], ALL_READY]);
  });

  it('scaling to zero from a ready instance stays ready until the last pod is gone', () => {
    const steps: DeploymentState[] = [{ desired: 2 }, { desired: 0, generation: 2, current: 2, ready: 1, updated: 0 }, { desired: 0, generation: 2, current: 1, ready: 0, updated: 0 }, { desired: 0, generation: 2 }];
    assert.deepEqual(walk(steps), [ALL_READY, SERVING, SERVING, [true, AvailableReason.ScaledToZero]]);
  });

  it('the message says a rollout is under way and how many stay ready', () => {
    let status = computeStatus({ instance: instance({ spec: { replicas: 3 } }), deployment: deployment({ desired: 3 }), now: NOW });
    status = computeStatus({ instance: instance({ spec: { replicas: 3 }, status }), deployment: deployment({ desired: 3, generation: 2, current: 4, updated: 1, ready: 3 }), now: NOW });
    assert.equal(findCondition(status.conditions, ConditionType.Available)?.message, '3/3 replicas ready; rollout in progress: 1/3 replicas updated; serving meanwhile (at least 3 ready)');
    status = computeStatus({ instance: instance({ spec: { replicas: 5 }, status }), deployment: deployment({ desired: 5, generation: 3, ready: 3 }), now: NOW });
    assert.equal(findCondition(status.conditions, ConditionType.Available)?.message, '3/5 replicas ready; 2 not ready yet; serving meanwhile (at least 3 ready)');
  });
});

describe('what the Deployment cannot do', () => {
  const refused = { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: POD_SECURITY_REFUSAL };

  it('pods refused by Pod Security: Available and PodsHealthy False in the API server words, ReconcileSucceeded still True', () => {
    const status = computeStatus({
      instance: instance(),
      deployment: deployment({ desired: 1, current: 0, updated: 0, ready: 0, conditions: [refused, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] }),
      pods: [],
      now: NOW,
    });
    const available = findCondition(status.conditions, ConditionType.Available);
    const pods = findCondition(status.conditions, ConditionType.PodsHealthy);
    assert.deepEqual([status.ready, available?.reason, available?.message], [false, AvailableReason.ReplicaFailure, `0/1 replicas ready; the Deployment cannot create pods: FailedCreate: ${POD_SECURITY_REFUSAL}`]);
    assert.deepEqual([pods?.status, pods?.reason, pods?.message], ['False', PodsReason.ReplicaFailure, `the Deployment cannot create pods: FailedCreate: ${POD_SECURITY_REFUSAL}`]);
    assert.equal(findCondition(status.conditions, ConditionType.ReconcileSucceeded)?.reason, ReconcileReason.ReconcileSucceeded);
  });

  it('a template change into a refused pod turns a ready instance unready: the change cannot land', () => {
    const steps: DeploymentState[] = [{ desired: 3 }, { desired: 3, generation: 2, updated: 0, conditions: [refused] }];
    assert.deepEqual(walk(steps), [ALL_READY, [false, AvailableReason.ReplicaFailure]]);
  });

  it('a missing PriorityClass reads the same way', () => {
    const message = 'pods "chat-7d9c5b-" is forbidden: no PriorityClass with name chat-critical was found';
    const status = computeStatus({ instance: instance(), deployment: deployment({ desired: 1, current: 0, updated: 0, ready: 0, conditions: [{ ...refused, message }] }), now: NOW });
    assert.match(findCondition(status.conditions, ConditionType.Available)?.message ?? '', /no PriorityClass with name chat-critical was found$/);
  });

  it('Progressing=False for another reason than the deadline: RolloutFailed with its reason and message', () => {
    const failed = { type: 'Progressing', status: 'False', reason: 'ReplicaSetCreateError', message: 'Failed to create new replica set "chat-7d9c5b": quota exceeded' };
    const status = computeStatus({ instance: instance(), deployment: deployment({ desired: 1, ready: 0, conditions: [failed] }), now: NOW });
    const available = findCondition(status.conditions, ConditionType.Available);
    assert.deepEqual([available?.reason, available?.message], [AvailableReason.RolloutFailed, `0/1 replicas ready; the rollout failed: ReplicaSetCreateError: ${failed.message}`]);
  });

  it('a stalled rollout ends READY even for an instance that was serving', () => {
    const stalled = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "chat-7d9c5b" has timed out progressing.' }];
    const steps: DeploymentState[] = [
      { desired: 4 },
      { desired: 4, generation: 2, current: 5, updated: 2, ready: 3 },
      { desired: 4, generation: 2, current: 4, updated: 4, ready: 3 },
      { desired: 4, generation: 2, current: 4, updated: 4, ready: 3, conditions: stalled },
    ];
    assert.deepEqual(walk(steps), [ALL_READY, SERVING, SERVING, [false, AvailableReason.ProgressDeadlineExceeded]]);
  });
});

describe('the rolling-update budget', () => {
  const rolling = (maxSurge: number | string, maxUnavailable: number | string) => deployment({ desired: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });

  it('is the Deployment controller own: a percentage rounds down, both zero means one, never more than the replicas', () => {
    assert.deepEqual([1, 3, 4, 8, 10].map((n) => maxUnavailable(rolling('25%', '25%'), n)), [0, 0, 1, 2, 2]);
    assert.equal(maxUnavailable(deployment({ desired: 4 }), 4), 1, 'absent strategy: the API server default, 25%');
    assert.equal(maxUnavailable(rolling(0, 0), 3), 1);
    assert.equal(maxUnavailable(rolling(1, 5), 3), 3);
    assert.equal(maxUnavailable(rolling('50%', 2), 3), 2);
    assert.equal(maxUnavailable(deployment({ desired: 1, strategy: { type: 'Recreate' } }), 1), 0);
  });

  it('the floor: no fewer than before, no more than asked less the budget, at least one unless none is asked', () => {
    assert.equal(servingFloor(5, 3, 0), 3);
    assert.equal(servingFloor(3, 4, 0), 3);
    assert.equal(servingFloor(4, 4, 1), 3);
    assert.equal(servingFloor(2, 0, 0), 1);
    assert.equal(servingFloor(0, 3, 0), 0);
  });
});
