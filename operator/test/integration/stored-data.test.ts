// Instances stored before a validation rule existed (found by the chaos run's
// bad-data cases, bench/chaos/bad-data.ts): the API server keeps them as they
// were, and the operator, rendering them as is, ran what the API now refuses
// (a watcher enabled with no targets silently off; two replicas on a
// ReadWriteOnce claim) without a word. The reconciler runs in-process on a real
// kube-apiserver, reading a cache that holds the stored instance.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { createReconciler, type CacheReader } from '../../src/reconciler/reconcile.ts';
import { INSTANCES } from '../../src/reconciler/types.ts';
import { createEventRecorder } from '../../src/runtime/events.ts';
import { silentLogger } from '../../src/runtime/log.ts';
import { usePlane } from '../support/cluster.ts';
import { awaitableEvents, getJson, installOperator } from '../support/operator.ts';
import { storeUnchecked } from '../support/stored-unchecked.ts';

const plane = usePlane('api');
const NS = 'stored-unchecked';

const cacheOf = (instance: ChatCLIInstance): CacheReader => ({
  get: (type, namespace, name) => (type.plural === INSTANCES.plural && namespace === NS && name === instance.metadata.name ? instance : undefined),
  list: () => [],
  lastResourceVersion: () => '',
});

describe('instances stored before a validation rule existed', () => {
  before(async () => {
    await installOperator(plane());
    await plane().kubectl(['create', 'namespace', NS]);
    const instance = (name: string, spec: object) => ({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name, namespace: NS }, spec });
    await storeUnchecked(plane(), [
      instance('no-targets', { provider: 'OPENAI', watcher: { enabled: true } }),
      instance('rwo-replicas', { provider: 'OPENAI', replicas: 2, persistence: { enabled: true } }),
    ]);
  }, { timeout: 120_000 });

  for (const [name, field] of [['no-targets', 'spec.watcher.targets'], ['rwo-replicas', 'spec.replicas']] as const) {
    it(`${name}: reported in ReconcileSucceeded and an Event naming ${field}; nothing applied`, async () => {
      const stored = await getJson<ChatCLIInstance>(plane(), ['chatcliinstance', name, '-n', NS]);
      assert.ok(stored, 'the API server kept it');
      const kc = plane().adminKubeConfig();
      const events = awaitableEvents(createEventRecorder({ kc, reportingController: 'chatcli.diillson.com/test' }));
      const reconcile = createReconciler({ kc, cache: cacheOf(stored), events, log: silentLogger() });
      await assert.rejects(reconcile(`${NS}/${name}`, new AbortController().signal), /not valid under the current schema/);
      // The Warning is recorded as the reconcile throws, not awaited: wait for its write.
      await events.written();

      const after = await getJson<{ status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }>(plane(), ['chatcliinstance', name, '-n', NS]);
      const condition = after?.status?.conditions?.find((c) => c.type === 'ReconcileSucceeded');
      assert.equal(condition?.status, 'False');
      assert.equal(condition?.reason, 'ReconcileFailed');
      assert.match(condition?.message ?? '', new RegExp(`stored before a rule existed.*${field.replace('.', '\\.')}`));
      const list = JSON.parse(await plane().kubectl(['get', 'events.events.k8s.io', '-n', NS, '--field-selector', `regarding.name=${name}`, '-o', 'json'])) as { items: { reason: string; note?: string }[] };
      assert.ok(list.items.some((e) => e.reason === 'ReconcileFailed' && e.note?.includes(field)), `an Event names ${field}`);
      for (const kind of ['deployment', 'configmap', 'serviceaccount', 'service']) {
        assert.equal(await getJson(plane(), [kind, name, '-n', NS]), undefined, `no ${kind} made from a spec the API refuses`);
      }
    });
  }
});
