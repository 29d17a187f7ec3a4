// The instance knobs on a real kube-apiserver, with the operator process running
// as its own ServiceAccount (config/rbac/role.yaml only): what each knob example
// renders is accepted; autoscaling hands spec.replicas over to the
// HorizontalPodAutoscaler and back without the count ever bouncing to 1 (read
// from the Deployment at each step and from a watch of every change); the
// PodDisruptionBudget follows the replica count; the Service switches type;
// an existing claim is used, not made. Api mode: no controller-manager, so the
// test writes the scale subresource where the autoscaler would.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../src/api/defaults.ts';
import { desiredObjects } from '../../src/desired/index.ts';
import { FIELD_MANAGER, REPLICAS_HANDOVER_MANAGER } from '../../src/desired/names.ts';
import { toYamlStream } from '../../src/desired/yamlstream.ts';
import { usePlane } from '../support/cluster.ts';
import { SAMPLES_DIR, apiServerWrites, eventWrites, eventually, getJson, markDeploymentReady, namespaceEvents, useOperator } from '../support/operator.ts';
import { KNOB_FILES } from '../unit/api/samples.ts';

const plane = usePlane('api');

interface ManagedFields { manager: string; operation: string; subresource?: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }
interface Deployment {
  metadata: { generation: number; resourceVersion: string; managedFields?: ManagedFields[] };
  spec: { replicas?: number; strategy?: { type: string }; template: { metadata: { labels: Record<string, string> }; spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } } };
}
interface Service { metadata: { annotations?: Record<string, string> }; spec: { type: string; ports: { name: string; nodePort?: number }[] } }

async function namespace(name: string): Promise<string> {
  await plane().kubectl(['create', 'namespace', name]);
  return name;
}

async function applyInstance(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name, namespace: ns }, spec }));
}

const deployment = (ns: string, name = 'chat') => getJson<Deployment>(plane(), ['deployment', name, '-n', ns, '--show-managed-fields']);
const exists = async (args: string[]) => (await getJson(plane(), args)) !== undefined;
/** The latest spec reconciled: status written for the instance's current generation (after every apply and prune). */
const reconciled = async (ns: string, name = 'chat') => {
  const i = await getJson<{ metadata: { generation: number }; status?: { observedGeneration?: number } }>(plane(), ['chatcliinstance', name, '-n', ns]);
  return i !== undefined && i.status?.observedGeneration === i.metadata.generation;
};
/** Whether an Event with this reason is about the instance (Events are written after the status, and not awaited). */
const hasEvent = async (ns: string, name: string, reason: string) =>
  (await plane().kubectl(['get', 'events', '-n', ns, `--field-selector=involvedObject.name=${name},reason=${reason}`, '-o', 'name'])).trim() !== '';

/** Whether a field manager's entry (by operation) holds spec.replicas. */
function holdsReplicas(d: Deployment | undefined, manager: string, operation: string): boolean {
  return (d?.metadata.managedFields ?? []).some((m) => m.manager === manager && m.operation === operation && !m.subresource && m.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined);
}

/** Every spec.replicas value the API server sends for a namespace's Deployments, as it happens (kubectl get -w), and the resourceVersions it came with. */
function watchReplicas(ns: string): { seen: () => number[]; versions: () => string[]; stop: () => void } {
  const p = plane();
  const child: ChildProcess = spawn(join(p.binDir, 'kubectl'), [
    `--kubeconfig=${p.kubeconfigPath}`, 'get', 'deployments', '-n', ns, '--watch', '-o', 'jsonpath={.metadata.resourceVersion} {.spec.replicas}{"\\n"}',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const lines = () => out.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(' '));
  return {
    seen: () => lines().map(([, replicas]) => Number(replicas)),
    versions: () => lines().map(([version]) => version ?? ''),
    stop: () => child.kill('SIGTERM'),
  };
}

/** Consecutive repeats collapsed: the values a reader would have observed change. */
const changes = (values: number[]) => values.filter((v, i) => i === 0 || v !== values[i - 1]);

describe('instance knobs on the API server', () => {
  useOperator(plane);

  it('every knob example renders objects the API server accepts (server-side dry run)', async () => {
    const ns = await namespace('knob-examples');
    for (const file of KNOB_FILES) {
      const raw = parse(readFileSync(join(SAMPLES_DIR, 'knobs', file), 'utf8')) as ChatCLIInstance;
      raw.metadata.namespace = ns;
      const objects = desiredObjects(withDefaults(raw));
      assert.ok(objects.length >= 4, file);
      await plane().kubectl(['apply', '--server-side', '--dry-run=server', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], toYamlStream(objects));
    }
  });

  it('an instance using every knob, once ready, causes no writes (the API server stores what the operator sends)', { timeout: 60_000 }, async () => {
    const ns = await namespace('knob-idle');
    const raw = parse(readFileSync(join(SAMPLES_DIR, 'knobs', 'chatcli_v1alpha1_scaled.yaml'), 'utf8')) as ChatCLIInstance;
    const spec = { ...raw.spec, env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }], envFrom: [{ configMapRef: { name: 'tuning' } }] };
    await applyInstance(ns, 'chat', spec as unknown as Record<string, unknown>);
    await eventually('the Deployment', async () => (await deployment(ns)) !== undefined);
    await plane().kubectl(['scale', 'deployment', 'chat', '-n', ns, '--replicas=2']); // the autoscaler's minReplicas
    await markDeploymentReady(plane(), ns, 'chat');
    await eventually('READY true', async () => (await getJson<{ status?: { ready?: boolean } }>(plane(), ['chatcliinstance', 'chat', '-n', ns]))?.status?.ready === true);
    // The last write READY brings: its Event, written after the status.
    await eventually('the Available Event', () => hasEvent(ns, 'chat', 'Available'));
    const [before, eventsBefore] = [await apiServerWrites(plane()), await namespaceEvents(plane(), ns)];
    await new Promise((r) => setTimeout(r, 8000));
    const [afterWrites, eventsAfter] = [await apiServerWrites(plane()), await namespaceEvents(plane(), ns)];
    // Events are counted in this namespace only: an earlier test's series may land now.
    const delta = [...afterWrites].filter(([resource, n]) => resource !== 'leases' && resource !== 'events' && n !== (before.get(resource) ?? 0));
    assert.deepEqual(delta, [], 'no write requests while nothing changes (leases of the API server itself excluded)');
    assert.equal(eventWrites(eventsBefore, eventsAfter), 0, 'no Event about the instance');
  });

  it('autoscaling takes spec.replicas over and gives it back without a bounce: 3, kept at 3, 5 by the autoscaler, 2 when switched off, kept at 2 when switched on again', { timeout: 90_000 }, async () => {
    const ns = await namespace('knob-autoscaling');
    const base = { provider: 'OPENAI', resources: { requests: { cpu: '100m' } } };
    const scaling = { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 };
    const replicasNow = async () => (await deployment(ns))?.spec.replicas;

    await applyInstance(ns, 'chat', { ...base, replicas: 3 });
    await eventually('the Deployment with 3 replicas', async () => (await replicasNow()) === 3);
    const watch = watchReplicas(ns);
    try {
      // The watch lists the Deployment before anything changes it: its first value is the 3.
      await eventually('the watch listing the Deployment', () => watch.seen().length > 0);
      // Made by a create (POST): its fields are held by the operator's Update entry until its first update hands them to its apply.
      assert.ok(holdsReplicas(await deployment(ns), FIELD_MANAGER, 'Update'), 'the operator\'s create set spec.replicas');

      // On: the autoscaler appears; the count stays where it is.
      await applyInstance(ns, 'chat', { ...base, replicas: 3, autoscaling: scaling });
      await eventually('the HorizontalPodAutoscaler', () => exists(['hpa', 'chat', '-n', ns]));
      // The Deployment comes a phase after the autoscaler: read it once the change is reconciled.
      await eventually('the change reconciled', () => reconciled(ns));
      assert.equal(await replicasNow(), 3);

      // The autoscaler scales (through the scale subresource, as kube-controller-manager does).
      await plane().kubectl(['scale', 'deployment', 'chat', '-n', ns, '--replicas=5']);
      // A change that makes the operator apply the Deployment again (a pod label).
      await applyInstance(ns, 'chat', { ...base, replicas: 3, autoscaling: scaling, podLabels: { rev: 'a' } });
      await eventually('the pod label applied', async () => (await deployment(ns))?.spec.template.metadata.labels.rev === 'a');
      let d = await deployment(ns);
      assert.equal(d?.spec.replicas, 5, 'the operator leaves the autoscaler\'s count alone');
      assert.equal(holdsReplicas(d, FIELD_MANAGER, 'Apply'), false, 'the operator no longer declares spec.replicas');
      assert.equal(holdsReplicas(d, FIELD_MANAGER, 'Update'), false, 'nor holds it from its create');
      assert.ok(holdsReplicas(d, REPLICAS_HANDOVER_MANAGER, 'Apply'), 'the hand-over manager holds the count it found');

      // Off: spec.replicas comes back in one write; the autoscaler goes.
      await applyInstance(ns, 'chat', { ...base, replicas: 2, podLabels: { rev: 'a' } });
      await eventually('2 replicas', async () => (await replicasNow()) === 2);
      await eventually('the HorizontalPodAutoscaler pruned', async () => !(await exists(['hpa', 'chat', '-n', ns])));
      assert.ok(holdsReplicas(await deployment(ns), FIELD_MANAGER, 'Apply'), 'the operator declares spec.replicas again');

      // On again, with a template change so the Deployment is applied at once: the count stays.
      await applyInstance(ns, 'chat', { ...base, replicas: 2, autoscaling: scaling, podLabels: { rev: 'b' } });
      await eventually('the pod label applied', async () => (await deployment(ns))?.spec.template.metadata.labels.rev === 'b');
      await eventually('the HorizontalPodAutoscaler', () => exists(['hpa', 'chat', '-n', ns]));
      d = await deployment(ns);
      assert.equal(d?.spec.replicas, 2);
      assert.equal(holdsReplicas(d, FIELD_MANAGER, 'Apply'), false);

      // The last change reconciled, then the watch read up to the Deployment as it is now.
      await eventually('the change reconciled', () => reconciled(ns));
      d = await deployment(ns);
      assert.equal(d?.spec.replicas, 2);
      await eventually(`the watch at resourceVersion ${d?.metadata.resourceVersion}`, () => watch.versions().includes(d?.metadata.resourceVersion ?? ''));
      assert.deepEqual(changes(watch.seen()), [3, 5, 2], `every replicas value the Deployment had: ${watch.seen().join(', ')}`);
    } finally {
      watch.stop();
    }
  });

  it('a PodDisruptionBudget exists while more than one replica can run, and is pruned at one', async () => {
    const ns = await namespace('knob-pdb');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', replicas: 2 });
    await eventually('the PodDisruptionBudget', () => exists(['pdb', 'chat', '-n', ns]));
    const pdb = await getJson<{ spec: { maxUnavailable: number; selector: unknown } }>(plane(), ['pdb', 'chat', '-n', ns]);
    assert.equal(pdb?.spec.maxUnavailable, 1);
    await applyInstance(ns, 'chat', { provider: 'OPENAI', replicas: 1 });
    await eventually('the PodDisruptionBudget pruned', async () => !(await exists(['pdb', 'chat', '-n', ns])));
  });

  it('the Service switches ClusterIP -> NodePort -> LoadBalancer -> ClusterIP: node ports are allocated, then dropped; annotations come and go', async () => {
    const ns = await namespace('knob-service');
    const service = () => getJson<Service>(plane(), ['service', 'chat', '-n', ns]);
    await applyInstance(ns, 'chat', { provider: 'OPENAI' });
    await eventually('a ClusterIP Service', async () => (await service())?.spec.type === 'ClusterIP');

    await applyInstance(ns, 'chat', { provider: 'OPENAI', service: { type: 'NodePort' } });
    await eventually('a NodePort Service', async () => (await service())?.spec.type === 'NodePort');
    assert.ok((await service())?.spec.ports.every((p) => typeof p.nodePort === 'number'), 'node ports allocated');

    await applyInstance(ns, 'chat', { provider: 'OPENAI', service: { type: 'LoadBalancer', annotations: { 'example.com/internal': 'true' } } });
    await eventually('a LoadBalancer Service with the annotation', async () => {
      const s = await service();
      return s?.spec.type === 'LoadBalancer' && s.metadata.annotations?.['example.com/internal'] === 'true';
    });

    await applyInstance(ns, 'chat', { provider: 'OPENAI' });
    await eventually('back to ClusterIP', async () => (await service())?.spec.type === 'ClusterIP');
    const back = await service();
    assert.equal(back?.spec.ports.some((p) => p.nodePort !== undefined), false, 'node ports dropped');
    assert.equal(back?.metadata.annotations?.['example.com/internal'], undefined, 'the annotation removed');
  });

  it('an existingClaim is mounted and no claim is made; ReadWriteMany rolls, ReadWriteOnce recreates', async () => {
    const ns = await namespace('knob-claim');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', persistence: { enabled: true, existingClaim: 'team-sessions' } });
    await eventually('the Deployment', async () => (await deployment(ns)) !== undefined);
    const d = await deployment(ns);
    assert.equal(d?.spec.template.spec.volumes.find((v) => v.name === 'sessions')?.persistentVolumeClaim?.claimName, 'team-sessions');
    assert.equal(d?.spec.strategy?.type, 'Recreate');
    assert.equal(await exists(['pvc', 'chat-sessions', '-n', ns]), false);

    await applyInstance(ns, 'chat', { provider: 'OPENAI', replicas: 2, persistence: { enabled: true, existingClaim: 'team-sessions', accessModes: ['ReadWriteMany'] } });
    await eventually('RollingUpdate with 2 replicas', async () => {
      const now = await deployment(ns);
      return now?.spec.strategy?.type === 'RollingUpdate' && now.spec.replicas === 2;
    });
  });
});
