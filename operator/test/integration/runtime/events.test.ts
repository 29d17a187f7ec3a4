import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createObject } from '../../../src/runtime/apply.ts';
import { createEventRecorder } from '../../../src/runtime/events.ts';
import { request, type KubeObject } from '../../../src/runtime/kube.ts';
import { createLogger } from '../../../src/runtime/log.ts';
import { ConfigMaps } from '../../../src/runtime/resources.ts';
import { usePlane } from '../../support/cluster.ts';
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
});
