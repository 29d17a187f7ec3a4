// End to end on the full local plane: controller-manager rolls Deployments out,
// the scheduler binds pods to a kwok Node, kwok makes them Ready, the garbage
// collector removes what an instance owned. The operator runs as its own
// ServiceAccount with config/rbac/role.yaml only.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitForCondition } from '../../hack/controlplane/wait.ts';
import { usePlane } from '../support/cluster.ts';
import { SAMPLES_DIR, eventually, getJson, installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('full');
const samples = readdirSync(SAMPLES_DIR).filter((f) => f.startsWith('chatcli_') && f.endsWith('.yaml')).sort();

interface Instance {
  metadata: { name: string };
  status?: { ready?: boolean; conditions?: { type: string; status: string; reason: string; message: string }[] };
}
const condition = (i: Instance | undefined, type: string) => i?.status?.conditions?.find((c) => c.type === type);

describe('operator end to end (full plane)', () => {
  let operator: RunningOperator;
  before(async () => {
    const k = plane().kubectl;
    const kubeconfig = await installOperator(plane());
    operator = await startOperator(kubeconfig);
    for (const ns of ['production', 'batch', 'ml']) {
      await k(['create', 'namespace', ns]);
      await k(['label', 'namespace', ns, 'chatcli.diillson.com/watchable=true']); // the targets opt in to being watched
    }
    // The Secrets the samples refer to (placeholder values).
    await k(['create', 'secret', 'generic', 'chatcli-api-keys', '-n', 'default', '--from-literal=ANTHROPIC_API_KEY=placeholder']);
    await k(['create', 'secret', 'generic', 'chatcli-auth', '-n', 'default', '--from-literal=token=placeholder']);
    await k(['create', 'secret', 'generic', 'chatcli-tls', '-n', 'default', '--type=kubernetes.io/tls', '--from-literal=tls.crt=x', '--from-literal=tls.key=y']);
  }, { timeout: 120_000 });
  after(async () => {
    if (operator) assert.equal(await operator.stop('SIGTERM'), 0);
  });

  it('every seed sample reaches READY true, and kubectl wait --for=condition=Available succeeds', { timeout: 120_000 }, async () => {
    assert.equal(samples.length, 4, `the four seed samples: ${samples.join(', ')}`);
    const names: string[] = [];
    for (const file of samples) {
      const out = await plane().kubectl(['apply', '-n', 'default', '-f', join(SAMPLES_DIR, file), '-o', 'name']);
      names.push(out.trim());
    }
    for (const name of names) {
      await waitForCondition(plane().kubectl, ['-n', 'default', name], 'Available', 90_000);
    }
    const table = await plane().kubectl(['get', 'chatcliinstances', '-n', 'default']);
    const rows = table.trim().split('\n');
    assert.match(rows[0] ?? '', /^NAME\s+READY\s+REPLICAS\s+PROVIDER\s+AGE/);
    for (const row of rows.slice(1)) assert.match(row, /^\S+\s+true\s+1\s+[A-Z]+\s+\S+$/, row);
    assert.equal(rows.length - 1, names.length);
  });

  it('pods are admitted in a namespace that enforces the restricted Pod Security profile', { timeout: 90_000 }, async () => {
    const k = plane().kubectl;
    await k(['create', 'namespace', 'secure']);
    await k(['label', 'namespace', 'secure', 'pod-security.kubernetes.io/enforce=restricted']);
    await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'locked', namespace: 'secure' },
      // Two replicas share the sessions claim: ReadWriteMany (the API refuses them on ReadWriteOnce).
      spec: { provider: 'OPENAI', replicas: 2, persistence: { enabled: true, accessModes: ['ReadWriteMany'] }, watcher: { enabled: true, targets: [{ deployment: 'x', namespace: 'production' }] } },
    }));
    await waitForCondition(k, ['-n', 'secure', 'chatcliinstance/locked'], 'Available');
    // Available is the operator's reading of the Deployment: the pods themselves are read until they say so.
    await eventually('2 Running pods', async () =>
      (await getJson<{ items: { status: { phase: string } }[] }>(plane(), ['pods', '-n', 'secure', '-l', 'app.kubernetes.io/instance=locked']))?.items.filter((p) => p.status.phase === 'Running').length === 2);
    const rs = await k(['get', 'events', '-n', 'secure', '--field-selector=reason=FailedCreate', '-o', 'name']);
    assert.equal(rs.trim(), '', 'no pod was refused by Pod Security admission');
  });

  it('the knobs reach the pods: placement, priority, pull secrets, labels, annotations, environment; the PodDisruptionBudget covers both', { timeout: 120_000 }, async () => {
    const k = plane().kubectl;
    await k(['create', 'namespace', 'knobs']);
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'chatcli-e2e' }, value: 1000 }));
    const toleration = { key: 'dedicated', operator: 'Equal', value: 'ai', effect: 'NoSchedule' };
    const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] } };
    await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'placed', namespace: 'knobs' },
      spec: {
        provider: 'OLLAMA', replicas: 2,
        nodeSelector: { type: 'kwok' }, tolerations: [toleration], affinity: { nodeAffinity },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
        priorityClassName: 'chatcli-e2e', imagePullSecrets: [{ name: 'registry' }],
        podLabels: { team: 'platform' }, podAnnotations: { 'example.com/note': 'hello' },
        env: [{ name: 'OLLAMA_BASE_URL', value: 'http://ollama:11434' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
        envFrom: [{ configMapRef: { name: 'tuning', optional: true } }],
      },
    }));
    await waitForCondition(k, ['-n', 'knobs', 'chatcliinstance/placed'], 'Available', 90_000);
    type Pod = {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { nodeName: string; nodeSelector: unknown; tolerations: unknown[]; affinity: unknown; topologySpreadConstraints: unknown[]; priorityClassName: string; priority: number; imagePullSecrets: unknown[];
        containers: { env: unknown[]; envFrom: unknown[] }[] };
      status: { phase: string };
    };
    let pods: Pod[] = [];
    await eventually('2 Running pods', async () => {
      pods = (await getJson<{ items: Pod[] }>(plane(), ['pods', '-n', 'knobs', '-l', 'app.kubernetes.io/instance=placed']))?.items ?? [];
      return pods.length === 2 && pods.every((p) => p.status.phase === 'Running');
    });
    for (const pod of pods) {
      assert.equal(pod.spec.nodeName, 'kwok-node-0', 'scheduled where the nodeSelector and affinity allow');
      assert.deepEqual(pod.spec.nodeSelector, { type: 'kwok' });
      // Beside the not-ready/unreachable tolerations the API server adds.
      assert.deepEqual(pod.spec.tolerations.find((t) => (t as { key?: string }).key === 'dedicated'), toleration);
      assert.deepEqual(pod.spec.affinity, { nodeAffinity });
      assert.deepEqual(pod.spec.topologySpreadConstraints, [{
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'chatcli', 'app.kubernetes.io/instance': 'placed' } },
      }]);
      assert.equal(pod.spec.priorityClassName, 'chatcli-e2e');
      assert.equal(pod.spec.priority, 1000, 'the priority admission plugin resolved the class');
      assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'registry' }]);
      assert.equal(pod.metadata.labels.team, 'platform');
      assert.equal(pod.metadata.labels['app.kubernetes.io/instance'], 'placed');
      assert.equal(pod.metadata.annotations['example.com/note'], 'hello');
      const [container] = pod.spec.containers;
      assert.deepEqual(container?.env, [{ name: 'OLLAMA_BASE_URL', value: 'http://ollama:11434' }, { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } }]);
      assert.deepEqual(container?.envFrom, [{ configMapRef: { name: 'tuning', optional: true } }, { configMapRef: { name: 'placed' } }]);
    }
    // The disruption controller counts both pods under the budget and allows one eviction.
    await eventually('the PodDisruptionBudget sees both pods', async () => {
      const pdb = await getJson<{ status?: { expectedPods?: number; disruptionsAllowed?: number } }>(plane(), ['pdb', 'placed', '-n', 'knobs']);
      return pdb?.status?.expectedPods === 2 && pdb.status.disruptionsAllowed === 1;
    }, 60_000);
  });

  it('autoscaling: the HorizontalPodAutoscaler controller raises the Deployment to minReplicas, the operator leaves that count, and switching off sets spec.replicas', { timeout: 150_000 }, async () => {
    const k = plane().kubectl;
    await k(['create', 'namespace', 'scaled']);
    const spec = { provider: 'OPENAI', replicas: 1, resources: { requests: { cpu: '100m' } } };
    const scaling = { enabled: true, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 70 };
    const apply = (s: Record<string, unknown>) =>
      k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'chat', namespace: 'scaled' }, spec: s }));
    const replicas = async () => (await getJson<{ spec: { replicas: number } }>(plane(), ['deployment', 'chat', '-n', 'scaled']))?.spec.replicas;
    await apply(spec);
    await waitForCondition(k, ['-n', 'scaled', 'chatcliinstance/chat'], 'Available', 60_000);
    assert.equal(await replicas(), 1);

    await apply({ ...spec, autoscaling: scaling });
    // Without metrics the controller still holds the bounds: 1 is below minReplicas.
    await eventually('the autoscaler scaled to 2', async () => (await replicas()) === 2, 90_000);
    await eventually('Available with 2/2 replicas ready', async () => {
      const i = await getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', 'scaled']);
      const available = condition(i, 'Available');
      return available?.status === 'True' && available.message === '2/2 replicas ready';
    }, 60_000);
    // A pod-template change makes the operator apply the Deployment again: the count stays.
    await apply({ ...spec, autoscaling: scaling, podAnnotations: { 'example.com/rev': '2' } });
    await eventually('the annotation rolled out', async () => (await k(['get', 'deployment', 'chat', '-n', 'scaled', '-o', 'jsonpath={.spec.template.metadata.annotations.example\\.com/rev}'])) === '2');
    assert.equal(await replicas(), 2);

    await apply({ ...spec, replicas: 3, podAnnotations: { 'example.com/rev': '2' } });
    await eventually('spec.replicas back in charge: 3', async () => (await replicas()) === 3, 30_000);
    await eventually('the HorizontalPodAutoscaler pruned', async () => (await getJson(plane(), ['hpa', 'chat', '-n', 'scaled'])) === undefined, 30_000);
    await waitForCondition(k, ['-n', 'scaled', 'chatcliinstance/chat'], 'Available', 60_000);
  });

  it('deleting an instance garbage-collects everything it became', { timeout: 90_000 }, async () => {
    const k = plane().kubectl;
    await k(['delete', 'chatcliinstance', 'chatcli-multi', '-n', 'default', '--wait=true', '--timeout=60s']);
    const selector = 'app.kubernetes.io/instance=chatcli-multi';
    await eventually('every owned object gone', async () => {
      const left = await k(['get', 'deployment,replicaset,pod,service,configmap,serviceaccount,persistentvolumeclaim,role,rolebinding', '-A', '-l', selector, '-o', 'name']);
      const cluster = await k(['get', 'clusterrole,clusterrolebinding', '-l', selector, '-o', 'name']);
      return left.trim() === '' && cluster.trim() === '';
    }, 60_000);
  });

  it("the operator's own manifests (config/default) install, and its pods are admitted under the restricted profile", { timeout: 90_000 }, async () => {
    const k = plane().kubectl;
    const manifests = await k(['kustomize', join(SAMPLES_DIR, '..', 'default')]);
    await k(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifests);
    const labels = await k(['get', 'namespace', 'chatcli-system', '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}']);
    assert.equal(labels, 'restricted');
    await k(['rollout', 'status', 'deployment/chatcli-operator', '-n', 'chatcli-system', '--timeout=60s']);
    const pods = await getJson<{ items: unknown[] }>(plane(), ['pods', '-n', 'chatcli-system', '-l', 'app.kubernetes.io/name=chatcli-operator']);
    assert.equal(pods?.items.length, 2);
  });

  it('the admission policies that config/default installs type-check against the CRD without a warning', { timeout: 60_000 }, async () => {
    // The controller-manager type-checks every ValidatingAdmissionPolicy and writes the result to its status.
    type Policy = { metadata: { name: string; generation: number }; status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] } } };
    const ours = async () => ((await getJson<{ items: Policy[] }>(plane(), ['validatingadmissionpolicies']))?.items ?? [])
      .filter((p) => p.metadata.name.startsWith('chatcli-watcher-targets'));
    await eventually('every policy type-checked', async () => {
      const policies = await ours();
      return policies.length === 6 && policies.every((p) => p.status?.typeChecking !== undefined && p.status.observedGeneration === p.metadata.generation);
    }, 45_000);
    for (const p of await ours()) assert.deepEqual(p.status?.typeChecking?.expressionWarnings ?? [], [], p.metadata.name);
  });
});
