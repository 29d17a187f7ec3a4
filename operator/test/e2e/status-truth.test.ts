// The status tells the truth end to end (full plane: the real Deployment and
// ReplicaSet controllers, Pod Security and Priority admission, kwok making pods
// Ready): a pod the API server refuses shows in its own words, and routine
// changes of a ready instance never turn READY false.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitForCondition } from '../../hack/controlplane/wait.ts';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, useOperator } from '../support/operator.ts';

const plane = usePlane('full');

interface Condition { type: string; status: string; reason: string; message: string }
interface Instance { status?: { ready?: boolean; readyReplicas?: number; conditions?: Condition[] } }
interface Deployment { metadata: { generation: number }; spec: { replicas: number }; status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number } }

const conditionOf = (i: Instance | undefined, type: string) => i?.status?.conditions?.find((c) => c.type === type);
const instance = (ns: string) => getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', ns]);

async function applyInstance(ns: string, spec: Record<string, unknown>): Promise<void> {
  await plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'chat', namespace: ns }, spec }));
}

/** The Available condition once its reason is `reason`. */
async function availableWith(ns: string, reason: string, timeoutMs = 60_000): Promise<Instance | undefined> {
  let current: Instance | undefined;
  await eventually(`${ns}: Available reason ${reason}`, async () => conditionOf((current = await instance(ns)), 'Available')?.reason === reason, timeoutMs);
  return current;
}

describe('status that tells the truth (full plane)', () => {
  useOperator(plane);

  it('a namespace enforcing restricted refuses seccomp Unconfined: READY false, Available and PodsHealthy in the API server words; fixing the spec brings it up', { timeout: 150_000 }, async () => {
    const k = plane().kubectl;
    await k(['create', 'namespace', 'locked']);
    await k(['label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted']);
    await applyInstance('locked', { provider: 'OPENAI', securityContext: { seccompProfile: { type: 'Unconfined' } } });

    const refused = await availableWith('locked', 'ReplicaFailure');
    assert.equal(refused?.status?.ready, false);
    const available = conditionOf(refused, 'Available');
    assert.equal(available?.status, 'False');
    assert.match(available?.message ?? '', /^0\/1 replicas ready; the Deployment cannot create pods: FailedCreate: pods "chat-[a-z0-9]+-[a-z0-9]*" is forbidden: violates PodSecurity "restricted:latest": seccompProfile/);
    assert.match(available?.message ?? '', /Unconfined/);
    const pods = conditionOf(refused, 'PodsHealthy');
    assert.deepEqual([pods?.status, pods?.reason], ['False', 'ReplicaFailure']);
    assert.match(pods?.message ?? '', /violates PodSecurity/);
    assert.equal(conditionOf(refused, 'ReconcileSucceeded')?.status, 'True', 'every object was applied: the refusal is the pods\'');

    await applyInstance('locked', { provider: 'OPENAI', securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
    await waitForCondition(k, ['-n', 'locked', 'chatcliinstance/chat'], 'Available', 90_000);
    assert.equal(conditionOf(await instance('locked'), 'PodsHealthy')?.status, 'True');
  });

  it('a priorityClassName that names no PriorityClass: ReplicaFailure naming it', { timeout: 90_000 }, async () => {
    await plane().kubectl(['create', 'namespace', 'no-priority']);
    await applyInstance('no-priority', { provider: 'OPENAI', priorityClassName: 'no-such-class' });
    const refused = await availableWith('no-priority', 'ReplicaFailure');
    assert.match(conditionOf(refused, 'Available')?.message ?? '', /no PriorityClass with name no-such-class was found/);
    assert.equal(conditionOf(refused, 'PodsHealthy')?.reason, 'ReplicaFailure');
  });

  it('a ready 3-replica instance patched and scaled up stays READY throughout, with no Warning Unavailable', { timeout: 180_000 }, async () => {
    const k = plane().kubectl;
    await k(['create', 'namespace', 'routine']);
    await applyInstance('routine', { provider: 'OPENAI', replicas: 3 });
    await waitForCondition(k, ['-n', 'routine', 'chatcliinstance/chat'], 'Available', 90_000);

    // Watch READY as often as the test can while the real controllers roll out.
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const i = await instance('routine');
        const a = conditionOf(i, 'Available');
        seen.add(`${String(i?.status?.ready)} ${a?.reason}: ${a?.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const rolledOut = (replicas: number) => async () => {
      const d = await getJson<Deployment>(plane(), ['deployment', 'chat', '-n', 'routine']);
      const s = d?.status;
      return d !== undefined && s?.observedGeneration === d.metadata.generation && d.spec.replicas === replicas && s.replicas === replicas && s.updatedReplicas === replicas && s.readyReplicas === replicas;
    };
    try {
      await applyInstance('routine', { provider: 'OPENAI', replicas: 3, podAnnotations: { 'example.com/rev': '2' } });
      await eventually('the template change rolled out', rolledOut(3), 90_000);
      await applyInstance('routine', { provider: 'OPENAI', replicas: 6, podAnnotations: { 'example.com/rev': '2' } });
      await eventually('scaled up to 6', rolledOut(6), 90_000);
      await availableWith('routine', 'AllReplicasReady');
    } finally {
      watching = false;
      await watcher;
    }
    const unready = [...seen].filter((s) => !s.startsWith('true '));
    assert.deepEqual(unready, [], `READY stayed true; seen: ${[...seen].join(' | ')}`);
    const warnings = await k(['get', 'events', '-n', 'routine', '--field-selector=reason=Unavailable', '-o', 'name']);
    assert.equal(warnings.trim(), '', 'no Warning Unavailable');
  });
});
