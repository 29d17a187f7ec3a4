// Watcher RBAC: which scope, which names, which namespace, bound to whom.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredObjects, watcherScope, WATCHER_RULES, type KubeObject } from '../../../src/desired/index.ts';
import { instance } from './fixtures.ts';

const rbacKinds = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);
const rbacOf = (objects: KubeObject[]) => objects.filter((o) => rbacKinds.has(o.kind));
const find = (objects: KubeObject[], kind: string) => {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind}`);
  return found;
};

describe('watcher RBAC', () => {
  it('targets in three namespaces get a Role and RoleBinding <namespace>.<name>-watcher in each of them, and nothing cluster-wide', () => {
    const inst = instance(
      {
        provider: 'CLAUDEAI',
        watcher: {
          enabled: true,
          targets: [
            { deployment: 'api', namespace: 'production' },
            { deployment: 'worker', namespace: 'batch' },
            { deployment: 'model', namespace: 'ml' },
          ],
        },
      },
      { name: 'chat', namespace: 'tools' },
    );
    assert.deepEqual(watcherScope(inst.spec, 'tools'), { kind: 'namespaces', namespaces: ['batch', 'ml', 'production'] });
    const rbac = rbacOf(desiredObjects(inst));
    assert.deepEqual(rbac.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`), [
      'Role/batch/tools.chat-watcher', 'RoleBinding/batch/tools.chat-watcher',
      'Role/ml/tools.chat-watcher', 'RoleBinding/ml/tools.chat-watcher',
      'Role/production/tools.chat-watcher', 'RoleBinding/production/tools.chat-watcher',
    ]);
    for (const o of rbac) {
      assert.equal(o.metadata.ownerReferences, undefined, `${o.kind} outside the instance namespace cannot carry an owner reference`);
      assert.equal(o.metadata.labels?.['chatcli.diillson.com/instance-namespace'], 'tools');
      assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'chat');
      if (o.kind === 'Role') assert.deepEqual(o.rules, WATCHER_RULES);
      else {
        assert.deepEqual(o.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tools.chat-watcher' });
        assert.deepEqual(o.subjects, [{ kind: 'ServiceAccount', name: 'chat', namespace: 'tools' }]);
      }
    }
  });

  it('all targets in production while the instance lives in default: Role and RoleBinding in production bound to the ServiceAccount in default', () => {
    const inst = instance({
      provider: 'OPENAI',
      watcher: {
        enabled: true,
        targets: [
          { deployment: 'api', namespace: 'production' },
          { deployment: 'auth', namespace: 'production' },
        ],
      },
    });
    assert.deepEqual(watcherScope(inst.spec, 'default'), { kind: 'namespaces', namespaces: ['production'] });
    const rbac = rbacOf(desiredObjects(inst));
    assert.deepEqual(rbac.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`), [
      'Role/production/default.chat-watcher',
      'RoleBinding/production/default.chat-watcher',
    ]);
    for (const o of rbac) {
      assert.equal(o.metadata.ownerReferences, undefined, 'outside the instance namespace: no owner reference');
      assert.equal(o.metadata.labels?.['chatcli.diillson.com/instance-namespace'], 'default');
    }
    const binding = find(rbac, 'RoleBinding');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'default.chat-watcher' });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'chat', namespace: 'default' }]);
    assert.deepEqual(find(rbac, 'Role').rules, WATCHER_RULES);
  });

  it('targets in the instance namespace: the Role and RoleBinding carry the controller owner reference', () => {
    const inst = instance({ provider: 'OPENAI', watcher: { enabled: true, targets: [{ deployment: 'api', namespace: 'default' }] } });
    assert.deepEqual(rbacOf(desiredObjects(inst)).map((o) => o.metadata.name), ['chat-watcher', 'chat-watcher'], 'its own namespace: <name>-watcher');
    for (const o of rbacOf(desiredObjects(inst))) {
      assert.equal(o.metadata.namespace, 'default');
      assert.equal(o.metadata.ownerReferences?.[0]?.controller, true);
    }
  });

  it('a legacy single target gets a Role in its namespace', () => {
    const inst = instance({ provider: 'CLAUDEAI', watcher: { enabled: true, deployment: 'myapp', namespace: 'production' } });
    assert.deepEqual(watcherScope(inst.spec, 'default'), { kind: 'namespaces', namespaces: ['production'] });
    assert.deepEqual(rbacOf(desiredObjects(inst)).map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`), [
      'Role/production/default.chat-watcher',
      'RoleBinding/production/default.chat-watcher',
    ]);
  });

  it('a legacy single target without a namespace is watched in the instance namespace', () => {
    const inst = instance({ provider: 'CLAUDEAI', watcher: { enabled: true, deployment: 'myapp' } }, { namespace: 'team-a' });
    assert.deepEqual(watcherScope(inst.spec, 'team-a'), { kind: 'namespaces', namespaces: ['team-a'] });
  });

  it('a disabled watcher gets no RBAC even with targets listed', () => {
    const inst = instance({ provider: 'OPENAI', watcher: { enabled: false, targets: [{ deployment: 'api', namespace: 'a' }, { deployment: 'b', namespace: 'b' }] } });
    assert.deepEqual(watcherScope(inst.spec, 'default'), { kind: 'none' });
    assert.deepEqual(rbacOf(desiredObjects(inst)), []);
  });

  it('the watcher rules grant exactly what ChatCLI v1.57.1 and v1.188.0 call in the targets\' namespaces: no watch, no write', () => {
    const granted = WATCHER_RULES.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${v} ${g}/${res}`)))).sort();
    assert.deepEqual(granted, [
      'get /pods/log',
      'get apps/deployments',
      'list /events',
      'list /pods',
      'list autoscaling/horizontalpodautoscalers',
      'list metrics.k8s.io/pods',
    ]);
  });

  it('each namespace\'s Role grants what the kinds of its targets need, and the watch-config names each kind but Deployment', () => {
    const inst = instance({
      provider: 'OPENAI',
      watcher: {
        enabled: true,
        targets: [
          { deployment: 'web', namespace: 'a' },
          { deployment: 'db', namespace: 'a', kind: 'StatefulSet' },
          { deployment: 'migrate', namespace: 'b', kind: 'Job' },
          { deployment: 'nightly', namespace: 'b', kind: 'CronJob' },
        ],
      },
    });
    const roles = desiredObjects(inst).filter((o) => o.kind === 'Role');
    const resources = (ns: string) => (roles.find((r) => r.metadata.namespace === ns)!.rules as { resources: string[] }[]).flatMap((r) => r.resources).sort();
    assert.deepEqual(resources('a'), ['deployments', 'events', 'horizontalpodautoscalers', 'pods', 'pods', 'pods/log', 'statefulsets']);
    assert.deepEqual(resources('b'), ['cronjobs', 'events', 'jobs', 'pods', 'pods', 'pods/log']);
    const config = desiredObjects(inst).find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-watch-config'))!;
    const text = (config.data as Record<string, string>)['watch-config.yaml']!;
    assert.equal(text.match(/^ {4}kind: /gm)?.length, 3, text);
    assert.match(text, /deployment: "db"\n {4}namespace: "a"\n {4}kind: "StatefulSet"/);
  });

  it('mutating a built Role does not change WATCHER_RULES', () => {
    const inst = instance({ provider: 'OPENAI', watcher: { enabled: true, targets: [{ deployment: 'api', namespace: 'x' }] } });
    const role = find(desiredObjects(inst), 'Role');
    const before = structuredClone(WATCHER_RULES);
    (role.rules as { verbs: string[] }[])[0]!.verbs.push('delete');
    assert.deepEqual(WATCHER_RULES, before);
  });
});
