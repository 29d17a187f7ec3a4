// What must go once the spec stops asking for it, and what never goes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredObjects, objectsToPrune, refOf, type ObjectRef } from '../../../src/desired/index.ts';
import { instance } from './fixtures.ts';

const threeNamespaces = {
  provider: 'OPENAI' as const,
  persistence: { enabled: true },
  watcher: { enabled: true, targets: [{ deployment: 'a', namespace: 'p' }, { deployment: 'b', namespace: 'q' }, { deployment: 'c', namespace: 'r' }] },
};
const oneNamespace = { ...threeNamespaces, watcher: { enabled: true, targets: [{ deployment: 'a', namespace: 'p' }] } };
const show = (refs: ObjectRef[]) => refs.map((r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`).sort();

describe('objectsToPrune', () => {
  it('nothing when the world matches the spec', () => {
    const desired = desiredObjects(instance(threeNamespaces));
    assert.deepEqual(objectsToPrune(desired.map(refOf), desired), []);
  });

  it('moving all targets into one namespace removes the Roles and RoleBindings of the others', () => {
    const before = desiredObjects(instance(threeNamespaces)).map(refOf);
    const after = desiredObjects(instance(oneNamespace));
    assert.deepEqual(show(objectsToPrune(before, after)), ['Role/q/default.chat-watcher', 'Role/r/default.chat-watcher', 'RoleBinding/q/default.chat-watcher', 'RoleBinding/r/default.chat-watcher']);
  });

  it('spreading targets over namespaces keeps the Role and RoleBinding already granted', () => {
    const before = desiredObjects(instance(oneNamespace)).map(refOf);
    const after = desiredObjects(instance(threeNamespaces));
    assert.deepEqual(show(objectsToPrune(before, after)), []);
  });

  it('moving the single target namespace removes the Role in the old namespace', () => {
    const before = desiredObjects(instance(oneNamespace)).map(refOf);
    const after = desiredObjects(instance({ ...oneNamespace, watcher: { enabled: true, targets: [{ deployment: 'a', namespace: 'z' }] } }));
    assert.deepEqual(show(objectsToPrune(before, after)), ['Role/p/default.chat-watcher', 'RoleBinding/p/default.chat-watcher']);
  });

  it('turning the watcher and persistence off removes all watcher RBAC and the watch-config, never the PVC', () => {
    const before = desiredObjects(instance(threeNamespaces)).map(refOf);
    const after = desiredObjects(instance({ provider: 'OPENAI' }));
    const pruned = objectsToPrune(before, after);
    assert.deepEqual(show(pruned), [
      'ConfigMap/default/chat-watch-config',
      'Role/p/default.chat-watcher', 'Role/q/default.chat-watcher', 'Role/r/default.chat-watcher',
      'RoleBinding/p/default.chat-watcher', 'RoleBinding/q/default.chat-watcher', 'RoleBinding/r/default.chat-watcher',
    ]);
    assert.ok(before.some((r) => r.kind === 'PersistentVolumeClaim'), 'the claim existed');
    assert.ok(!pruned.some((r) => r.kind === 'PersistentVolumeClaim'));
  });

  it('never returns a PersistentVolumeClaim, whatever is found', () => {
    const existing: ObjectRef[] = [
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'chat-sessions' },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'something-else' },
    ];
    assert.deepEqual(objectsToPrune(existing, []), []);
  });

  it('ignores kinds it does not own, and matches by group rather than version', () => {
    const desired = desiredObjects(instance({ provider: 'OPENAI' }));
    const existing: ObjectRef[] = [
      { apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'chat' },
      { apiVersion: 'apps/v1beta2', kind: 'Deployment', namespace: 'default', name: 'chat' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'chat' },
    ];
    assert.deepEqual(show(objectsToPrune(existing, desired)), ['ConfigMap/other/chat']);
  });
});
