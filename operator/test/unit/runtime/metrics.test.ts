import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Gauge } from 'prom-client';
import { closeConnections, loadKubeConfig, request, setRequestObserver } from '../../../src/runtime/kube.ts';
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

  it('counts and times requests to the API server by code, method and host, client-go\'s way', async () => {
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/api/v1/namespaces/a' ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', `clusters: [{name: c, cluster: {server: "http://${host}"}}]`,
      'users: [{name: u, user: {}}]', 'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x',
    ].join('\n'));
    const kc = loadKubeConfig({ kubeconfigPath: file });
    const m = createOperatorMetrics({ prefix: 'demo_operator', processMetrics: false });
    setRequestObserver(kc, m.observeApiRequest);
    try {
      await request(kc, { method: 'GET', path: '/api/v1/namespaces/a' });
      await request(kc, { method: 'GET', path: '/api/v1/namespaces/a' });
      await assert.rejects(request(kc, { method: 'DELETE', path: '/api/v1/namespaces/b' }), /404/);
      const text = await m.registry.metrics();
      assert.match(text, new RegExp(`^rest_client_requests_total\\{code="200",method="GET",host="${host}"\\} 2$`, 'm'));
      assert.match(text, new RegExp(`^rest_client_requests_total\\{code="404",method="DELETE",host="${host}"\\} 1$`, 'm'));
      assert.match(text, new RegExp(`^rest_client_request_duration_seconds_count\\{verb="GET",host="${host}"\\} 2$`, 'm'));
    } finally {
      closeConnections(kc);
      await new Promise((r) => server.close(r));
    }
    // No answer at all is "<error>".
    await assert.rejects(request(kc, { method: 'GET', path: '/api/v1/namespaces/a' }));
    assert.match(await m.registry.metrics(), new RegExp(`^rest_client_requests_total\\{code="<error>",method="GET",host="${host}"\\} 1$`, 'm'));
  });

  it('reports leadership: 1 while leading the Lease, 0 while a candidate', async () => {
    const m = createOperatorMetrics({ prefix: 'demo_operator', processMetrics: false });
    assert.doesNotMatch(await m.registry.metrics(), /^leader_election_master_status\{/m, 'nothing without leader election');
    m.setLeader('demo.example.com', false);
    assert.match(await m.registry.metrics(), /^leader_election_master_status\{name="demo.example.com"\} 0$/m);
    m.setLeader('demo.example.com', true);
    assert.match(await m.registry.metrics(), /^leader_election_master_status\{name="demo.example.com"\} 1$/m);
  });
});
