import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatCLIInstanceStatus, Condition } from '../../../src/api/chatcliinstance.ts';
import { computeStatus, type StatusInput } from '../../../src/status/compute.ts';
import { AvailableReason, ConditionType, ReconcileReason } from '../../../src/status/condition-types.ts';
import { findCondition } from '../../../src/status/conditions.ts';
import { LATER, NOW, deployment, instance } from './fixtures.ts';

/** Everything healthy unless a scenario says otherwise. */
function input(overrides: Partial<StatusInput> = {}): StatusInput {
  return { instance: instance(), deployment: deployment({ desired: 1 }), pods: [], secretKeys: {}, now: NOW, ...overrides };
}

function condition(status: ChatCLIInstanceStatus, type: string): Condition {
  const c = findCondition(status.conditions, type);
  assert.ok(c, `condition ${type} present`);
  return c;
}

describe('Available', () => {
  it('all replicas ready and up to date: Available True, ready true', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 3 } }), deployment: deployment({ desired: 3 }) }));
    assert.equal(status.ready, true);
    assert.equal(status.replicas, 3);
    assert.equal(status.readyReplicas, 3);
    const available = condition(status, ConditionType.Available);
    assert.equal(available.status, 'True');
    assert.equal(available.reason, AvailableReason.AllReplicasReady);
    assert.equal(available.message, '3/3 replicas ready');
  });

  it('1 of 2 replicas ready: Available False "1/2 replicas ready"', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 2 } }), deployment: deployment({ desired: 2, ready: 1 }) }));
    assert.equal(status.ready, false);
    assert.equal(status.readyReplicas, 1);
    const available = condition(status, ConditionType.Available);
    assert.equal(available.status, 'False');
    assert.equal(available.reason, AvailableReason.ReplicasNotReady);
    assert.equal(available.message, '1/2 replicas ready');
  });

  it('Deployment generation not yet observed by its controller: RolloutInProgress, even with every old replica ready', () => {
    const status = computeStatus(input({ deployment: deployment({ desired: 1, generation: 3, observedGeneration: 2 }) }));
    const available = condition(status, ConditionType.Available);
    assert.equal(status.ready, false);
    assert.equal(available.reason, AvailableReason.RolloutInProgress);
    assert.match(available.message, /^1\/1 replicas ready; the Deployment controller has not yet observed the latest spec$/);
  });

  it('pods not yet updated to the new template: RolloutInProgress naming the updated count', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 2 } }), deployment: deployment({ desired: 2, updated: 1, current: 3 }) }));
    const available = condition(status, ConditionType.Available);
    assert.equal(available.reason, AvailableReason.RolloutInProgress);
    assert.equal(available.message, '2/2 replicas ready; 1/2 replicas updated');
  });

  it('old pods still running after every new one is ready: RolloutInProgress until they are gone', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 2 } }), deployment: deployment({ desired: 2, current: 3 }) }));
    const available = condition(status, ConditionType.Available);
    assert.equal(available.status, 'False');
    assert.equal(available.message, '2/2 replicas ready; 1 old replica pending termination');
  });

  it('Deployment not yet scaled to the instance replicas: RolloutInProgress', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 2 } }), deployment: deployment({ desired: 1 }) }));
    const available = condition(status, ConditionType.Available);
    assert.equal(available.reason, AvailableReason.RolloutInProgress);
    assert.equal(available.message, '1/2 replicas ready; the Deployment asks for 1 replicas, not yet updated');
  });

  it('rollout past its progress deadline: ProgressDeadlineExceeded with the Deployment message', () => {
    const stalled = deployment({
      desired: 1,
      ready: 0,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "chat-5d9c" has timed out progressing.' }],
    });
    const available = condition(computeStatus(input({ deployment: stalled })), ConditionType.Available);
    assert.equal(available.reason, AvailableReason.ProgressDeadlineExceeded);
    assert.equal(available.message, '0/1 replicas ready; the rollout exceeded its progress deadline: ReplicaSet "chat-5d9c" has timed out progressing.');
  });

  it('scaled to zero: Available True, the message says so', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 0 } }), deployment: deployment({ desired: 0 }) }));
    assert.equal(status.ready, true);
    assert.equal(status.replicas, 0);
    const available = condition(status, ConditionType.Available);
    assert.equal(available.status, 'True');
    assert.equal(available.reason, AvailableReason.ScaledToZero);
    assert.match(available.message, /scaled to zero/);
  });

  it('scaling to zero with a pod still running: not yet Available', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 0 } }), deployment: deployment({ desired: 0, current: 1, ready: 1 }) }));
    assert.equal(status.ready, false);
    assert.equal(condition(status, ConditionType.Available).message, '1/0 replicas ready; 1 old replica pending termination');
  });

  it('Deployment missing: DeploymentMissing, 0/M replicas ready, counts zero', () => {
    const status = computeStatus(input({ instance: instance({ spec: { replicas: 2 } }), deployment: undefined }));
    assert.deepEqual([status.ready, status.replicas, status.readyReplicas], [false, 0, 0]);
    const available = condition(status, ConditionType.Available);
    assert.equal(available.reason, AvailableReason.DeploymentMissing);
    assert.match(available.message, /^0\/2 replicas ready; /);
  });
});

describe('ReconcileSucceeded and observedGeneration', () => {
  it('a reconcile error surfaces as ReconcileFailed and clears on the next success', () => {
    const error = 'ServiceAccount default/chat: 403 forbidden';
    const failed = computeStatus(input({ instance: instance({ generation: 2 }), reconcileError: error }));
    const failure = condition(failed, ConditionType.ReconcileSucceeded);
    assert.deepEqual([failure.status, failure.reason, failure.message, failure.lastTransitionTime], ['False', ReconcileReason.ReconcileFailed, error, NOW]);

    const recovered = computeStatus(input({ instance: instance({ generation: 2, status: failed }), now: LATER }));
    const success = condition(recovered, ConditionType.ReconcileSucceeded);
    assert.deepEqual([success.status, success.reason, success.lastTransitionTime], ['True', ReconcileReason.ReconcileSucceeded, LATER]);
    assert.doesNotMatch(success.message, /403/);
  });

  it('an object the instance may not take over surfaces as reason Conflict, naming it', () => {
    const error = "ServiceAccount default/chat already exists and is not this instance's";
    const status = computeStatus(input({ instance: instance({ generation: 2 }), reconcileError: error, conflict: true }));
    const c = condition(status, ConditionType.ReconcileSucceeded);
    assert.deepEqual([c.status, c.reason, c.message], ['False', ReconcileReason.Conflict, error]);
    assert.equal('observedGeneration' in status, false, 'a conflict is a failed reconcile');
  });

  it('a watcher namespace the operator may not grant surfaces as TargetNotPermitted, and the generation still counts as observed', () => {
    const refused = 'no watcher access granted in namespaces not labelled chatcli.diillson.com/watchable=true: spec.watcher.targets[0].namespace: namespace "victim"';
    const status = computeStatus(input({ instance: instance({ generation: 2 }), notPermitted: refused }));
    const c = condition(status, ConditionType.ReconcileSucceeded);
    assert.deepEqual([c.status, c.reason, c.message], ['False', ReconcileReason.TargetNotPermitted, refused]);
    assert.equal(status.observedGeneration, 2, 'a standing refusal, not a failed reconcile');
  });

  it('a reconcile error wins over a refused namespace, and the message keeps both', () => {
    const status = computeStatus(input({ instance: instance({ generation: 2 }), reconcileError: 'boom', notPermitted: 'victim refused' }));
    const c = condition(status, ConditionType.ReconcileSucceeded);
    assert.deepEqual([c.reason, c.message], [ReconcileReason.ReconcileFailed, 'boom; victim refused']);
  });

  it('observedGeneration moves to the instance generation only when the reconcile succeeded', () => {
    const atGeneration1 = computeStatus(input({ instance: instance({ generation: 1 }) }));
    assert.equal(atGeneration1.observedGeneration, 1);
    const failedAt2 = computeStatus(input({ instance: instance({ generation: 2, status: atGeneration1 }), reconcileError: 'boom' }));
    assert.equal(failedAt2.observedGeneration, 1);
    const succeededAt2 = computeStatus(input({ instance: instance({ generation: 2, status: failedAt2 }) }));
    assert.equal(succeededAt2.observedGeneration, 2);
  });

  it('a first reconcile that fails writes no observedGeneration', () => {
    const status = computeStatus(input({ reconcileError: 'boom' }));
    assert.equal('observedGeneration' in status, false);
  });

  it('a failed reconcile does not hide a Deployment that is ready: ready follows Available alone', () => {
    const status = computeStatus(input({ reconcileError: 'ConfigMap default/chat: 409 conflict' }));
    assert.equal(status.ready, true);
    assert.equal(condition(status, ConditionType.ReconcileSucceeded).status, 'False');
  });
});

describe('the condition list', () => {
  it('holds exactly the five types, each stamped with the instance generation', () => {
    const status = computeStatus(input({ instance: instance({ generation: 7 }) }));
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.observedGeneration]), [
      ['Available', 7],
      ['ReconcileSucceeded', 7],
      ['SecretsFound', 7],
      ['PodsHealthy', 7],
      ['WatcherReady', 7],
    ]);
  });

  it('keeps the stored order and drops types it does not own', () => {
    const stored: Condition[] = [
      { type: 'PodsHealthy', status: 'True', lastTransitionTime: NOW, reason: 'NoFailuresSeen', message: 'old' },
      { type: 'SomethingElse', status: 'True', lastTransitionTime: NOW, reason: 'X', message: 'x' },
      { type: 'Available', status: 'True', lastTransitionTime: NOW, reason: 'AllReplicasReady', message: '1/1 replicas ready' },
    ];
    const status = computeStatus(input({ instance: instance({ status: { conditions: stored } }), now: LATER }));
    assert.deepEqual(status.conditions?.map((c) => c.type), ['PodsHealthy', 'Available', 'ReconcileSucceeded', 'SecretsFound', 'WatcherReady']);
    assert.equal(condition(status, 'Available').lastTransitionTime, NOW, 'still True: time kept');
  });

  it('lastTransitionTime stays when only the message changes and moves when the status flips', () => {
    const twoReplicas = instance({ spec: { replicas: 2 } });
    const first = computeStatus(input({ instance: twoReplicas, deployment: deployment({ desired: 2, ready: 0 }) }));
    const messageOnly = computeStatus(input({ instance: { ...twoReplicas, status: first }, deployment: deployment({ desired: 2, ready: 1 }), now: LATER }));
    const available = condition(messageOnly, ConditionType.Available);
    assert.equal(available.message, '1/2 replicas ready');
    assert.equal(available.lastTransitionTime, NOW);

    const flipped = computeStatus(input({ instance: { ...twoReplicas, status: messageOnly }, deployment: deployment({ desired: 2 }), now: LATER }));
    assert.equal(condition(flipped, ConditionType.Available).status, 'True');
    assert.equal(condition(flipped, ConditionType.Available).lastTransitionTime, LATER);
  });
});

describe('WatcherReady', () => {
  const watcher = (namespaces: string[], unwatched: { namespace: string; why: string }[] = []) => computeStatus(input({ watcher: { namespaces, unwatched } }));

  it('True when every namespace named is granted, naming them', () => {
    const c = condition(watcher(['batch', 'production']), ConditionType.WatcherReady);
    assert.deepEqual([c.status, c.reason, c.message], ['True', 'AllNamespacesGranted', 'read access granted in "batch", "production"']);
  });

  it('True with the watcher off', () => {
    assert.equal(condition(watcher([]), ConditionType.WatcherReady).reason, 'WatcherDisabled');
  });

  it('False naming each namespace not watched and why, and the ones granted; READY does not follow it', () => {
    const status = computeStatus(input({ watcher: { namespaces: ['a', 'b', 'c'], unwatched: [{ namespace: 'b', why: 'Role b/x already exists' }] } }));
    const c = condition(status, ConditionType.WatcherReady);
    assert.deepEqual([c.status, c.reason], ['False', 'NamespacesNotWatched']);
    assert.equal(c.message, '1 of 3 namespaces not watched: namespace "b": Role b/x already exists; granted in "a", "c"');
    assert.equal(status.ready, true);
  });

  it('Unknown when the reconcile could not tell', () => {
    assert.equal(condition(computeStatus(input({})), ConditionType.WatcherReady).status, 'Unknown');
  });
});

describe('a provider the image lacks', () => {
  it('PodsHealthy False ProviderNotInImage while READY, ReconcileSucceeded and observedGeneration go on as usual', () => {
    const status = computeStatus(input({ instance: instance({ generation: 4 }), providerGap: { provider: 'OPENROUTER', tag: 'v1.57.1', since: 'v1.188.0' } }));
    const pods = condition(status, ConditionType.PodsHealthy);
    assert.deepEqual([pods.status, pods.reason], ['False', 'ProviderNotInImage']);
    assert.match(pods.message, /^spec\.provider OPENROUTER: image tag v1\.57\.1 has no such provider \(added in v1\.188\.0\)/);
    assert.equal(condition(status, ConditionType.ReconcileSucceeded).status, 'True');
    assert.equal(status.ready, true);
    assert.equal(status.observedGeneration, 4);
  });
});
