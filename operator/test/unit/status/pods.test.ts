import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodsReason } from '../../../src/status/condition-types.ts';
import { podsHealthyVerdict } from '../../../src/status/pods.ts';
import { container, pod, waiting } from './fixtures.ts';

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

  it('pods that could not be listed: Unknown', () => {
    assert.deepEqual([podsHealthyVerdict(undefined).status, podsHealthyVerdict(undefined).reason], ['Unknown', PodsReason.PodsNotChecked]);
  });
});
