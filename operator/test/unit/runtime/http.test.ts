import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { startHealthServer, startMetricsServer } from '../../../src/runtime/http.ts';

const get = async (port: number, path: string): Promise<{ status: number; body: string; type: string | null }> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
};

describe('metrics server', () => {
  it('serves the registry in the Prometheus text format on /metrics only', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);
    const server = await startMetricsServer({ registry, port: 0, host: '127.0.0.1' });
    try {
      const metrics = await get(server.port, '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.body, /^test_things_total 3$/m);
      assert.match(metrics.type ?? '', /^text\/plain/);
      assert.equal((await get(server.port, '/other')).status, 404);
    } finally {
      await server.stop();
    }
    await assert.rejects(get(server.port, '/metrics'), 'stopped means closed');
  });
});

describe('health server', () => {
  it('answers /healthz while alive and /readyz only once ready, with the reason when not', async () => {
    let ready: boolean | string = 'caches not synced';
    const server = await startHealthServer({ ready: () => ready, port: 0, host: '127.0.0.1' });
    try {
      assert.deepEqual(await get(server.port, '/healthz').then((r) => [r.status, r.body]), [200, 'ok\n']);
      assert.deepEqual(await get(server.port, '/readyz').then((r) => [r.status, r.body]), [503, 'caches not synced\n']);
      ready = true;
      assert.equal((await get(server.port, '/readyz')).status, 200);
      const post = await fetch(`http://127.0.0.1:${server.port}/healthz`, { method: 'POST' });
      assert.equal(post.status, 405);
    } finally {
      await server.stop();
    }
  });

  it('reports unhealthy when the liveness check fails', async () => {
    const server = await startHealthServer({ ready: () => true, alive: () => false, port: 0, host: '127.0.0.1' });
    try {
      assert.equal((await get(server.port, '/healthz')).status, 503);
    } finally {
      await server.stop();
    }
  });
});
