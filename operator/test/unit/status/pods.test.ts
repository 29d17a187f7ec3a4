import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodsReason } from '../../../src/status/condition-types.ts';
import { podsHealthyVerdict } from '../../../src/status/pods.ts';
import type { V1PodCondition } from '@kubernetes/client-node';
import { container, deployment, pod, waiting } from './fixtures.ts';

const POD_SECURITY_REFUSAL = 'pods "chat-7d9c5b-x2k4q" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")';
const refused = deployment({ desired: 1, current: 0, updated: 0, ready: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: POD_SECURITY_REFUSAL }] });
const stalled = deployment({ desired: 2, ready: 0, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "chat-7d9c5b" has timed out progressing.' }] });

function withConditions(p: ReturnType<typeof pod>, ...conditions: V1PodCondition[]): ReturnType<typeof pod> {
  return { ...p, status: { ...p.status, conditions } };
}

describe('PodsHealthy', () => {
  it('image pull back-off: ImagePullFailed naming pod, container and image', () => {
    const v = podsHealthyVerdict([pod('chat-5d9c-abcde', container({ image: 'ghcr.io/diillson/chatcli:nope', ...waiting('ImagePullBackOff', 'Back-off pulling image "ghcr.io/diillson/chatcli:nope"') }))]);
    assert.equal(v.status, 'False');
    assert.equal(v.reason, PodsReason.ImagePullFailed);
    assert.equal(v.message, 'pod chat-5d9c-abcde: container chatcli cannot pull image "ghcr.io/diillson/chatcli:nope"');
  });

  it('ErrImagePull and ImagePullBackOff read the same, so the message does not flip as the kubelet retries', () => {
    const pulling = podsHealthyVerdict([pod('p', container(waiting('ErrImagePull', 'rpc error: not found')))]);
    const backingOff = podsHealthyVerdict([pod('p', container(waiting('ImagePullBackOff', 'Back-off pulling image')))]);
    assert.deepEqual(pulling, backingOff);
  });

  it('an invalid image name is said to be invalid', () => {
    const v = podsHealthyVerdict([pod('p', container({ image: 'Bad Image', ...waiting('InvalidImageName') }))]);
    assert.equal(v.reason, PodsReason.ImagePullFailed);
    assert.match(v.message, /invalid image name "Bad Image"/);
  });

  it('crash loop: CrashLoop naming pod, container, restart count and last exit', () => {
    const crashing = container({ restartCount: 5, ...waiting('CrashLoopBackOff'), lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
    const v = podsHealthyVerdict([pod('chat-5d9c-abcde', crashing)]);
    assert.equal(v.reason, PodsReason.CrashLoop);
    assert.equal(v.message, 'pod chat-5d9c-abcde: container chatcli (image "ghcr.io/diillson/chatcli:latest") is crash-looping (restarted 5 times; last exit: Error, code 1)');
  });

  it('container config error (missing Secret key): the kubelet message is passed on and outranks other failures', () => {
    const v = podsHealthyVerdict([
      pod('a-crashing', container({ restartCount: 2, ...waiting('CrashLoopBackOff') })),
      pod('b-config', container(waiting('CreateContainerConfigError', "couldn't find key token in Secret default/chat-token"))),
    ]);
    assert.equal(v.reason, PodsReason.ContainerConfigError);
    assert.match(v.message, /^pod b-config: container chatcli cannot be created: couldn't find key token in Secret default\/chat-token; pod a-crashing: /);
  });

  it('pods being deleted are not reported', () => {
    const leaving = pod('old', container(waiting('CrashLoopBackOff')));
    leaving.metadata = { ...leaving.metadata, deletionTimestamp: new Date() };
    assert.equal(podsHealthyVerdict([leaving]).status, 'True');
  });

  it('many failing pods: three are named, the rest counted', () => {
    const pods = ['p1', 'p2', 'p3', 'p4', 'p5'].map((name) => pod(name, container(waiting('ImagePullBackOff'))));
    const v = podsHealthyVerdict(pods);
    assert.match(v.message, /^pod p1: .*; pod p2: .*; pod p3: .*; and 2 more$/);
  });

  it('running pods: True', () => {
    const v = podsHealthyVerdict([pod('p', container({ ready: true, state: { running: {} } }))]);
    assert.deepEqual([v.status, v.reason], ['True', PodsReason.NoFailuresSeen]);
  });

  it('no pod because the API server refuses them: ReplicaFailure in its words, not True "on 0 pods"', () => {
    const v = podsHealthyVerdict([], refused);
    assert.deepEqual([v.status, v.reason, v.message], ['False', PodsReason.ReplicaFailure, `the Deployment cannot create pods: FailedCreate: ${POD_SECURITY_REFUSAL}`]);
  });

  it('the refusal outranks what the pods that do exist report, and is said even when the pods could not be listed', () => {
    const v = podsHealthyVerdict([pod('old', container(waiting('CrashLoopBackOff')))], refused);
    assert.equal(v.reason, PodsReason.ReplicaFailure);
    assert.match(v.message, /; pod old: container chatcli .* crash-looping/);
    assert.equal(podsHealthyVerdict(undefined, refused).reason, PodsReason.ReplicaFailure);
  });

  it('a pod the scheduler cannot place: Unschedulable in the scheduler words', () => {
    const pending = withConditions(pod('chat-x', container(waiting('ContainerCreating'))), { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient memory.' });
    const v = podsHealthyVerdict([pending]);
    assert.deepEqual([v.status, v.reason, v.message], ['False', PodsReason.Unschedulable, 'pod chat-x cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory.']);
  });

  it('a stalled rollout with no failure on the pods: the Deployment words and the pods not ready', () => {
    const notReady = withConditions(pod('chat-a', container({ state: { running: {} } })), { type: 'Ready', status: 'False', reason: 'ContainersNotReady' });
    const ready = withConditions(pod('chat-b', container({ ready: true, state: { running: {} } })), { type: 'Ready', status: 'True' });
    const v = podsHealthyVerdict([ready, notReady], stalled);
    assert.deepEqual([v.status, v.reason], ['False', PodsReason.ProgressDeadlineExceeded]);
    assert.equal(v.message, 'the Deployment\'s rollout stalled: ProgressDeadlineExceeded: ReplicaSet "chat-7d9c5b" has timed out progressing.; not ready: chat-a (kubectl describe pod shows why)');
  });

  it('a stalled rollout whose pods say why: the pods are the news', () => {
    const v = podsHealthyVerdict([pod('chat-a', container(waiting('ImagePullBackOff')))], stalled);
    assert.equal(v.reason, PodsReason.ImagePullFailed);
    assert.doesNotMatch(v.message, /stalled/);
  });

  it('pods that could not be listed: Unknown', () => {
    assert.deepEqual([podsHealthyVerdict(undefined).status, podsHealthyVerdict(undefined).reason], ['Unknown', PodsReason.PodsNotChecked]);
  });

  it('a provider the image tag\'s release lacks: ProviderNotInImage naming field, tag and release, though the pods run', () => {
    const gap = { provider: 'OPENROUTER', tag: 'v1.57.1', since: 'v1.188.0' };
    const v = podsHealthyVerdict([pod('chat-5d9c-abcde', container({ ready: true }))], deployment({ desired: 1 }), gap);
    assert.equal(v.status, 'False');
    assert.equal(v.reason, PodsReason.ProviderNotInImage);
    assert.equal(
      v.message,
      'spec.provider OPENROUTER: image tag v1.57.1 has no such provider (added in v1.188.0); ' +
        'the server runs but refuses every request that names no provider of its own: set image.tag or spec.provider',
    );
    // Known from the spec alone, even when the pods could not be listed.
    assert.equal(podsHealthyVerdict(undefined, undefined, gap).reason, PodsReason.ProviderNotInImage);
  });

  it('a crash-looping pod outranks the provider gap, which is still named', () => {
    const gap = { provider: 'BEDROCK', tag: 'v1.57.1', since: 'v1.188.0' };
    const v = podsHealthyVerdict([pod('p', container({ restartCount: 3, ...waiting('CrashLoopBackOff') }))], undefined, gap);
    assert.equal(v.reason, PodsReason.CrashLoop);
    assert.match(v.message, /; spec\.provider BEDROCK: image tag v1\.57\.1 has no such provider/);
  });
});
