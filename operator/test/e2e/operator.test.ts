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
      spec: { provider: 'OPENAI', replicas: 2, persistence: { enabled: true }, watcher: { enabled: true, targets: [{ deployment: 'x', namespace: 'production' }] } },
    }));
    await waitForCondition(k, ['-n', 'secure', 'chatcliinstance/locked'], 'Available');
    const pods = await getJson<{ items: { status: { phase: string } }[] }>(plane(), ['pods', '-n', 'secure', '-l', 'app.kubernetes.io/instance=locked']);
    assert.equal(pods?.items.filter((p) => p.status.phase === 'Running').length, 2);
    const rs = await k(['get', 'events', '-n', 'secure', '--field-selector=reason=FailedCreate', '-o', 'name']);
    assert.equal(rs.trim(), '', 'no pod was refused by Pod Security admission');
  });

  it('a missing API-key Secret shows up as a condition naming it', { timeout: 90_000 }, async () => {
    const k = plane().kubectl;
    await k(['create', 'namespace', 'nosecret']);
    await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'chat', namespace: 'nosecret' },
      spec: { provider: 'OPENAI', apiKeys: { name: 'absent-keys' } },
    }));
    let pod = '';
    await eventually('a pod', async () => {
      pod = (await k(['get', 'pods', '-n', 'nosecret', '-l', 'app.kubernetes.io/instance=chat', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
      return pod !== '';
    }, 60_000);
    // No kubelet here: play it for this pod (kwok leaves pods with this annotation alone)
    // and report exactly what a kubelet reports when envFrom names a missing Secret.
    await k(['annotate', 'pod', pod, '-n', 'nosecret', 'kwok.x-k8s.io/status=custom']);
    const status = {
      phase: 'Pending',
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [{
        name: 'chatcli', image: 'ghcr.io/diillson/chatcli:latest', imageID: '', ready: false, restartCount: 0,
        state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "absent-keys" not found' } },
      }],
    };
    await k(['patch', 'pod', pod, '-n', 'nosecret', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    await eventually('SecretsFound=False naming the Secret', async () => {
      const i = await getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', 'nosecret']);
      const c = condition(i, 'SecretsFound');
      return c?.status === 'False' && c.message.includes('"absent-keys"') && c.message.includes('spec.apiKeys.name');
    }, 60_000);
    const i = await getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', 'nosecret']);
    assert.equal(i?.status?.ready, false);
    assert.equal(condition(i, 'Available')?.status, 'False');
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

  it('the admission policy that config/default installs type-checks against the CRD without a warning', { timeout: 60_000 }, async () => {
    // The controller-manager type-checks every ValidatingAdmissionPolicy and writes the result to its status.
    type Policy = { metadata: { generation: number }; status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] } } };
    const policy = () => getJson<Policy>(plane(), ['validatingadmissionpolicy', 'chatcli-watcher-targets']);
    await eventually('the policy type-checked', async () => {
      const p = await policy();
      return p?.status?.typeChecking !== undefined && p.status.observedGeneration === p.metadata.generation;
    }, 45_000);
    assert.deepEqual((await policy())?.status?.typeChecking?.expressionWarnings ?? [], []);
  });
});
