// The status tells the truth, on a real API server (api mode: no
// controller-manager and no kubelet, so each test writes the Deployment's and
// the pods' status as those would): pods the API server refuses are named in
// its words, routine changes keep READY, a missing envFrom Secret is named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, markDeploymentReady, useOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');
let operator: RunningOperator;

interface Condition { type: string; status: string; reason: string; message: string }
interface Instance {
  metadata: { generation: number };
  status?: { ready?: boolean; replicas?: number; readyReplicas?: number; conditions?: Condition[] };
}
interface Deployment {
  metadata: { generation: number };
  spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
}

/** As the ReplicaSet controller words a pod the API server refused (FailedCreate). */
const POD_SECURITY_REFUSAL =
  'pods "chat-7d9c5b8f4-x2k4q" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")';

async function namespace(name: string): Promise<string> {
  await plane().kubectl(['create', 'namespace', name]);
  return name;
}

async function applyInstance(ns: string, spec: Record<string, unknown>): Promise<void> {
  await plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'chat', namespace: ns }, spec }));
}

const instance = (ns: string) => getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', ns]);
const deployment = (ns: string) => getJson<Deployment>(plane(), ['deployment', 'chat', '-n', ns]);
const conditionOf = (i: Instance | undefined, type: string) => i?.status?.conditions?.find((c) => c.type === type);

/** The counts and conditions the Deployment controller writes, at the Deployment's current generation. */
async function writeDeploymentStatus(ns: string, counts: { replicas: number; updated: number; ready: number }, conditions: Record<string, string>[] = []): Promise<void> {
  const d = await deployment(ns);
  assert.ok(d, `deployment ${ns}/chat`);
  const status = {
    observedGeneration: d.metadata.generation,
    replicas: counts.replicas,
    updatedReplicas: counts.updated,
    readyReplicas: counts.ready,
    availableReplicas: counts.ready,
    unavailableReplicas: Math.max(0, counts.replicas - counts.ready),
    conditions: conditions.map((c) => ({ lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ...c })),
  };
  // A JSON merge patch replaces the list whole: conditions left out are gone, as the controller would leave them.
  await plane().kubectl(['patch', 'deployment', 'chat', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}

/** Warning Events with reason Unavailable in the namespace. */
async function unavailableEvents(ns: string): Promise<string> {
  return (await plane().kubectl(['get', 'events', '-n', ns, '--field-selector=reason=Unavailable', '-o', 'name'])).trim();
}

async function readyMetric(ns: string): Promise<string | undefined> {
  const line = (await operator.metrics()).split('\n').find((l) => l.startsWith('chatcli_operator_instance_ready{') && l.includes(`namespace="${ns}"`) && l.includes('name="chat"'));
  return line?.slice(line.lastIndexOf(' ') + 1);
}

describe('status that tells the truth (API server)', () => {
  useOperator(plane, (started) => (operator = started));

  it('pods refused by Pod Security: Available and PodsHealthy False in the API server words, ReconcileSucceeded stays True', async () => {
    const ns = await namespace('refused');
    await applyInstance(ns, { provider: 'OPENAI', securityContext: { seccompProfile: { type: 'Unconfined' } } });
    await eventually('the Deployment', async () => (await deployment(ns)) !== undefined);
    await writeDeploymentStatus(ns, { replicas: 0, updated: 0, ready: 0 }, [
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: 'Created new replica set "chat-7d9c5b8f4"' },
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: POD_SECURITY_REFUSAL },
    ]);
    let current: Instance | undefined;
    await eventually('Available names the refusal', async () => conditionOf((current = await instance(ns)), 'Available')?.reason === 'ReplicaFailure');
    const available = conditionOf(current, 'Available');
    assert.equal(available?.status, 'False');
    assert.equal(available?.message, `0/1 replicas ready; the Deployment cannot create pods: FailedCreate: ${POD_SECURITY_REFUSAL}`);
    const pods = conditionOf(current, 'PodsHealthy');
    assert.deepEqual([pods?.status, pods?.reason], ['False', 'ReplicaFailure']);
    assert.match(pods?.message ?? '', /violates PodSecurity "restricted:latest"/);
    assert.deepEqual([conditionOf(current, 'ReconcileSucceeded')?.status, conditionOf(current, 'ReconcileSucceeded')?.reason], ['True', 'ReconcileSucceeded'], 'every object was applied: the refusal is the pods\'');
    assert.equal(current?.status?.ready, false);
    // News even for an instance that was never ready: a Warning on it, in the same words.
    await eventually('a Warning Unavailable naming the refusal', async () =>
      (await plane().kubectl(['get', 'events', '-n', ns, '--field-selector=reason=Unavailable,type=Warning', '-o', 'jsonpath={.items[*].message}'])).includes('violates PodSecurity'));

    // The namespace relaxed (or the spec fixed): the controller drops the condition and the pod comes up.
    await writeDeploymentStatus(ns, { replicas: 1, updated: 1, ready: 1 });
    await eventually('READY once the pod runs', async () => (await instance(ns))?.status?.ready === true);
    assert.equal(conditionOf(await instance(ns), 'PodsHealthy')?.status, 'True');
  });

  it('a 3-replica instance scaled up and patched stays READY at every step, with no Warning Unavailable and the ready metric at 1', async () => {
    const ns = await namespace('routine');
    await applyInstance(ns, { provider: 'OPENAI', replicas: 3 });
    await eventually('the Deployment', async () => (await deployment(ns)) !== undefined);
    await markDeploymentReady(plane(), ns, 'chat');
    await eventually('READY', async () => (await instance(ns))?.status?.ready === true);
    assert.equal(await readyMetric(ns), '1');

    /** Writes one step of the Deployment controller, waits for the operator to have seen it, and wants READY still. */
    const step = async (what: string, counts: { replicas: number; updated: number; ready: number }, conditions?: Record<string, string>[]) => {
      await writeDeploymentStatus(ns, counts, conditions);
      let current: Instance | undefined;
      await eventually(`${what}: the status shows ${counts.ready}/${counts.replicas}`, async () => {
        current = await instance(ns);
        return current?.status?.replicas === counts.replicas && current.status.readyReplicas === counts.ready;
      });
      assert.equal(current?.status?.ready, true, `${what}: READY stays true (${JSON.stringify(conditionOf(current, 'Available'))})`);
      assert.equal(await readyMetric(ns), '1', `${what}: chatcli_operator_instance_ready stays 1`);
    };

    // A scale-up (an autoscaler would do the same through the Deployment): 3 -> 5.
    await applyInstance(ns, { provider: 'OPENAI', replicas: 5 });
    await eventually('the Deployment asks for 5', async () => (await deployment(ns))?.spec.replicas === 5);
    const unavailable = { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
    await step('scale-up, new pods not ready', { replicas: 5, updated: 5, ready: 3 }, [unavailable]);
    await step('scale-up, one more ready', { replicas: 5, updated: 5, ready: 4 });
    await step('scale-up done', { replicas: 5, updated: 5, ready: 5 });
    assert.equal(conditionOf(await instance(ns), 'Available')?.reason, 'AllReplicasReady');

    // A template change (podAnnotations): 5 replicas, maxSurge 2, maxUnavailable 1.
    const before = (await deployment(ns))?.metadata.generation ?? 0;
    await applyInstance(ns, { provider: 'OPENAI', replicas: 5, podAnnotations: { 'example.com/rollout': 'two' } });
    await eventually('the new template applied', async () => ((await deployment(ns))?.metadata.generation ?? 0) > before);
    await step('rollout, new pods starting', { replicas: 6, updated: 2, ready: 4 });
    await step('rollout, new pods ready', { replicas: 7, updated: 4, ready: 6 });
    await step('rollout, old pods gone, the last new one not ready yet', { replicas: 5, updated: 5, ready: 4 });
    await step('rollout done', { replicas: 5, updated: 5, ready: 5 });
    assert.equal(conditionOf(await instance(ns), 'Available')?.reason, 'AllReplicasReady');
    assert.equal(await unavailableEvents(ns), '', 'no Warning Unavailable through a scale-up and a rollout');

    // A replica lost in steady state is news.
    await writeDeploymentStatus(ns, { replicas: 5, updated: 5, ready: 4 });
    await eventually('READY false when a replica is lost', async () => (await instance(ns))?.status?.ready === false);
    await eventually('a Warning Unavailable', async () => (await unavailableEvents(ns)) !== '');
    assert.equal(await readyMetric(ns), '0');
  });

  it('a missing envFrom Secret, as the kubelet reports it on the pod: SecretsFound False naming it and its field', async () => {
    const ns = await namespace('env-from');
    await applyInstance(ns, { provider: 'OPENAI', envFrom: [{ secretRef: { name: 'extra-env' } }, { secretRef: { name: 'maybe-env', optional: true } }] });
    let d: Deployment | undefined;
    await eventually('the Deployment', async () => (d = await deployment(ns)) !== undefined);
    assert.ok(d);
    // The pod the ReplicaSet would make from the template, and the kubelet's report on it.
    await plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'chat-7d9c5b8f4-abcde', namespace: ns, labels: d.spec.template.metadata.labels }, spec: d.spec.template.spec }));
    const waiting = { reason: 'CreateContainerConfigError', message: 'secret "extra-env" not found' };
    const containerStatus = { name: 'chatcli', image: 'ghcr.io/diillson/chatcli:latest', imageID: '', ready: false, restartCount: 0, state: { waiting } };
    await plane().kubectl(['patch', 'pod', 'chat-7d9c5b8f4-abcde', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Pending', containerStatuses: [containerStatus] } })]);

    let current: Instance | undefined;
    await eventually('SecretsFound False', async () => conditionOf((current = await instance(ns)), 'SecretsFound')?.status === 'False');
    const secrets = conditionOf(current, 'SecretsFound');
    assert.equal(secrets?.reason, 'SecretNotFound');
    assert.equal(secrets?.message, `Secret "extra-env" (spec.envFrom[0].secretRef.name) not found in namespace ${ns}`);
    assert.deepEqual([conditionOf(current, 'PodsHealthy')?.status, conditionOf(current, 'PodsHealthy')?.reason], ['False', 'ContainerConfigError']);
  });
});
