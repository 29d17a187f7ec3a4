import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gauge } from 'prom-client';
import { createOperatorMetrics } from '../../../src/runtime/metrics.ts';
import { createWorkQueue } from '../../../src/runtime/workqueue.ts';

describe('operator metrics', () => {
  it('counts reconciles by result and times them under the given prefix', async () => {
    const m = createOperatorMetrics({ prefix: 'demo_operator', processMetrics: false });
    m.observeReconcile('demo', 'success', 0.2);
    m.observeReconcile('demo', 'error', 1.5);
    m.observeReconcile('demo', 'error', 0.1);
    const text = await m.registry.metrics();
    assert.match(text, /^demo_operator_reconciliations_total\{controller="demo",result="success"\} 1$/m);
    assert.match(text, /^demo_operator_reconciliations_total\{controller="demo",result="error"\} 2$/m);
    assert.match(text, /^demo_operator_reconciliation_duration_seconds_count\{controller="demo"\} 3$/m);
  });

  it('exposes work-queue depth, adds, retries, latencies and the longest running key', async () => {
    const m = createOperatorMetrics({ prefix: 'demo_operator', processMetrics: false });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const q = createWorkQueue({ process: () => held, metrics: m.workQueueHooks('demo') });
    m.watchWorkQueue('demo', q);
    q.add('a');
    q.add('b');
    q.addRateLimited('c');
    q.start();
    await new Promise((r) => setTimeout(r, 20));
    const text = await m.registry.metrics();
    // a is in flight; b waits, and c joined it after its 5 ms backoff.
    assert.match(text, /^workqueue_depth\{name="demo"\} 2$/m);
    assert.match(text, /^workqueue_adds_total\{name="demo"\} 3$/m);
    assert.match(text, /^workqueue_retries_total\{name="demo"\} 1$/m);
    assert.match(text, /^workqueue_queue_duration_seconds_count\{name="demo"\} 1$/m);
    const longest = Number(/^workqueue_longest_running_processor_seconds\{name="demo"\} (\S+)$/m.exec(text)?.[1]);
    assert.ok(longest >= 0.015 && longest < 5, `longest running ${longest}`);
    release();
    await q.shutdown();
    assert.match(await m.registry.metrics(), /^workqueue_work_duration_seconds_count\{name="demo"\} [12]$/m);
  });

  it('lets the operator add its own gauges to the same registry', async () => {
    const m = createOperatorMetrics({ prefix: 'demo_operator', processMetrics: false });
    const ready = new Gauge({ name: 'demo_operator_instance_ready', help: 'ready', labelNames: ['name', 'namespace'], registers: [m.registry] });
    ready.set({ name: 'a', namespace: 'n' }, 1);
    assert.match(await m.registry.metrics(), /^demo_operator_instance_ready\{name="a",namespace="n"\} 1$/m);
  });

  it('includes process metrics by default and rejects an invalid prefix', async () => {
    const m = createOperatorMetrics({ prefix: 'demo' });
    assert.match(await m.registry.metrics(), /^process_cpu_seconds_total /m);
    assert.throws(() => createOperatorMetrics({ prefix: 'bad-prefix' }), /invalid metric prefix/);
  });
});
