// What src/desired renders, as a real API server takes it: every seed sample's
// objects pass validation; the watcher's Role allows exactly the calls ChatCLI
// makes (src/desired/chatcli.ts) and refuses the rest; the Deployment strategy
// switches both ways, also from a Deployment an earlier operator made; agents,
// skills and the metrics port render objects it takes, and turning metrics off
// takes the Service's metrics port away.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../src/api/defaults.ts';
import { callsFor, WATCHER_CALLS, type WatcherCall } from '../../src/desired/chatcli.ts';
import { strategyResetBeforeApply } from '../../src/desired/deployment.ts';
import { desiredObjects, type KubeObject } from '../../src/desired/index.ts';
import { toYamlStream } from '../../src/desired/yamlstream.ts';
import { applyObject, getObject, patchMerge } from '../../src/runtime/apply.ts';
import { Deployments } from '../../src/runtime/resources.ts';
import { usePlane } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

const plane = usePlane('api');
const samplesDir = new URL('../../config/samples/', import.meta.url);

function instanceOf(spec: Record<string, unknown>, name: string, namespace: string) {
  return withDefaults({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name, namespace }, spec } as unknown as ChatCLIInstance);
}

async function ensureNamespaces(names: string[]): Promise<void> {
  for (const ns of names) await plane().kubectl(['create', 'namespace', ns]).catch((e: Error) => assert.match(e.message, /AlreadyExists/));
}

interface AccessReview { status: { allowed: boolean; reason?: string } }

/** Whether the ServiceAccount may make this call, as the API server's authorizer decides it. */
async function allowed(sa: { namespace: string; name: string }, attrs: { namespace?: string; verb: string; group: string; resource: string; subresource?: string; name?: string }): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
      resourceAttributes: attrs,
    },
  };
  const out = JSON.parse(await plane().kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify(review))) as AccessReview;
  return out.status.allowed;
}

describe('desired objects on a real API server', () => {
  it('every seed sample renders objects the API server accepts (server-side dry run)', async () => {
    const files = readdirSync(samplesDir).filter((f) => f.startsWith('chatcli_') && f.endsWith('.yaml'));
    assert.equal(files.length, 4);
    for (const file of files) {
      const raw = parse(readFileSync(new URL(file, samplesDir), 'utf8')) as ChatCLIInstance;
      raw.metadata.namespace ??= 'default';
      const objects = desiredObjects(withDefaults(raw));
      await ensureNamespaces([...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))]);
      await plane().kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=chatcli-operator', '-f', '-'], toYamlStream(objects));
    }
  });

  it('agents and skills volumes and a moved or closed metrics port render objects the API server accepts (server-side dry run)', async () => {
    await ensureNamespaces(['persona']);
    const persona = { agents: { configMaps: [{ name: 'team-agents' }, { name: 'sre-agents' }] }, skills: { configMaps: [{ name: 'team-skills' }] } };
    for (const metrics of [{ port: 9100 }, { port: 0 }]) {
      const objects = desiredObjects(instanceOf({ provider: 'OPENAI', ...persona, server: { metrics } }, 'chat', 'persona'));
      await plane().kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=chatcli-operator', '-f', '-'], toYamlStream(objects));
    }
  });

  it('metrics port 0 takes the metrics port off the Service the operator applied with 9090', async () => {
    await ensureNamespaces(['metrics-off']);
    const serviceOf = (metrics: Record<string, unknown>) =>
      desiredObjects(instanceOf({ provider: 'OPENAI', server: { metrics } }, 'chat', 'metrics-off')).filter((o) => o.kind === 'Service');
    await plane().kubectl(['apply', '--server-side', '--field-manager=chatcli-operator', '-f', '-'], toYamlStream(serviceOf({})));
    await plane().kubectl(['apply', '--server-side', '--field-manager=chatcli-operator', '-f', '-'], toYamlStream(serviceOf({ port: 0 })));
    const live = JSON.parse(await plane().kubectl(['get', 'service', 'chat', '-n', 'metrics-off', '-o', 'json'])) as { spec: { ports: { name: string }[] } };
    assert.deepEqual(live.spec.ports.map((p) => p.name), ['grpc']);
  });

  it('the watcher Roles allow every call ChatCLI makes in each target namespace for the kinds there, and nothing else: no node, no Secret, no write', async () => {
    const inst = instanceOf({
      provider: 'OPENAI',
      watcher: { enabled: true, targets: [{ deployment: 'api', namespace: 'rbac-target' }, { deployment: 'migrate', namespace: 'rbac-jobs', kind: 'Job' }] },
    }, 'chat', 'rbac-home');
    await ensureNamespaces(['rbac-home', 'rbac-target', 'rbac-jobs', 'rbac-other']);
    const objects = desiredObjects(inst).filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding');
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.namespace}`), ['Role/rbac-jobs', 'RoleBinding/rbac-jobs', 'Role/rbac-target', 'RoleBinding/rbac-target']);
    await plane().kubectl(['apply', '--server-side', '-f', '-'], toYamlStream(objects));
    const sa = { namespace: 'rbac-home', name: 'chat' };
    const attrsOf = (call: WatcherCall) => {
      const [resource, subresource] = call.resource.split('/') as [string, string | undefined];
      return { verb: call.verb, group: call.group, resource, ...(subresource ? { subresource } : {}) };
    };
    // The authorizer reads Roles and bindings from its own caches: wait until it grants by these.
    const logs = WATCHER_CALLS.find((c) => c.resource === 'pods/log')!;
    for (const namespace of ['rbac-target', 'rbac-jobs']) {
      await eventually(`the authorizer granting by the new Role in ${namespace}`, () => allowed(sa, { namespace, ...attrsOf(logs) }));
    }

    for (const call of WATCHER_CALLS) {
      const attrs = attrsOf(call);
      const shown = `${call.verb} ${call.group}/${call.resource} (${call.scope}${call.targetKinds ? `, ${call.targetKinds.join('/')}` : ''})`;
      if (call.scope === 'cluster') {
        assert.equal(await allowed(sa, attrs), false, shown);
        continue;
      }
      assert.equal(await allowed(sa, { ...attrs, namespace: 'rbac-target' }), callsFor(call, 'Deployment'), `${shown} for a Deployment`);
      assert.equal(await allowed(sa, { ...attrs, namespace: 'rbac-jobs' }), callsFor(call, 'Job'), `${shown} for a Job`);
      assert.equal(await allowed(sa, { ...attrs, namespace: 'rbac-other' }), false, `${shown} outside the targets' namespaces`);
    }
    for (const [verb, group, resource] of [['get', '', 'secrets'], ['list', '', 'secrets'], ['watch', '', 'pods'], ['patch', 'apps', 'deployments'], ['delete', '', 'pods'], ['list', 'apps', 'deployments'], ['get', '', 'services'], ['list', 'batch', 'jobs']] as const) {
      assert.equal(await allowed(sa, { namespace: 'rbac-target', verb, group, resource }), false, `${verb} ${group}/${resource}`);
      assert.equal(await allowed(sa, { namespace: 'rbac-jobs', verb, group, resource }), false, `${verb} ${group}/${resource}`);
    }
  });

  it('the strategy switches to Recreate and back, also on a Deployment an earlier operator made with the defaulted RollingUpdate', async () => {
    await ensureNamespaces(['strategy']);
    const deploymentOf = (persistence: boolean): KubeObject => {
      const d = desiredObjects(instanceOf({ provider: 'OPENAI', persistence: { enabled: persistence } }, 'chat', 'strategy')).find((o) => o.kind === 'Deployment');
      assert.ok(d);
      return d;
    };
    const ref = { namespace: 'strategy', name: 'chat' };
    const kc = plane().adminKubeConfig();
    const applyDesired = async (obj: KubeObject) => {
      const reset = strategyResetBeforeApply(obj, await getObject(kc, Deployments, ref));
      if (reset) await patchMerge(kc, Deployments, ref, reset);
      const live = (await applyObject(kc, Deployments, obj as never, { fieldManager: 'chatcli-operator' })) as { spec: { strategy: unknown } };
      return live.spec.strategy;
    };

    // An earlier operator left the strategy out: the API server defaulted a rollingUpdate nobody owns.
    const earlier = deploymentOf(false);
    delete (earlier.spec as { strategy?: unknown }).strategy;
    await applyObject(kc, Deployments, earlier as never, { fieldManager: 'chatcli-operator' });
    const recreate = deploymentOf(true);
    await assert.rejects(
      applyObject(kc, Deployments, recreate as never, { fieldManager: 'chatcli-operator' }),
      /rollingUpdate: Forbidden/,
      'an apply alone cannot remove the defaulted rollingUpdate',
    );

    assert.deepEqual(await applyDesired(recreate), { type: 'Recreate' });
    assert.deepEqual(await applyDesired(deploymentOf(false)), { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    assert.deepEqual(await applyDesired(recreate), { type: 'Recreate' });
  });
});
