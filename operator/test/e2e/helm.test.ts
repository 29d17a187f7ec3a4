// The Helm chart on the full local plane: helm install -> the operator's
// Deployment Available -> a seed sample READY -> helm upgrade with other values
// rolls the operator out with them -> helm uninstall removes the operator and
// leaves the CRD (the chart's crds.keep) and the instances.
//
// kwok runs no containers, so "the operator is Ready" here means the chart's
// Deployment becomes Available with kwok's pods (admitted under the restricted
// Pod Security profile). The instance is then reconciled by the real operator
// process, run outside the plane with a token of the chart-installed
// ServiceAccount: only the chart's RBAC lets it do its job.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitForCondition } from '../../hack/controlplane/wait.ts';
import { CHART_DIR, RELEASE_NAME, RELEASE_NAMESPACE, helmRunner, type Helm } from '../../hack/helm/helm.ts';
import { usePlane } from '../support/cluster.ts';
import { SAMPLES_DIR, eventually, getJson, startOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('full');
const CRD = 'customresourcedefinition/chatcliinstances.chatcli.diillson.com';

type Deployment = {
  metadata: { generation: number };
  spec: { replicas: number; template: { spec: { containers: { args: string[]; image: string }[] } } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
};

describe('the Helm chart on a cluster (full plane)', () => {
  let helm: Helm;
  let helm3: Helm;
  let operator: RunningOperator | undefined;
  const h = (args: string[], runner = helm) => runner(args, { kubeconfig: plane().kubeconfigPath });
  const deployment = () => getJson<Deployment>(plane(), ['deployment', RELEASE_NAME, '-n', RELEASE_NAMESPACE]);
  /** Rolled out: the controller saw the latest spec and every replica is updated and available. */
  const rolledOut = async (replicas: number) => {
    const d = await deployment();
    return d?.status?.observedGeneration === d?.metadata.generation && d?.spec.replicas === replicas
      && d?.status?.updatedReplicas === replicas && d?.status?.availableReplicas === replicas && d?.status?.replicas === replicas;
  };

  before(async () => {
    [helm, helm3] = [await helmRunner(), await helmRunner(undefined, 3)];
  }, { timeout: 1_200_000 });
  after(async () => {
    if (operator) await operator.stop('SIGTERM');
  });

  it('helm install: the CRD (a template, kept on uninstall), the operator Available under the restricted profile', { timeout: 120_000 }, async () => {
    const k = plane().kubectl;
    await h(['install', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--create-namespace', '--wait', '--timeout', '90s']);
    await k(['label', 'namespace', RELEASE_NAMESPACE, 'pod-security.kubernetes.io/enforce=restricted']);
    await waitForCondition(k, ['-n', RELEASE_NAMESPACE, `deployment/${RELEASE_NAME}`], 'Available');
    await eventually('the operator rolled out', () => rolledOut(2), 60_000);
    assert.match(await k(['get', CRD, '-o', 'jsonpath={.metadata.annotations}']), /"helm.sh\/resource-policy":"keep"/);
    assert.match(await h(['status', RELEASE_NAME, '-n', RELEASE_NAMESPACE]), /STATUS: deployed/);
    const policy = await getJson(plane(), ['validatingadmissionpolicy', 'chatcli-watcher-targets']);
    assert.ok(policy, 'the admission policy is installed by default');
    // Restarting the pods under the now-enforced profile: all admitted again.
    await k(['rollout', 'restart', `deployment/${RELEASE_NAME}`, '-n', RELEASE_NAMESPACE]);
    await eventually('the operator rolled out again under enforce=restricted', () => rolledOut(2), 60_000);
    const refused = await k(['get', 'events', '-n', RELEASE_NAMESPACE, '--field-selector=reason=FailedCreate', '-o', 'name']);
    assert.equal(refused.trim(), '');
  });

  it("a seed sample becomes READY, reconciled with nothing but the chart's RBAC", { timeout: 90_000 }, async () => {
    const k = plane().kubectl;
    const kc = await plane().serviceAccountKubeConfig(RELEASE_NAMESPACE, RELEASE_NAME);
    const path = join(plane().dir, 'chart-operator.kubeconfig');
    await writeFile(path, kc.exportConfig(), { mode: 0o600 });
    operator = await startOperator(path);
    await k(['create', 'namespace', 'production']);
    await k(['label', 'namespace', 'production', 'chatcli.diillson.com/watchable=true']);
    await k(['create', 'secret', 'generic', 'chatcli-api-keys', '-n', 'default', '--from-literal=ANTHROPIC_API_KEY=placeholder']);
    await k(['apply', '-n', 'default', '-f', join(SAMPLES_DIR, 'chatcli_v1alpha1_single_target.yaml')]);
    await waitForCondition(k, ['-n', 'default', 'chatcliinstance/chatcli-watcher'], 'Available', 60_000);
    await eventually('READY true', async () => (await k(['get', 'chatcliinstance', 'chatcli-watcher', '-n', 'default', '-o', 'jsonpath={.status.ready}'])) === 'true', 30_000);
    // The watcher's Role in the target namespace: granted with the chart's ClusterRole's permissions.
    assert.match(await k(['get', 'role', 'default.chatcli-watcher-watcher', '-n', 'production', '-o', 'name']), /default\.chatcli-watcher-watcher/);
  });

  it('helm upgrade with other values (log level, replicas) rolls the operator out with them', { timeout: 90_000 }, async () => {
    const before = await deployment();
    assert.ok(before?.spec.template.spec.containers[0]!.args.includes('--log-level=info'));
    await h(['upgrade', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--set', 'logLevel=debug,replicas=1', '--wait', '--timeout', '60s']);
    await eventually('one replica with --log-level=debug', () => rolledOut(1), 60_000);
    const d = (await deployment())!;
    assert.ok(d.metadata.generation > before!.metadata.generation);
    assert.deepEqual(d.spec.template.spec.containers[0]!.args.filter((a) => a.startsWith('--log-level')), ['--log-level=debug']);
    // The Deployment's status is its controller's count: the pods themselves are read until they say so.
    await eventually('one operator pod not being deleted', async () =>
      (await getJson<{ items: { metadata: { deletionTimestamp?: string } }[] }>(plane(), ['pods', '-n', RELEASE_NAMESPACE, '-l', 'app.kubernetes.io/name=chatcli-operator']))?.items.filter((p) => !p.metadata.deletionTimestamp).length === 1, 60_000);
    assert.match(await h(['history', RELEASE_NAME, '-n', RELEASE_NAMESPACE]), /^2\s.*deployed/m);
  });

  it('helm uninstall removes the operator and leaves the CRD and every instance', { timeout: 90_000 }, async () => {
    const k = plane().kubectl;
    await operator?.stop('SIGTERM');
    operator = undefined;
    await h(['uninstall', RELEASE_NAME, '--namespace', RELEASE_NAMESPACE, '--wait', '--timeout', '60s']);
    const left = await k(['get', 'deployment,serviceaccount,service,role,rolebinding', '-n', RELEASE_NAMESPACE, '-l', 'app.kubernetes.io/name=chatcli-operator', '-o', 'name']);
    assert.equal(left.trim(), '');
    const cluster = await k(['get', 'clusterrole,clusterrolebinding,validatingadmissionpolicy,validatingadmissionpolicybinding', '-l', 'app.kubernetes.io/name=chatcli-operator', '-o', 'name']);
    assert.equal(cluster.trim(), '');
    assert.match(await k(['get', CRD, '-o', 'name']), /chatcliinstances/, 'helm.sh/resource-policy: keep (crds.keep)');
    assert.match(await k(['get', 'chatcliinstance', 'chatcli-watcher', '-n', 'default', '-o', 'name']), /chatcli-watcher/);
  });

  it('helm install --take-ownership adopts an installation made with kustomize (make deploy), without rolling the operator', { timeout: 120_000 }, async () => {
    const k = plane().kubectl;
    await k(['apply', '--server-side', '-f', '-'], await k(['kustomize', join(SAMPLES_DIR, '..', 'default')]));
    await eventually('the kustomize install rolled out', () => rolledOut(2), 60_000);
    const names = async (kind: string) => (await k(['get', kind, '-n', RELEASE_NAMESPACE, '-l', 'app.kubernetes.io/name=chatcli-operator', '-o', 'jsonpath={.items[*].metadata.uid}'])).trim();
    const [setsBefore, podsBefore] = [await names('replicasets'), await names('pods')];
    try {
      // Helm 4 applies server-side: fields kubectl applied are taken over with --force-conflicts.
      await h(['install', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--take-ownership', '--force-conflicts', '--wait', '--timeout', '90s']);
      // Helm's ownership annotations bump the Deployment's generation (the API server
      // counts annotation changes on a Deployment), but the pod template is the same:
      // once the controller has observed that generation, the same ReplicaSet and pods.
      await eventually('the new generation observed, still rolled out', () => rolledOut(2), 60_000);
      assert.equal(await names('replicasets'), setsBefore, 'no new ReplicaSet');
      assert.equal(await names('pods'), podsBefore, 'the same pods');
      assert.match(await h(['status', RELEASE_NAME, '-n', RELEASE_NAMESPACE]), /STATUS: deployed/);
    } finally {
      await h(['uninstall', RELEASE_NAME, '--namespace', RELEASE_NAMESPACE, '--wait', '--timeout', '60s']);
    }
    assert.equal((await k(['get', 'deployment', '-n', RELEASE_NAMESPACE, '-o', 'name'])).trim(), '');
  });

  it('helm 3 installs, upgrades and uninstalls the same chart', { timeout: 120_000 }, async () => {
    const k = plane().kubectl;
    // The CRD kept by the last uninstall still names this release: Helm 3 adopts it.
    await h(['install', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--wait', '--timeout', '90s'], helm3);
    await eventually('two replicas', () => rolledOut(2), 60_000);
    await h(['upgrade', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--set', 'replicas=1', '--wait', '--timeout', '60s'], helm3);
    await eventually('one replica', () => rolledOut(1), 60_000);
    await h(['uninstall', RELEASE_NAME, '--namespace', RELEASE_NAMESPACE, '--wait', '--timeout', '60s'], helm3);
    assert.equal((await k(['get', 'deployment', '-n', RELEASE_NAMESPACE, '-o', 'name'])).trim(), '');
    assert.match(await k(['get', CRD, '-o', 'name']), /chatcliinstances/);
  });
});
