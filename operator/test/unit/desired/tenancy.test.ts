// The operator-side tenancy guard: which watcher namespaces get no grant, what
// the instance says about it, and which instances a namespace label change concerns.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatCLIInstance } from '../../../src/api/chatcliinstance.ts';
import { desiredObjects } from '../../../src/desired/index.ts';
import {
  instancesNaming,
  isWatchable,
  isWatchNamespacePolicy,
  refusedMessage,
  refusedWatchNamespaces,
  withoutGrantsIn,
} from '../../../src/desired/tenancy.ts';
import { instance } from './fixtures.ts';

const targets = (...namespaces: string[]) => ({
  provider: 'OPENAI' as const,
  watcher: { enabled: true, targets: namespaces.map((namespace, i) => ({ deployment: `d${i}`, namespace })) },
});
const labelled = (...namespaces: string[]) => (ns: string) => namespaces.includes(ns);
const grants = (objects: { kind: string; metadata: { namespace?: string } }[]) =>
  objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').map((o) => `${o.kind}/${o.metadata.namespace}`);

describe('tenancy: which watcher namespaces get a grant', () => {
  it('a target in an unlabelled namespace is refused, naming the field that names it', () => {
    const inst = instance(targets('production', 'victim'), { namespace: 'tenant' });
    assert.deepEqual(refusedWatchNamespaces(inst, 'label', labelled('production')), [
      { namespace: 'victim', field: 'spec.watcher.targets[1].namespace' },
    ]);
  });

  it('the instance\'s own namespace needs no label', () => {
    const inst = instance(targets('tenant'), { namespace: 'tenant' });
    assert.deepEqual(refusedWatchNamespaces(inst, 'label', labelled()), []);
  });

  it('a namespace named by several targets is refused once, with the first field', () => {
    const inst = instance(targets('victim', 'tenant', 'victim'), { namespace: 'tenant' });
    assert.deepEqual(refusedWatchNamespaces(inst, 'label', labelled()), [{ namespace: 'victim', field: 'spec.watcher.targets[0].namespace' }]);
  });

  it('the legacy namespace is checked as spec.watcher.namespace', () => {
    const inst = instance({ provider: 'OPENAI', watcher: { enabled: true, deployment: 'app', namespace: 'victim' } }, { namespace: 'tenant' });
    assert.deepEqual(refusedWatchNamespaces(inst, 'label', labelled()), [{ namespace: 'victim', field: 'spec.watcher.namespace' }]);
  });

  it('a disabled watcher names nothing, so nothing is refused', () => {
    const inst = instance({ provider: 'OPENAI', watcher: { enabled: false, targets: [{ deployment: 'a', namespace: 'victim' }] } }, { namespace: 'tenant' });
    assert.deepEqual(refusedWatchNamespaces(inst, 'label', labelled()), []);
  });

  it('policy any refuses nothing', () => {
    const inst = instance(targets('victim', 'other'), { namespace: 'tenant' });
    assert.deepEqual(refusedWatchNamespaces(inst, 'any', labelled()), []);
  });

  it('the opt-in is the label with the value "true", nothing else', () => {
    assert.equal(isWatchable({ 'chatcli.diillson.com/watchable': 'true' }), true);
    assert.equal(isWatchable({ 'chatcli.diillson.com/watchable': 'yes' }), false);
    assert.equal(isWatchable({}), false);
    assert.equal(isWatchable(undefined), false);
  });

  it('only label and any are policies', () => {
    assert.equal(isWatchNamespacePolicy('label'), true);
    assert.equal(isWatchNamespacePolicy('any'), true);
    assert.equal(isWatchNamespacePolicy('none'), false);
  });
});

describe('tenancy: what a refusal removes and says', () => {
  it('a refused namespace loses its Role and RoleBinding; the permitted namespaces and everything else stay', () => {
    const inst = instance(targets('production', 'victim'), { namespace: 'tenant' });
    const desired = desiredObjects(inst);
    const kept = withoutGrantsIn(desired, refusedWatchNamespaces(inst, 'label', labelled('production')));
    assert.deepEqual(grants(kept), ['Role/production', 'RoleBinding/production']);
    assert.deepEqual(
      kept.filter((o) => o.kind !== 'Role' && o.kind !== 'RoleBinding').map((o) => o.kind),
      desired.filter((o) => o.kind !== 'Role' && o.kind !== 'RoleBinding').map((o) => o.kind),
      'the Deployment, ConfigMaps, Service and ServiceAccount are untouched',
    );
  });

  it('nothing refused: the desired objects are unchanged', () => {
    const desired = desiredObjects(instance(targets('production', 'batch'), { namespace: 'tenant' }));
    assert.deepEqual(withoutGrantsIn(desired, []), desired);
  });

  it('the message names the label, each field and each namespace', () => {
    assert.equal(
      refusedMessage([
        { namespace: 'victim', field: 'spec.watcher.targets[1].namespace' },
        { namespace: 'other', field: 'spec.watcher.targets[2].namespace' },
      ]),
      'no watcher access granted in namespaces not labelled chatcli.diillson.com/watchable=true: '
        + 'spec.watcher.targets[1].namespace: namespace "victim", spec.watcher.targets[2].namespace: namespace "other"',
    );
  });
});

describe('tenancy: which instances a namespace concerns', () => {
  const stored = (namespace: string, name: string, watcher: Record<string, unknown> | undefined): ChatCLIInstance =>
    ({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { namespace, name }, spec: { provider: 'OPENAI', ...(watcher ? { watcher } : {}) } }) as ChatCLIInstance;

  it('every instance naming the namespace in a target or the legacy field, and no other', () => {
    const instances = [
      stored('a', 'one', { enabled: true, targets: [{ deployment: 'x', namespace: 'victim' }] }),
      stored('b', 'two', { enabled: true, deployment: 'x', namespace: 'victim' }),
      stored('c', 'three', { enabled: true, targets: [{ deployment: 'x', namespace: 'production' }] }),
      stored('d', 'four', undefined),
    ];
    assert.deepEqual(instancesNaming('victim', instances), ['a/one', 'b/two']);
    assert.deepEqual(instancesNaming('nowhere', instances), []);
  });
});
