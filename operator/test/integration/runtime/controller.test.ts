import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { applyObject, createObject, deleteObject, patchMerge } from '../../../src/runtime/apply.ts';
import { startController, type Controller, type ControllerOptions } from '../../../src/runtime/controller.ts';
import { objectKey, parseObjectKey, type KubeObject } from '../../../src/runtime/kube.ts';
import { createOperatorMetrics, type OperatorMetrics } from '../../../src/runtime/metrics.ts';
import { ConfigMaps, Secrets } from '../../../src/runtime/resources.ts';
import { createWrittenOverlay } from '../../../src/runtime/written.ts';
import { usePlane } from '../../support/cluster.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { configMap, eventually, freshNamespace } from './helpers.ts';

const plane = usePlane('api');
// The test "operator": ConfigMaps labelled PRIMARY are its instances; each owns a Secret "<name>-child".
// Both labels carry the test's namespace, so one test never sees another's objects.
const PRIMARY = 'runtime-test.example.com/instance';
const OWNED = 'runtime-test.example.com/owned';
const OWNER_ANNOTATION = 'runtime-test.example.com/owner';
const FIELD_MANAGER = 'runtime-test-controller';

function childOf(primary: KubeObject): KubeObject {
  const { namespace, name } = primary.metadata!;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace, name: `${name}-child`, labels: { [OWNED]: namespace! }, annotations: { [OWNER_ANNOTATION]: objectKey(primary) } },
    stringData: primary.data as Record<string, string>,
  };
}

interface Harness {
  controller: Controller;
  calls: string[];
  metrics: OperatorMetrics;
}

function run(kc: KubeConfig, namespace: string, overrides: Partial<ControllerOptions> = {}): Harness {
  const calls: string[] = [];
  const metrics = createOperatorMetrics({ prefix: 'runtime_test', processMetrics: false });
  const controller: Controller = startController({
    name: 'widget',
    kc,
    primary: ConfigMaps,
    primaryLabelSelector: `${PRIMARY}=${namespace}`,
    owned: [{ type: Secrets, labelSelector: `${OWNED}=${namespace}`, keyOf: (o) => o.metadata?.annotations?.[OWNER_ANNOTATION] }],
    maxConcurrent: 2,
    metrics,
    retry: { baseDelayMs: 50, maxDelayMs: 1_000 },
    reconcile: async (key) => {
      calls.push(key);
      const { namespace: ns, name } = parseObjectKey(key);
      const primary = controller.get(ConfigMaps, ns, name);
      if (primary) await applyObject(kc, Secrets, childOf(primary), { fieldManager: FIELD_MANAGER });
    },
    ...overrides,
  });
  after(() => controller.stop());
  return { controller, calls, metrics };
}

async function counter(metrics: OperatorMetrics, result: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'runtime_test_reconciliations_total');
  return (metric?.values ?? []).filter((v) => v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
}

describe('controller', () => {
  it('reconciles a new instance, and again when someone deletes the object it owns', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ctl-basic');
    await createObject(kc, ConfigMaps, configMap(ns, 'existing', { [PRIMARY]: ns }, { k: 'v' }));
    const { controller, calls } = run(kc, ns);
    await controller.synced;
    assert.equal(controller.hasSynced(), true);
    await eventually(() => assert.ok(controller.get(Secrets, ns, 'existing-child')));

    await createObject(kc, ConfigMaps, configMap(ns, 'fresh', { [PRIMARY]: ns }, { k: 'v' }));
    await eventually(() => assert.ok(controller.get(Secrets, ns, 'fresh-child'), 'child created for a new instance'));

    const before = calls.filter((k) => k === `${ns}/fresh`).length;
    await deleteObject(kc, Secrets, { namespace: ns, name: 'fresh-child' });
    await eventually(() => assert.ok(calls.filter((k) => k === `${ns}/fresh`).length > before), 5_000);
    await eventually(() => assert.ok(controller.get(Secrets, ns, 'fresh-child'), 'child recreated'));

    // Objects without the labels are neither cached nor a reason to reconcile. Each watch
    // delivers in order: a labelled change made after them, once seen, proves they were passed over.
    const callsBefore = calls.length;
    await createObject(kc, Secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: ns, name: 'unrelated', annotations: { [OWNER_ANNOTATION]: `${ns}/fresh` } } });
    await createObject(kc, ConfigMaps, configMap(ns, 'not-an-instance', {}));
    await patchMerge(kc, Secrets, { namespace: ns, name: 'existing-child' }, { metadata: { labels: { 'runtime-test.example.com/touched': 'yes' } } });
    await createObject(kc, ConfigMaps, configMap(ns, 'marker', { [PRIMARY]: ns }, { k: 'v' }));
    await eventually(() => assert.ok(controller.get(ConfigMaps, ns, 'marker') && controller.get(Secrets, ns, 'existing-child')?.metadata?.labels?.['runtime-test.example.com/touched']));
    await eventually(() => assert.ok(calls.slice(callsBefore).includes(`${ns}/marker`) && calls.slice(callsBefore).includes(`${ns}/existing`)));
    assert.deepEqual([...new Set(calls.slice(callsBefore))].sort(), [`${ns}/existing`, `${ns}/marker`].sort(), 'only the labelled changes were reconciled');
    assert.equal(controller.get(Secrets, ns, 'unrelated'), undefined);
    assert.deepEqual(
      controller.list(ConfigMaps).map((o) => o.metadata?.name).sort(),
      ['existing', 'fresh', 'marker'],
    );
  });

  it('retries a failing reconcile with growing delays, then counts the success', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ctl-retry');
    const attempts: number[] = [];
    const { controller, metrics } = run(kc, ns, {
      reconcile: async () => {
        attempts.push(Date.now());
        if (attempts.length <= 3) throw new Error(`attempt ${attempts.length} fails`);
      },
    });
    await controller.synced;
    await createObject(kc, ConfigMaps, configMap(ns, 'flaky', { [PRIMARY]: ns }));
    await eventually(() => assert.equal(attempts.length, 4), 5_000);
    // An attempt is counted once it has ended.
    await eventually(async () => assert.equal(await counter(metrics, 'success'), 1), 5_000);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // Backoff 50, 100, 200 ms: each gap at least its delay.
    assert.ok(gaps[0]! >= 45 && gaps[1]! >= 95 && gaps[2]! >= 195, `gaps ${gaps.join(', ')}`);
    assert.equal(await counter(metrics, 'error'), 3);
    assert.equal(await counter(metrics, 'success'), 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(attempts.length, 4, 'no retry after success');
  });

  it('reconciles a key again after the delay it asked for', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ctl-requeue');
    const times: number[] = [];
    const { controller, metrics } = run(kc, ns, {
      reconcile: async () => {
        times.push(Date.now());
        return times.length === 1 ? { requeueAfter: 300 } : undefined;
      },
    });
    await controller.synced;
    await createObject(kc, ConfigMaps, configMap(ns, 'poll', { [PRIMARY]: ns }));
    await eventually(() => assert.equal(times.length, 2), 5_000);
    assert.ok(times[1]! - times[0]! >= 290);
    assert.equal(await counter(metrics, 'requeue'), 1);
  });

  it('stopping waits for the reconcile in flight and takes no more work', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ctl-stop');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started = 0;
    let finished = 0;
    const { controller } = run(kc, ns, {
      reconcile: async () => {
        started++;
        await held;
        finished++;
      },
    });
    await controller.synced;
    await createObject(kc, ConfigMaps, configMap(ns, 'slow', { [PRIMARY]: ns }));
    await eventually(() => assert.equal(started, 1));
    let stopped = false;
    const stopping = controller.stop().then(() => (stopped = true));
    await applyObject(kc, ConfigMaps, configMap(ns, 'slow-2', { [PRIMARY]: ns }), { fieldManager: FIELD_MANAGER });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stopped, false, 'still waiting for the in-flight reconcile');
    release();
    await stopping;
    assert.equal(finished, 1);
    assert.equal(started, 1, 'nothing new started during shutdown');
  });

  it('a reconcile still running when the shutdown grace period ends is told to stop', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ctl-grace');
    let seenSignal: AbortSignal | undefined;
    const { controller } = run(kc, ns, {
      shutdownGraceMs: 200,
      reconcile: async (_key, signal) => {
        seenSignal = signal;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    await controller.synced;
    await createObject(kc, ConfigMaps, configMap(ns, 'stuck', { [PRIMARY]: ns }));
    await eventually(() => assert.ok(seenSignal));
    const began = Date.now();
    await controller.stop();
    assert.equal(seenSignal!.aborted, true);
    assert.ok(Date.now() - began >= 190 && Date.now() - began < 3_000);
  });

  it('a cancelled controller aborts the reconcile in flight at once, without waiting for the grace period', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ctl-cancel');
    const cancel = new AbortController();
    let seenSignal: AbortSignal | undefined;
    let started = 0;
    const { controller } = run(kc, ns, {
      cancel: cancel.signal,
      shutdownGraceMs: 30_000,
      reconcile: async (_key, signal) => {
        started++;
        seenSignal = signal;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    await controller.synced;
    await createObject(kc, ConfigMaps, configMap(ns, 'busy', { [PRIMARY]: ns }));
    await eventually(() => assert.ok(seenSignal));
    const began = Date.now();
    cancel.abort();
    assert.equal(seenSignal!.aborted, true, 'aborted in the same tick as the cancel');
    await controller.done;
    assert.ok(Date.now() - began < 2_000, `stopped in ${Date.now() - began} ms, not after the 30 s grace`);
    await createObject(kc, ConfigMaps, configMap(ns, 'later', { [PRIMARY]: ns }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(started, 1, 'nothing new started');
  });

  it('resync reconciles every instance again with no event at all', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ctl-resync');
    await createObject(kc, ConfigMaps, configMap(ns, 'quiet', { [PRIMARY]: ns }));
    const { controller, calls } = run(kc, ns, { resyncPeriodMs: 500, reconcile: async (key) => void calls.push(key) });
    await controller.synced;
    await eventually(() => assert.ok(calls.length >= 1));
    const afterFirst = calls.length;
    await eventually(() => assert.ok(calls.length >= afterFirst + 2, `${calls.length} reconciles`), 5_000);
    assert.deepEqual([...new Set(calls)], [`${ns}/quiet`]);
  });

  it('a reconcile started by a relist reads the listed object, not our own older write', async () => {
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'ctl-relist');
    const proxy = await startFaultProxy(admin);
    after(() => proxy.stop());
    const kc = proxy.kubeConfig();
    const overlay = { view: undefined as ReturnType<typeof createWrittenOverlay> | undefined };
    const seen: string[] = [];
    const { controller } = run(kc, ns, {
      reconcile: async (key) => {
        const { namespace, name } = parseObjectKey(key);
        const cm = overlay.view!.get(ConfigMaps, namespace, name) as KubeObject | undefined;
        seen.push(String((cm?.data as Record<string, string> | undefined)?.value));
      },
    });
    overlay.view = createWrittenOverlay(controller);
    await controller.synced;
    await createObject(kc, ConfigMaps, configMap(ns, 'x', { [PRIMARY]: ns }, { value: 'created' }));
    await eventually(() => assert.ok(seen.includes('created')));
    // Our write, which the (now silent) watch never delivers; then someone else's newer one.
    const watchesBefore = proxy.requests.filter((r) => r.watch && r.path.endsWith('/configmaps')).length;
    proxy.watchMode = 'stall';
    proxy.cutConnections();
    await eventually(() => assert.ok(proxy.requests.filter((r) => r.watch && r.path.endsWith('/configmaps')).length > watchesBefore, 'the ConfigMaps watch reopened, silent'));
    const ours = await applyObject(kc, ConfigMaps, configMap(ns, 'x', { [PRIMARY]: ns }, { value: 'ours' }), { fieldManager: FIELD_MANAGER });
    overlay.view.record(ConfigMaps, ours);
    await applyObject(admin, ConfigMaps, configMap(ns, 'x', { [PRIMARY]: ns }, { value: 'theirs' }), { fieldManager: 'someone-else', force: true });
    seen.length = 0;
    // The watch comes back expired: only a relist catches up.
    proxy.watchMode = 'expire';
    proxy.cutConnections();
    await eventually(() => assert.ok(seen.length >= 1), 10_000);
    proxy.watchMode = 'pass';
    assert.equal(seen[0], 'theirs', 'the first reconcile after the relist saw the listed object');
  });
});
