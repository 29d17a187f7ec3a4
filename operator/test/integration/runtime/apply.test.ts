import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { applyObject, applyStatus, createObject, deleteObject, getObject, patchMerge } from '../../../src/runtime/apply.ts';
import { ApiError, isConflict, request, type KubeObject, type ResourceType } from '../../../src/runtime/kube.ts';
import { ConfigMaps, CustomResourceDefinitions } from '../../../src/runtime/resources.ts';
import { usePlane } from '../../support/cluster.ts';
import { configMap, eventually, freshNamespace } from './helpers.ts';

const plane = usePlane('api');
const OURS = 'runtime-test-operator';
const THEIRS = 'someone-else';

// A throwaway CRD with a status subresource, to prove status apply and that
// fields no typed client knows survive the round trip.
const Widgets: ResourceType = { apiVersion: 'runtime-test.example.com/v1', kind: 'Widget', plural: 'widgets', namespaced: true };
const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.runtime-test.example.com' },
  spec: {
    group: 'runtime-test.example.com',
    names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

const data = (o: KubeObject | undefined): Record<string, string> => (o?.data ?? {}) as Record<string, string>;

describe('server-side apply', () => {
  before(async () => {
    const kc = plane().adminKubeConfig();
    await createObject(kc, CustomResourceDefinitions, widgetCrd);
    await eventually(async () => {
      const crd = await getObject(kc, CustomResourceDefinitions, { name: widgetCrd.metadata.name });
      const conditions = ((crd?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []);
      assert.ok(conditions.some((c) => c.type === 'Established' && c.status === 'True'));
      await request(kc, { method: 'GET', path: '/apis/runtime-test.example.com/v1/widgets' });
    }, 20_000);
  });

  it('creates the object, then re-applying it unchanged changes nothing', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ssa-idem');
    const desired = configMap(ns, 'cm', { app: 'x' }, { a: '1' });
    const created = await applyObject(kc, ConfigMaps, desired, { fieldManager: OURS });
    assert.equal(data(created).a, '1');
    const again = await applyObject(kc, ConfigMaps, desired, { fieldManager: OURS });
    assert.equal(again.metadata?.resourceVersion, created.metadata?.resourceVersion, 'no write when nothing changed');
  });

  it("keeps another manager's fields and drops the fields it stopped declaring", async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ssa-share');
    await applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { ours: '1', dropped: '1' }), { fieldManager: OURS });
    await applyObject(kc, ConfigMaps, configMap(ns, 'cm', { theirs: 'yes' }, { theirs: '1' }), { fieldManager: THEIRS });
    const after = await applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { ours: '2' }), { fieldManager: OURS });
    assert.deepEqual(data(after), { ours: '2', theirs: '1' });
    assert.equal(after.metadata?.labels?.theirs, 'yes');
    const managers = (after.metadata?.managedFields as { manager: string }[]).map((m) => m.manager).sort();
    assert.deepEqual(managers, [THEIRS, OURS].sort());
  });

  it('takes over a field another manager owns when forced, and reports a conflict when not', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ssa-force');
    await applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { shared: 'theirs' }), { fieldManager: THEIRS });
    await assert.rejects(
      applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { shared: 'ours' }), { fieldManager: OURS, force: false }),
      (err: unknown) => isConflict(err) && (err as ApiError).message.includes(`PATCH v1 configmaps ${ns}/cm: 409`),
    );
    const forced = await applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { shared: 'ours' }), { fieldManager: OURS });
    assert.equal(data(forced).shared, 'ours');
  });

  it('applies status through the status subresource, keeping fields no typed client knows', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ssa-status');
    const widget = {
      apiVersion: Widgets.apiVersion,
      kind: Widgets.kind,
      metadata: { namespace: ns, name: 'w' },
      spec: { size: 3, exotic: { nested: ['kept'] } },
      status: { ignored: true },
    };
    const created = await applyObject(kc, Widgets, widget, { fieldManager: OURS });
    assert.deepEqual(created.spec, widget.spec);
    assert.equal(created.status, undefined, 'status is not written through the main resource');

    const status = { apiVersion: Widgets.apiVersion, kind: Widgets.kind, metadata: { namespace: ns, name: 'w' }, status: { ready: true, phase: 'Up' } };
    const withStatus = await applyStatus(kc, Widgets, status, { fieldManager: OURS });
    assert.deepEqual(withStatus.status, { ready: true, phase: 'Up' });
    assert.deepEqual(withStatus.spec, widget.spec, 'status apply leaves spec alone');
    const again = await applyStatus(kc, Widgets, status, { fieldManager: OURS });
    assert.equal(again.metadata?.resourceVersion, withStatus.metadata?.resourceVersion);
  });

  it('delete treats an object that is already gone as deleted, and honours a uid precondition', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ssa-delete');
    const cm = await createObject(kc, ConfigMaps, configMap(ns, 'cm', {}));
    await assert.rejects(
      deleteObject(kc, ConfigMaps, { namespace: ns, name: 'cm' }, { uid: 'not-its-uid' }),
      (err: unknown) => isConflict(err),
    );
    assert.equal(await deleteObject(kc, ConfigMaps, { namespace: ns, name: 'cm' }, { uid: cm.metadata?.uid }), true);
    assert.equal(await deleteObject(kc, ConfigMaps, { namespace: ns, name: 'cm' }), false);
    assert.equal(await getObject(kc, ConfigMaps, { namespace: ns, name: 'cm' }), undefined);
  });

  it('apply with a uid touches only that object: it neither creates one nor updates one that replaced it', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ssa-uid');
    const opts = { fieldManager: OURS };
    const first = await applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { a: '1' }), opts);
    const updated = await applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { a: '2' }), { ...opts, uid: first.metadata?.uid });
    assert.deepEqual(updated.data, { a: '2' });
    assert.equal(updated.metadata?.uid, first.metadata?.uid);

    await assert.rejects(applyObject(kc, ConfigMaps, configMap(ns, 'gone', {}), { ...opts, uid: first.metadata?.uid }), (err: unknown) => isConflict(err));
    assert.equal(await getObject(kc, ConfigMaps, { namespace: ns, name: 'gone' }), undefined, 'nothing created');

    await deleteObject(kc, ConfigMaps, { namespace: ns, name: 'cm' });
    const replacement = await createObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { a: 'theirs' }));
    await assert.rejects(applyObject(kc, ConfigMaps, configMap(ns, 'cm', {}, { a: '3' }), { ...opts, uid: first.metadata?.uid }), (err: unknown) => err instanceof ApiError && err.status === 422);
    const after = await getObject(kc, ConfigMaps, { namespace: ns, name: 'cm' });
    assert.deepEqual([after?.metadata?.resourceVersion, after?.data], [replacement.metadata?.resourceVersion, { a: 'theirs' }], 'the replacement untouched');
  });

  it('merge-patches metadata, refusing a stale resourceVersion', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ssa-merge');
    const cm = await createObject(kc, ConfigMaps, configMap(ns, 'cm', {}));
    const ref = { namespace: ns, name: 'cm' };
    const withFinalizer = await patchMerge(kc, ConfigMaps, ref, { metadata: { finalizers: ['example.com/f'] } }, { resourceVersion: cm.metadata?.resourceVersion });
    assert.deepEqual(withFinalizer.metadata?.finalizers, ['example.com/f']);
    await assert.rejects(
      patchMerge(kc, ConfigMaps, ref, { metadata: { finalizers: null } }, { resourceVersion: cm.metadata?.resourceVersion }),
      (err: unknown) => isConflict(err),
    );
    const cleared = await patchMerge(kc, ConfigMaps, ref, { metadata: { finalizers: null } }, { resourceVersion: withFinalizer.metadata?.resourceVersion });
    assert.equal(cleared.metadata?.finalizers, undefined);
  });

  it('reports a failed call with what was asked of whom', async () => {
    const kc = plane().adminKubeConfig();
    await assert.rejects(
      applyObject(kc, ConfigMaps, configMap('no-such-namespace', 'cm', {}), { fieldManager: OURS }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.status === 404 &&
        err.reason === 'NotFound' &&
        err.message.startsWith('PATCH v1 configmaps no-such-namespace/cm: 404 Not Found: '),
    );
  });
});
