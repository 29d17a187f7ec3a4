import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { applyObject, createObject, deleteObject, patchMerge } from '../../../src/runtime/apply.ts';
import { createLogger } from '../../../src/runtime/log.ts';
import { createInformer, type Informer } from '../../../src/runtime/informer.ts';
import { closeConnections, type KubeObject } from '../../../src/runtime/kube.ts';
import { ConfigMaps } from '../../../src/runtime/resources.ts';
import { WatchIdleError, watchOnce } from '../../../src/runtime/watch.ts';
import { usePlane } from '../../support/cluster.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { configMap, eventually, freshNamespace } from './helpers.ts';

const plane = usePlane('api');
const LABEL = 'runtime-test.example.com/owner';
const FIELD_MANAGER = 'runtime-test';

type Seen = { op: 'add' | 'update' | 'delete'; name: string; data?: Record<string, string> };

/** Starts an informer for labelled ConfigMaps and records the events it emits. */
function watchLabelled(kc: KubeConfig, owner: string, tuning: Partial<Parameters<typeof createInformer>[0]> = {}) {
  const informer = createInformer({
    kc,
    type: ConfigMaps,
    labelSelector: `${LABEL}=${owner}`,
    backoff: { initialMs: 50, maxMs: 200 },
    ...tuning,
  });
  const seen: Seen[] = [];
  const note = (op: Seen['op'], o: KubeObject): void => {
    seen.push({ op, name: o.metadata?.name ?? '', data: o.data as Record<string, string> | undefined });
  };
  informer.addHandlers({
    onAdd: (o) => note('add', o),
    onUpdate: (_old, o) => note('update', o),
    onDelete: (o) => note('delete', o),
  });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  after(async () => {
    stop.abort();
    await running;
  });
  return { informer, seen, stop, running };
}

const names = (informer: Informer): string[] => informer.list().map((o) => o.metadata?.name ?? '').sort();
const lists = (proxy: FaultProxy): number => proxy.requests.filter((r) => r.method === 'GET' && !r.watch).length;
const watches = (proxy: FaultProxy) => proxy.requests.filter((r) => r.watch);

describe('informer', () => {
  it('files objects by its index key and keeps the index in step with changes, moves and deletions', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-index');
    const GROUP = 'runtime-test.example.com/group';
    await createObject(kc, ConfigMaps, configMap(ns, 'a1', { [LABEL]: ns, [GROUP]: 'a' }));
    await createObject(kc, ConfigMaps, configMap(ns, 'b1', { [LABEL]: ns, [GROUP]: 'b' }));
    await createObject(kc, ConfigMaps, configMap(ns, 'none', { [LABEL]: ns }));
    const { informer } = watchLabelled(kc, ns, { indexBy: (o) => o.metadata?.labels?.[GROUP] });
    await informer.synced;
    const filed = (key: string) => informer.listBy(key).map((o) => o.metadata?.name ?? '').sort();
    assert.deepEqual([filed('a'), filed('b')], [['a1'], ['b1']]);

    await createObject(kc, ConfigMaps, configMap(ns, 'a2', { [LABEL]: ns, [GROUP]: 'a' }));
    await eventually(() => assert.deepEqual(filed('a'), ['a1', 'a2']));
    // Moved to another key: filed there only.
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'b1' }, { metadata: { labels: { [GROUP]: 'a' } } });
    await eventually(() => assert.deepEqual([filed('a'), filed('b')], [['a1', 'a2', 'b1'], []]));
    // An update keeps one entry, the newest.
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'a1' }, { data: { v: '2' } });
    await eventually(() => assert.equal((informer.listBy('a').find((o) => o.metadata?.name === 'a1')?.data as Record<string, string> | undefined)?.v, '2'));
    assert.equal(informer.listBy('a').length, 3);
    // Deleted, or leaving the cache with its label: gone from the index too.
    await deleteObject(kc, ConfigMaps, { namespace: ns, name: 'a2' });
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'a1' }, { metadata: { labels: { [LABEL]: null } } });
    await eventually(() => assert.deepEqual(filed('a'), ['b1']));
    assert.deepEqual(informer.list().map((o) => o.metadata?.name).sort(), ['b1', 'none'], 'an object without an index key is cached, not filed');
  });

  it('caches only objects with its label and sees them added, updated and deleted', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-basic');
    await createObject(kc, ConfigMaps, configMap(ns, 'before', { [LABEL]: ns }, { v: '1' }));
    await createObject(kc, ConfigMaps, configMap(ns, 'stranger', {}, { v: '1' }));

    const { informer, seen } = watchLabelled(kc, ns);
    await informer.synced;
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(names(informer), ['before']);
    const cached = informer.get(ns, 'before')!;
    assert.equal(cached.kind, 'ConfigMap', 'listed items get their kind');
    assert.equal(cached.metadata?.managedFields, undefined, 'managedFields are not cached');

    await createObject(kc, ConfigMaps, configMap(ns, 'later', { [LABEL]: ns }, { v: '1' }));
    await eventually(() => assert.ok(informer.get(ns, 'later')));
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'later' }, { data: { v: '2' } });
    await eventually(() => assert.equal((informer.get(ns, 'later')?.data as Record<string, string>).v, '2'));

    // Objects without our label, created or changed, never reach the cache.
    await createObject(kc, ConfigMaps, configMap(ns, 'stranger-2', { other: 'x' }));
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'stranger' }, { data: { v: '2' } });

    await deleteObject(kc, ConfigMaps, { namespace: ns, name: 'later' });
    await eventually(() => assert.equal(informer.get(ns, 'later'), undefined));
    // Losing the label is leaving the cache.
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'before' }, { metadata: { labels: { [LABEL]: null } } });
    await eventually(() => assert.equal(informer.get(ns, 'before'), undefined));

    assert.deepEqual(names(informer), []);
    assert.deepEqual(
      seen.map((s) => `${s.op} ${s.name}`),
      ['add before', 'add later', 'update later', 'delete later', 'delete before'],
    );
    assert.equal(seen.find((s) => s.op === 'update')?.data?.v, '2');
  });

  it('lists page by page, following the continue token, and caches every page', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-pages');
    for (let i = 0; i < 7; i++) await createObject(kc, ConfigMaps, configMap(ns, `cm-${i}`, { [LABEL]: ns }));
    const proxy = await startFaultProxy(kc);
    after(() => proxy.stop());
    const { informer, seen } = watchLabelled(proxy.kubeConfig(), ns, { pageSize: 3 });
    await informer.synced;
    assert.deepEqual(names(informer), [0, 1, 2, 3, 4, 5, 6].map((i) => `cm-${i}`));
    const pages = proxy.requests.filter((r) => r.method === 'GET' && !r.watch);
    assert.deepEqual(pages.map((r) => r.query.get('limit')), ['3', '3', '3']);
    assert.deepEqual(pages.map((r) => Boolean(r.query.get('continue'))), [false, true, true], 'the second and third pages follow the continue token');
    assert.equal(seen.length, 7, 'each object announced once');
  });

  it('rewatches from its last resourceVersion when its connection is cut, without relisting', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-cut');
    const proxy = await startFaultProxy(kc);
    after(() => proxy.stop());
    const { informer, seen } = watchLabelled(proxy.kubeConfig(), ns);
    await informer.synced;
    await createObject(kc, ConfigMaps, configMap(ns, 'one', { [LABEL]: ns }));
    await eventually(() => assert.ok(informer.get(ns, 'one')));
    const versionBeforeCut = informer.lastResourceVersion();
    const watchesBefore = watches(proxy).length;

    proxy.cutConnections();
    await createObject(kc, ConfigMaps, configMap(ns, 'two', { [LABEL]: ns }));
    await eventually(() => assert.ok(informer.get(ns, 'two')), 10_000);

    const rewatch = watches(proxy)[watchesBefore];
    assert.ok(rewatch, 'a new watch was opened');
    assert.equal(rewatch.query.get('resourceVersion'), versionBeforeCut);
    assert.equal(rewatch.query.get('allowWatchBookmarks'), 'true');
    assert.equal(lists(proxy), 1, 'no relist after a plain disconnect');
    assert.deepEqual(seen.map((s) => `${s.op} ${s.name}`), ['add one', 'add two']);
  });

  it('recovers when every connection of its KubeConfig is closed under it', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-close');
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    const { informer } = watchLabelled(kc, ns, { log });
    await informer.synced;
    // Its watch is open once it delivers a change made after the list: the connection to close.
    await createObject(kc, ConfigMaps, configMap(ns, 'before-close', { [LABEL]: ns }));
    await eventually(() => assert.ok(informer.get(ns, 'before-close')));
    closeConnections(kc);
    await eventually(() => assert.ok(lines.some((l) => l.includes('list/watch failed; retrying')), 'the watch broke'));
    await createObject(kc, ConfigMaps, configMap(ns, 'after-close', { [LABEL]: ns }));
    await eventually(() => assert.ok(informer.get(ns, 'after-close')));
  });

  it('relists on 410 Expired, emitting deletes for vanished objects and updates for changed ones', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-gone');
    for (const name of ['stays', 'changes', 'vanishes']) await createObject(kc, ConfigMaps, configMap(ns, name, { [LABEL]: ns }, { v: '1' }));
    const proxy = await startFaultProxy(kc);
    after(() => proxy.stop());
    const { informer, seen } = watchLabelled(proxy.kubeConfig(), ns);
    await informer.synced;
    assert.deepEqual(names(informer), ['changes', 'stays', 'vanishes']);
    seen.length = 0;

    // The informer goes blind (its watch hears nothing) while the world changes...
    proxy.watchMode = 'stall';
    proxy.cutConnections();
    await eventually(() => assert.equal(watches(proxy).at(-1)?.query.get('resourceVersion'), informer.lastResourceVersion()));
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'changes' }, { data: { v: '2' } });
    await deleteObject(kc, ConfigMaps, { namespace: ns, name: 'vanishes' });
    await createObject(kc, ConfigMaps, configMap(ns, 'appears', { [LABEL]: ns }, { v: '1' }));
    assert.equal(seen.length, 0, 'nothing heard while blind');

    // ...then its next watch is told its resourceVersion was compacted away.
    proxy.watchMode = 'expire';
    proxy.cutConnections();
    await eventually(() => assert.equal(lists(proxy), 2, 'relisted once'));
    proxy.watchMode = 'pass';
    await eventually(() => assert.deepEqual(names(informer), ['appears', 'changes', 'stays']));
    assert.deepEqual(seen.map((s) => `${s.op} ${s.name}`).sort(), ['add appears', 'delete vanishes', 'update changes']);
    assert.equal(seen.find((s) => s.name === 'changes')?.data?.v, '2');

    // And it watches again from the fresh list.
    await patchMerge(kc, ConfigMaps, { namespace: ns, name: 'stays' }, { data: { v: '3' } });
    await eventually(() => assert.equal((informer.get(ns, 'stays')?.data as Record<string, string>).v, '3'));
  });

  it('renews a watch that has gone silent', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-idle');
    const proxy = await startFaultProxy(kc);
    after(() => proxy.stop());
    const { informer } = watchLabelled(proxy.kubeConfig(), ns, { idleTimeoutMs: 1_000 });
    await informer.synced;
    // A watch that says nothing at all (a half-dead connection) is abandoned after the idle timeout.
    proxy.watchMode = 'stall';
    proxy.cutConnections();
    const stalledAt = watches(proxy).length;
    await eventually(() => assert.ok(watches(proxy).length >= stalledAt + 2, 'the silent watch was replaced'), 8_000);
    proxy.watchMode = 'pass';
    await createObject(kc, ConfigMaps, configMap(ns, 'after-idle', { [LABEL]: ns }));
    await eventually(() => assert.ok(informer.get(ns, 'after-idle')), 8_000);
    assert.equal(lists(proxy), 1, 'idle renewal rewatches without relisting');
  });

  it('a watch on the real server with nothing to say fails as idle after the idle timeout', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-quiet');
    const started = Date.now();
    await assert.rejects(
      watchOnce(kc, { path: `/api/v1/namespaces/${ns}/configmaps`, idleTimeoutMs: 700, onEvent: () => {} }),
      (err: unknown) => err instanceof WatchIdleError,
    );
    assert.ok(Date.now() - started >= 650);
  });

  it('a watch the server ends on its own timeout is simply reopened', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-timeout');
    // idleTimeoutMs 2 s asks the server to close each watch after about 1.5 s.
    const proxy = await startFaultProxy(kc);
    after(() => proxy.stop());
    const { informer } = watchLabelled(proxy.kubeConfig(), ns, { idleTimeoutMs: 2_000 });
    await informer.synced;
    await eventually(() => assert.ok(watches(proxy).length >= 3), 8_000);
    for (const w of watches(proxy)) assert.ok(Number(w.query.get('timeoutSeconds')) >= 1 && Number(w.query.get('timeoutSeconds')) < 2);
    await applyObject(kc, ConfigMaps, configMap(ns, 'late', { [LABEL]: ns }), { fieldManager: FIELD_MANAGER });
    await eventually(() => assert.ok(informer.get(ns, 'late')));
    assert.equal(lists(proxy), 1);
  });

  it('stops when aborted and resumes from its cache when run again', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'inf-resume');
    await createObject(kc, ConfigMaps, configMap(ns, 'a', { [LABEL]: ns }));
    const { informer, seen, stop, running } = watchLabelled(kc, ns);
    await informer.synced;
    stop.abort();
    await running;
    await createObject(kc, ConfigMaps, configMap(ns, 'b', { [LABEL]: ns }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(informer.get(ns, 'b'), undefined, 'a stopped informer hears nothing');

    const again = new AbortController();
    const rerun = informer.run(again.signal);
    after(async () => {
      again.abort();
      await rerun;
    });
    await eventually(() => assert.ok(informer.get(ns, 'b')));
    assert.deepEqual(seen.map((s) => `${s.op} ${s.name}`), ['add a', 'add b'], 'a is not re-added on resume');
  });
});
