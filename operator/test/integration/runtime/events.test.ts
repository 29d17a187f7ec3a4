import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createObject } from '../../../src/runtime/apply.ts';
import { createEventRecorder } from '../../../src/runtime/events.ts';
import { request, type KubeObject } from '../../../src/runtime/kube.ts';
import { createLogger } from '../../../src/runtime/log.ts';
import { ConfigMaps } from '../../../src/runtime/resources.ts';
import { usePlane } from '../../support/cluster.ts';
import { isWrite, startApiProxy } from '../../support/api-proxy.ts';
import { configMap, freshNamespace } from './helpers.ts';

const plane = usePlane('api');
const CONTROLLER = 'runtime-test.example.com/controller';

interface EventList {
  items: (KubeObject & { reason: string; note: string; type: string; series?: { count: number }; regarding: { uid: string } })[];
}

const eventsIn = (kc: Parameters<typeof request>[0], ns: string): Promise<EventList> =>
  request<EventList>(kc, { method: 'GET', path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` });

describe('event recorder', () => {
  it('writes an event about an object, and counts repeats in one series instead of new events', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'ev-series');
    const subject = await createObject(kc, ConfigMaps, configMap(ns, 'subject', {}));
    const recorder = createEventRecorder({ kc, reportingController: CONTROLLER, reportingInstance: 'test-1' });

    await recorder.record(subject, { type: 'Warning', reason: 'ThingFailed', note: 'the thing failed' });
    await recorder.record(subject, { type: 'Warning', reason: 'ThingFailed', note: 'the thing failed' });
    await recorder.record(subject, { type: 'Warning', reason: 'ThingFailed', note: 'the thing failed' });
    await recorder.record(subject, { type: 'Normal', reason: 'ThingDone', note: 'x'.repeat(5000) });
    await recorder.flush();

    const { items } = await eventsIn(kc, ns);
    assert.equal(items.length, 2);
    const failed = items.find((e) => e.reason === 'ThingFailed')!;
    assert.equal(failed.type, 'Warning');
    assert.equal(failed.note, 'the thing failed');
    assert.equal(failed.series?.count, 3);
    assert.equal(failed.regarding.uid, subject.metadata?.uid);
    assert.equal(failed.reportingController, CONTROLLER);
    const done = items.find((e) => e.reason === 'ThingDone')!;
    assert.ok(Buffer.byteLength(done.note) <= 1024, 'a long note is cut to what the API accepts');
    assert.equal(done.series, undefined);

    // The core/v1 view (what kubectl describe reads) shows the same events.
    const core = await request<{ items: { involvedObject: { name: string }; reason: string }[] }>(kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/events`,
    });
    assert.deepEqual(core.items.map((e) => `${e.involvedObject.name} ${e.reason}`).sort(), ['subject ThingDone', 'subject ThingFailed']);
  });

  it('never throws into the caller: a failed write is logged', async () => {
    const kc = plane().adminKubeConfig();
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) });
    const recorder = createEventRecorder({ kc, reportingController: CONTROLLER, log });
    const ghost = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'no-such-namespace', name: 'ghost' } };
    await recorder.record(ghost, { type: 'Normal', reason: 'Ghostly', note: 'boo' });
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as { msg: string; reason: string; err: { message: string } };
    assert.equal(entry.msg, 'could not record event');
    assert.equal(entry.reason, 'Ghostly');
    assert.match(entry.err.message, /404/);
  });

  it('a failure repeated 200 times is one event counting 200, written twice; a flood of distinct events is cut to 25', async () => {
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'ev-spam');
    const subject = await createObject(admin, ConfigMaps, configMap(ns, 'subject', {}));
    const proxy = await startApiProxy(plane());
    after(() => proxy.stop());
    const recorder = createEventRecorder({ kc: proxy.kubeConfig(), reportingController: CONTROLLER, seriesUpdateMs: 60_000 });
    const eventWrites = () => proxy.requests.filter((r) => isWrite(r) && r.path.includes('/events')).length;

    for (let i = 0; i < 200; i++) await recorder.record(subject, { type: 'Warning', reason: 'StillFailing', note: 'same error' });
    assert.equal(eventWrites(), 1, 'only the create went out; the repeats wait for the series update');
    await recorder.flush();
    assert.equal(eventWrites(), 2);
    const failing = (await eventsIn(admin, ns)).items.filter((e) => e.reason === 'StillFailing');
    assert.equal(failing.length, 1);
    assert.equal(failing[0]!.series?.count, 200);

    for (let i = 0; i < 40; i++) await recorder.record(subject, { type: 'Warning', reason: 'Flood', note: `distinct ${i}` });
    const flood = (await eventsIn(admin, ns)).items.filter((e) => e.reason === 'Flood');
    assert.equal(flood.length, 24, "25 new events per object at once: one went to StillFailing, 24 are left for the flood");
    const other = await createObject(admin, ConfigMaps, configMap(ns, 'other', {}));
    await recorder.record(other, { type: 'Normal', reason: 'Flood', note: 'another object has its own budget' });
    assert.equal((await eventsIn(admin, ns)).items.filter((e) => e.regarding.uid === other.metadata?.uid).length, 1);
  });

  it('writes nothing once its signal has aborted (a deposed leader)', async () => {
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'ev-deposed');
    const subject = await createObject(admin, ConfigMaps, configMap(ns, 'subject', {}));
    const deposed = new AbortController();
    const recorder = createEventRecorder({ kc: admin, reportingController: CONTROLLER, signal: deposed.signal });
    await recorder.record(subject, { type: 'Warning', reason: 'Before', note: 'written' });
    await recorder.record(subject, { type: 'Warning', reason: 'Before', note: 'written' });
    deposed.abort();
    await recorder.record(subject, { type: 'Warning', reason: 'After', note: 'must not be written' });
    await recorder.flush();
    const items = (await eventsIn(admin, ns)).items;
    assert.deepEqual(items.map((e) => e.reason), ['Before']);
    assert.equal(items[0]!.series, undefined, 'the pending count was not written either');
  });
});
