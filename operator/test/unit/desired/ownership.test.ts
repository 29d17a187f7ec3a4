// Every object labelled; owner references exactly where the garbage collector
// can use them; the kinds the runtime must know about.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredObjects, OWNED_KINDS, ownedKind } from '../../../src/desired/index.ts';
import { instanceKeyFromLabels, ownedObjectsSelector } from '../../../src/desired/names.ts';
import { FIXED_UID, instance } from './fixtures.ts';

const everything = {
  provider: 'OPENAI' as const,
  persistence: { enabled: true },
  server: { tls: { enabled: true, secretName: 't' }, token: { name: 'a', key: 'k' } },
  watcher: { enabled: true, targets: [{ deployment: 'a', namespace: 'p' }, { deployment: 'b', namespace: 'q' }] },
};

describe('ownership', () => {
  it('an instance with everything becomes the SPEC table, in apply order', () => {
    const objects = desiredObjects(instance(everything, { name: 'chat', namespace: 'tools' }));
    assert.deepEqual(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'} ${o.metadata.name}`), [
      'ServiceAccount tools chat',
      'Role p tools.chat-watcher',
      'RoleBinding p tools.chat-watcher',
      'Role q tools.chat-watcher',
      'RoleBinding q tools.chat-watcher',
      'ConfigMap tools chat',
      'ConfigMap tools chat-watch-config',
      'PersistentVolumeClaim tools chat-sessions',
      'Service tools chat',
      'Deployment tools chat',
    ]);
  });

  it('the least an instance becomes: ServiceAccount, ConfigMap, Service, Deployment', () => {
    const objects = desiredObjects(instance({ provider: 'OPENAI' }));
    assert.deepEqual(objects.map((o) => o.kind), ['ServiceAccount', 'ConfigMap', 'Service', 'Deployment']);
  });

  it('every object carries the three standard labels and the instance namespace', () => {
    for (const o of desiredObjects(instance(everything, { name: 'chat', namespace: 'tools' }))) {
      assert.deepEqual(o.metadata.labels, {
        'app.kubernetes.io/name': 'chatcli',
        'app.kubernetes.io/instance': 'chat',
        'app.kubernetes.io/managed-by': 'chatcli-operator',
        'chatcli.diillson.com/instance-namespace': 'tools',
      }, `${o.kind}/${o.metadata.name}`);
      assert.deepEqual(instanceKeyFromLabels(o.metadata.labels), { name: 'chat', namespace: 'tools' });
    }
    assert.equal(
      ownedObjectsSelector({ name: 'chat', namespace: 'tools' }),
      'app.kubernetes.io/managed-by=chatcli-operator,app.kubernetes.io/instance=chat,chatcli.diillson.com/instance-namespace=tools',
    );
  });

  it('objects in the instance namespace carry the controller owner reference; cluster-scoped ones none', () => {
    for (const o of desiredObjects(instance(everything, { name: 'chat', namespace: 'tools' }))) {
      if (o.metadata.namespace === 'tools') {
        assert.deepEqual(o.metadata.ownerReferences, [
          { apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', name: 'chat', uid: FIXED_UID, controller: true, blockOwnerDeletion: true },
        ], `${o.kind}/${o.metadata.name}`);
      } else {
        assert.equal(o.metadata.ownerReferences, undefined, `${o.kind}/${o.metadata.name}`);
      }
    }
  });

  it('an instance without a uid (never stored, e.g. render) yields no owner references', () => {
    for (const o of desiredObjects(instance(everything, { uid: null }))) assert.equal(o.metadata.ownerReferences, undefined);
  });

  it('namespaced objects carry a namespace and cluster-scoped ones none, as OWNED_KINDS says', () => {
    for (const o of desiredObjects(instance(everything))) {
      const kind = ownedKind(o.apiVersion, o.kind);
      assert.ok(kind, `${o.kind} is an owned kind`);
      assert.equal(o.apiVersion, kind.apiVersion);
      assert.equal(o.metadata.namespace !== undefined, kind.namespaced, o.kind);
    }
    assert.deepEqual(OWNED_KINDS.filter((k) => !k.prunable).map((k) => k.kind), ['PersistentVolumeClaim']);
  });

  it('is deterministic and does not share state between calls', () => {
    const a = desiredObjects(instance(everything));
    const b = desiredObjects(instance(everything));
    assert.deepEqual(a, b);
    a[0]!.metadata.labels!['x'] = 'y';
    assert.deepEqual(desiredObjects(instance(everything)), b);
  });
});
