// Smoke tests: the local control plane (api mode) is a real Kubernetes API server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { waitForCrd } from '../../hack/controlplane/wait.ts';
import { usePlane } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { pinnedVersions } from '../support/versions.ts';

const plane = usePlane('api');

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe('local control plane (api mode)', () => {
  it('/version reports the pinned Kubernetes version', async () => {
    const version = JSON.parse(await plane().kubectl(['get', '--raw=/version'])) as { gitVersion: string };
    assert.equal(version.gitVersion, pinnedVersions().K8S_VERSION);
  });

  it('refuses a ServiceAccount that lacks pods/log to grant pods/log, and allows it once held', async () => {
    const p = plane();
    const ns = 'rbac-escalation';
    await p.kubectl(['create', 'namespace', ns]);
    await p.kubectl(['create', 'serviceaccount', 'granter', '-n', ns]);
    // The granter may manage Roles, and read pods, but not pods/log.
    await p.kubectl(['create', 'role', 'role-admin', '-n', ns, '--verb=create,get,list', '--resource=roles,pods']);
    await p.kubectl(['create', 'rolebinding', 'role-admin', '-n', ns, '--role=role-admin', `--serviceaccount=${ns}:granter`]);
    // The authorizer reads RBAC from its own caches: each grant is waited for until it takes effect.
    const can = async (what: string[]) =>
      (await p.kubectl(['auth', 'can-i', ...what, '-n', ns, `--as=system:serviceaccount:${ns}:granter`]).catch(() => 'no')).trim() === 'yes';
    await eventually('the granter may create Roles', () => can(['create', 'roles']));
    const rbac = (await p.serviceAccountKubeConfig(ns, 'granter')).makeApiClient(RbacAuthorizationV1Api);
    const role = (name: string) => ({
      metadata: { name },
      rules: [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }],
    });
    const refused = await statusOf(rbac.createNamespacedRole({ namespace: ns, body: role('logs-1') }));
    assert.equal(refused, 403, 'granting pods/log without holding it must be forbidden (escalation check)');

    await p.kubectl(['create', 'role', 'log-reader', '-n', ns, '--verb=get', '--resource=pods/log']);
    await p.kubectl(['create', 'rolebinding', 'log-reader', '-n', ns, '--role=log-reader', `--serviceaccount=${ns}:granter`]);
    await eventually('the granter holds pods/log', () => can(['get', 'pods', '--subresource=log']));
    assert.equal(await statusOf(rbac.createNamespacedRole({ namespace: ns, body: role('logs-2') })), 200);
  });

  it('a namespace enforcing the restricted profile refuses a privileged pod and admits a compliant one', async () => {
    const p = plane();
    const ns = 'restricted';
    await p.kubectl(['create', 'namespace', ns]);
    await p.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
    // No controller-manager in api mode: the default ServiceAccount is ours to create.
    await p.kubectl(['create', 'serviceaccount', 'default', '-n', ns]);
    const core = p.adminKubeConfig().makeApiClient(CoreV1Api);
    const pod = (name: string, securityContext: object, podSecurity: object = {}) => ({
      metadata: { name },
      spec: { securityContext: podSecurity, containers: [{ name: 'c', image: 'busybox', securityContext }] },
    });
    const err = await core
      .createNamespacedPod({ namespace: ns, body: pod('bad', { privileged: true }) })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiException, 'privileged pod must be refused');
    assert.equal(err.code, 403);
    assert.match((JSON.parse(String(err.body)) as { message: string }).message, /violates PodSecurity "restricted:latest": privileged/);

    const ok = await statusOf(core.createNamespacedPod({
      namespace: ns,
      body: pod('good',
        { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1000 },
        { seccompProfile: { type: 'RuntimeDefault' } }),
    }));
    assert.equal(ok, 200);
  });

  it('a CRD x-kubernetes-validations rule refuses an object that breaks it, with the rule message', async () => {
    const p = plane();
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.smoke.example.com' },
      spec: {
        group: 'smoke.example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: {
            type: 'object',
            properties: { spec: {
              type: 'object',
              properties: { min: { type: 'integer' }, max: { type: 'integer' } },
              'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min must not exceed max' }],
            } },
          } },
        }],
      },
    };
    await p.kubectl(['apply', '-f', '-'], JSON.stringify(crd));
    await waitForCrd(p.kubectl, 'widgets.smoke.example.com', 30_000);
    const widget = (name: string, min: number, max: number) =>
      JSON.stringify({ apiVersion: 'smoke.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { min, max } });
    await assert.rejects(p.kubectl(['create', '-f', '-'], widget('bad', 5, 1)), /The Widget "bad" is invalid: spec: Invalid value: .*min must not exceed max/);
    await p.kubectl(['create', '-f', '-'], widget('good', 1, 5));
  });

  it('restart(name): the API server and etcd come back on the same address with the same data (chaos faults)', { timeout: 180_000 }, async () => {
    const p = plane();
    await p.kubectl(['create', 'configmap', 'survives-restarts', '-n', 'default', '--from-literal=k=v']);
    for (const name of ['kube-apiserver', 'etcd']) {
      await p.restart(name, { downMs: 500 });
      assert.equal((await p.kubectl(['get', 'configmap', 'survives-restarts', '-n', 'default', '-o', 'jsonpath={.data.k}'])).trim(), 'v', `after restarting ${name}`);
    }
    await assert.rejects(p.restart('no-such-process'), /no running process no-such-process/);
  });
});
