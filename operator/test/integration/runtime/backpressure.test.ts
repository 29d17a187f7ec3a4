// Back-pressure against a real API server behind a proxy that plays an
// overloaded one: 429 Too Many Requests with Retry-After, as API Priority and
// Fairness answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyObject, getObject } from '../../../src/runtime/apply.ts';
import { ApiError, MAX_REQUEST_CONNECTIONS, closeConnections, openRequest, request, setClientRateLimit } from '../../../src/runtime/kube.ts';
import { ConfigMaps } from '../../../src/runtime/resources.ts';
import { usePlane } from '../../support/cluster.ts';
import { startApiProxy, tooManyRequests, type ApiProxy, type ProxiedRequest } from '../../support/api-proxy.ts';
import { configMap, freshNamespace } from './helpers.ts';

const plane = usePlane('api');

describe('back-pressure', () => {
  let proxy: ApiProxy;
  before(async () => {
    proxy = await startApiProxy(plane());
  });
  after(async () => {
    await proxy?.stop();
  });

  it('a 429 storm is ridden out at the rate the server asks', async () => {
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'bp-storm');
    const path = `/api/v1/namespaces/${ns}/configmaps/after-storm`;
    const stormEnds = Date.now() + 3_500;
    proxy.answer = (r) => (r.path === path && Date.now() < stormEnds ? tooManyRequests(1) : undefined);
    try {
      const written = await applyObject(proxy.kubeConfig(), ConfigMaps, configMap(ns, 'after-storm', {}, { a: '1' }), { fieldManager: 'storm-test' });
      assert.equal((written.data as Record<string, string>).a, '1');
    } finally {
      proxy.answer = () => undefined;
    }
    const attempts = proxy.requests.filter((r) => r.path === path);
    assert.deepEqual(attempts.map((a) => a.outcome), ['answered', 'answered', 'answered', 'answered', 'forwarded'],
      'one attempt a second through a 3.5 s storm, then the write');
    for (let i = 1; i < attempts.length; i++) {
      const gap = attempts[i]!.at - attempts[i - 1]!.at;
      assert.ok(gap >= 990, `attempt ${i} came ${gap} ms after the previous one; the server asked for 1 s`);
    }
    const stored = await getObject(admin, ConfigMaps, { namespace: ns, name: 'after-storm' });
    assert.equal((stored?.data as Record<string, string>).a, '1', 'the real server has the write');
  });

  it('gives up after the retries it allows, with the 429 as its error', async () => {
    const path = '/api/v1/namespaces/default/configmaps/never';
    proxy.answer = (r) => (r.path === path ? tooManyRequests(1) : undefined);
    try {
      const err = await request(proxy.kubeConfig(), { method: 'GET', path, maxRetries: 2 }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.status, 429);
      assert.equal(err.retryAfterSeconds, 1);
      assert.match(err.message, /429 Too Many Requests.*after 2 retries/);
    } finally {
      proxy.answer = () => undefined;
    }
    assert.equal(proxy.requests.filter((r) => r.path === path).length, 3);
  });

  it('an abort ends the wait for Retry-After at once', async () => {
    const path = '/api/v1/namespaces/default/configmaps/aborted';
    proxy.answer = (r) => (r.path === path ? tooManyRequests(30) : undefined);
    const stop = new AbortController();
    const began = Date.now();
    setTimeout(() => stop.abort(new Error('shutting down')), 300);
    try {
      await assert.rejects(request(proxy.kubeConfig(), { method: 'GET', path, signal: stop.signal }), /shutting down/);
    } finally {
      proxy.answer = () => undefined;
    }
    assert.ok(Date.now() - began < 1_500, `ended ${Date.now() - began} ms after it began`);
    assert.equal(proxy.requests.filter((r) => r.path === path).length, 1);
  });

  it('the client-side limit spaces requests at its rate once the burst is spent', async () => {
    const kc = proxy.kubeConfig();
    setClientRateLimit(kc, { perSecond: 5, burst: 2 });
    const path = '/api/v1/namespaces/default/configmaps';
    const before = proxy.requests.length;
    const began = Date.now();
    await Promise.all(Array.from({ length: 7 }, () => request(kc, { method: 'GET', path })));
    const took = Date.now() - began;
    assert.equal(proxy.requests.length - before, 7);
    // 2 at once, then one every 200 ms: the 7th leaves after 1 s.
    assert.ok(took >= 950, `7 requests at 5/s with a burst of 2 took ${took} ms`);
    assert.ok(took < 3_000);
  });

  it(`requests share at most ${MAX_REQUEST_CONNECTIONS} connections; watches and leader election, on their own, never take one nor wait for one`, async () => {
    const kc = proxy.kubeConfig();
    const ns = await freshNamespace(plane().adminKubeConfig(), 'bp-pool');
    // Each watch starts with the ADDED of this one: the proxy relays a watch's head with its first bytes.
    await applyObject(plane().adminKubeConfig(), ConfigMaps, configMap(ns, 'present', {}, { a: '1' }), { fieldManager: 'pool-test' });
    const watching = new AbortController();
    const watches = MAX_REQUEST_CONNECTIONS + 8;
    const ports = (mine: (r: ProxiedRequest) => boolean) => new Set(proxy.requests.filter(mine).map((r) => r.clientPort));
    try {
      // More watches than the pool has connections: were they in it, no request would get through.
      const watchPath = `/api/v1/namespaces/${ns}/configmaps`;
      const open = await Promise.all(Array.from({ length: watches }, () =>
        openRequest(kc, { method: 'GET', path: watchPath, query: { watch: 'true' }, ownConnection: true, signal: watching.signal })));
      assert.ok(open.every((res) => res.statusCode === 200));
      for (const res of open) res.on('error', () => undefined).resume();
      const watchPorts = ports((r) => r.watch && r.path === watchPath);
      assert.equal(watchPorts.size, watches, 'one connection per watch');

      const getPath = `/api/v1/namespaces/${ns}`;
      proxy.hold = (r) => (r.path === getPath ? 50 : 0); // requests overlap, as under load
      const gets = await Promise.all(Array.from({ length: 120 }, () => request(kc, { method: 'GET', path: getPath })));
      assert.equal(gets.length, 120);
      const getPorts = ports((r) => r.path === getPath);
      assert.ok(getPorts.size <= MAX_REQUEST_CONNECTIONS, `${getPorts.size} connections for requests`);
      assert.ok(getPorts.size >= MAX_REQUEST_CONNECTIONS / 2, `${getPorts.size} connections for 120 requests at once: they did not run side by side`);
      assert.deepEqual([...getPorts].filter((p) => watchPorts.has(p)), [], 'no request went over a watch\'s connection');

      // The pool full of slow requests: what leader election sends does not wait for them.
      const slowPath = `/api/v1/namespaces/${ns}/configmaps/slow`;
      proxy.hold = (r) => (r.path === slowPath ? 1500 : 0);
      const slow = Promise.allSettled(Array.from({ length: MAX_REQUEST_CONNECTIONS }, () => request(kc, { method: 'GET', path: slowPath })));
      const timed = async (ownConnection: boolean) => {
        const began = Date.now();
        await request(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/present`, ownConnection });
        return Date.now() - began;
      };
      const [own, pooled] = await Promise.all([timed(true), timed(false)]);
      await slow;
      assert.ok(pooled >= 1400, `a request in the pool waited ${pooled} ms for a connection (the control: the pool was full)`);
      assert.ok(own < 1000, `a request on its own connection took ${own} ms beside the full pool`);
    } finally {
      proxy.hold = () => 0;
      watching.abort();
      closeConnections(kc);
    }
  });
});
