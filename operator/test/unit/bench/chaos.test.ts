// The pure parts of the chaos run (bench/chaos): the seeded workload plan, the
// judgement of a snapshot, and the figures read from logs and the proxy's log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxInWindow, resourceOf, summarizeReconciles } from '../../../bench/chaos/analysis.ts';
import { backoffAllows } from '../../../bench/chaos/bad-data.ts';
import { judge, type Snapshot } from '../../../bench/chaos/measure.ts';
import { seededRandom } from '../../../bench/chaos/random.ts';
import { planWorkload } from '../../../bench/chaos/workload.ts';
import { loadSamples, namespaceNames } from '../../../bench/lib/workload.ts';
import type { ChatCLIInstance } from '../../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../../src/api/defaults.ts';
import { desiredObjects, type KubeObject } from '../../../src/desired/index.ts';

const OPTS = { instances: 40, namespaces: namespaceNames('chaos', 4), samples: loadSamples(), createOverMs: 8_000, windowMs: 30_000, updates: 10, deletes: 10, inflightDeletes: 3 };

describe('chaos workload plan', () => {
  it('is the same for the same seed, and another for another', () => {
    const a = planWorkload(seededRandom(7), OPTS);
    assert.deepEqual(planWorkload(seededRandom(7), OPTS), a);
    assert.notDeepEqual(planWorkload(seededRandom(8), OPTS), a);
  });

  it('creates every instance, updates and deletes the asked number, each after its create; in-flight deletes within a second', () => {
    const steps = planWorkload(seededRandom(42), OPTS);
    const creates = new Map(steps.filter((s) => s.op === 'create').map((s) => [s.key, s.at]));
    assert.equal(creates.size, 40);
    const updates = steps.filter((s) => s.op === 'update');
    const deletes = steps.filter((s) => s.op === 'delete');
    assert.equal(updates.length, 10);
    assert.equal(deletes.length, 10);
    assert.equal(new Set([...updates, ...deletes].map((s) => s.key)).size, 20, 'no instance both updated and deleted');
    for (const s of [...updates, ...deletes]) assert.ok(s.at > creates.get(s.key)!, `${s.op} ${s.key} after its create`);
    const inflight = deletes.filter((s) => s.inflight);
    assert.equal(inflight.length, 3);
    for (const s of inflight) assert.ok(s.at - creates.get(s.key)! <= 1_000);
    assert.ok(steps.every((s) => s.at <= OPTS.windowMs), 'within the window');
  });

  it('never asks for more replicas on a ReadWriteOnce claim (the API refuses it)', () => {
    const steps = planWorkload(seededRandom(3), { ...OPTS, updates: 20, deletes: 0 });
    const byKey = new Map(steps.filter((s) => s.op === 'create').map((s) => [s.key, s.instance!]));
    const replicas = steps.filter((s) => s.update === 'replicas');
    assert.ok(replicas.length > 0);
    for (const s of replicas) assert.ok(!byKey.get(s.key)!.spec.persistence?.enabled, s.key);
  });
});

describe('chaos judgement of a snapshot', () => {
  const sample = loadSamples((s) => s.name === 'single_target')[0]!.instance;
  const stored = (name: string, extra: Partial<ChatCLIInstance['metadata']> = {}, status: unknown = { observedGeneration: 1 }): ChatCLIInstance =>
    ({ ...structuredClone(sample), metadata: { name, namespace: 'home', uid: `uid-${name}`, generation: 1, ...extra }, status } as ChatCLIInstance);
  const objectsOf = (i: ChatCLIInstance): KubeObject[] => desiredObjects(withDefaults(i));
  const watchable = new Map<string, Record<string, string>>([['home', {}], ['production', { 'chatcli.diillson.com/watchable': 'true' }]]);

  it('an instance whose objects are all there, as rendered, is clean', () => {
    const i = stored('ok');
    const j = judge({ instances: [i], objects: objectsOf(i), namespaceLabels: watchable }, { live: new Set(['home/ok']), deleted: new Set() });
    assert.deepEqual([j.lost, j.orphans, j.stuck, j.stale, j.missingInstances, j.unexpectedInstances], [[], [], [], [], [], []]);
  });

  it('finds a missing object, a drifted one, an orphan, a stuck and a stale instance', () => {
    const ok = stored('ok');
    const objects = objectsOf(ok).filter((o) => o.kind !== 'Service');
    const cm = objects.find((o) => o.kind === 'ConfigMap')!;
    (cm as unknown as { data: Record<string, string> }).data = { changed: 'by someone' };
    const gone = stored('gone');
    const orphan = objectsOf(gone).find((o) => o.kind === 'Role')!;
    const snap: Snapshot = {
      instances: [ok, stored('stuck', { deletionTimestamp: '2026-01-01T00:00:00Z' }), stored('stale', { generation: 2 })],
      objects: [...objects, orphan, ...objectsOf(stored('stale', { generation: 2 }))],
      namespaceLabels: watchable,
    };
    const j = judge(snap);
    assert.deepEqual(j.lost.map((f) => `${f.object}: ${f.why.split(' ')[0]}`).sort(), ['ConfigMap home/ok: differs', 'Service home/ok: missing']);
    assert.deepEqual(j.orphans.map((f) => f.object), ['Role production/home.gone-watcher']);
    assert.deepEqual(j.stuck.map((f) => f.instance), ['home/stuck']);
    assert.deepEqual(j.stale.map((f) => f.instance), ['home/stale']);
  });
});

describe('chaos figures', () => {
  it('maxInWindow counts the most points within any window', () => {
    assert.equal(maxInWindow([0, 100, 200, 5_000, 5_050], 1_000), 3);
    assert.equal(maxInWindow([], 1_000), 0);
  });

  it('resourceOf names the resource and subresource of a request path', () => {
    assert.equal(resourceOf('/apis/chatcli.diillson.com/v1alpha1/namespaces/ns/chatcliinstances/x/status'), 'chatcliinstances/status');
    assert.equal(resourceOf('/api/v1/namespaces/ns/events'), 'events');
    assert.equal(resourceOf('/apis/rbac.authorization.k8s.io/v1/clusterroles/x'), 'clusterroles');
    assert.equal(resourceOf('/api/v1/namespaces'), 'namespaces');
  });

  it('the busiest key and the error rate come from the reconcile lines', () => {
    const lines = [0, 1_000, 2_000, 30_000].map((at) => ({ replica: 'a', key: 'ns/hot', result: 'error', at }))
      .concat([{ replica: 'a', key: 'ns/calm', result: 'success', at: 0 }]);
    const s = summarizeReconciles(lines);
    assert.deepEqual(s.busiest, { key: 'ns/hot', count: 3, windowSeconds: 10, perSecond: 0.3 });
    assert.equal(s.errorRate, 0.8);
  });

  it('a failing key may be retried about 13 times in 30 s, plus 3 watched changes', () => {
    assert.equal(backoffAllows(30_000), 16);
  });
});
