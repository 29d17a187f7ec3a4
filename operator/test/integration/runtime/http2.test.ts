// One HTTP/2 connection to the API server for requests and watches, as
// client-go has: proven on the real kube-apiserver by counting this process's
// TCP connections to it, and with small local servers for what a real one does
// only at its own moment (GOAWAY, a refused stream, no h2 at all).
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createObject } from '../../../src/runtime/apply.ts';
import { createInformer } from '../../../src/runtime/informer.ts';
import { closeConnections, http2Sessions, loadKubeConfig, request, withoutRateLimit, type ClusterConfig } from '../../../src/runtime/kube.ts';
import { ConfigMaps } from '../../../src/runtime/resources.ts';
import { watchOnce } from '../../../src/runtime/watch.ts';
import { usePlane } from '../../support/cluster.ts';
import { configMap, eventually, freshNamespace } from './helpers.ts';

const plane = usePlane('api');

/** This process's established TCP connections to `port` (from /proc: what the kernel holds, whatever the code thinks). */
function connectionsTo(port: number): number {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join('/proc/self/fd', fd)));
      if (m) mine.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const remotePort = parseInt(f[2]!.split(':')[1]!, 16);
      if (remotePort === port && f[3] === '01' && mine.has(f[9]!)) count++;
    }
  }
  return count;
}

/** Sockets this process opens (TLS ones included) while subscribed. */
function socketsOpened(): { sockets: Socket[]; stop(): void } {
  const sockets: Socket[] = [];
  const onSocket = (message: unknown): void => {
    sockets.push((message as { socket: Socket }).socket);
  };
  diagnostics.subscribe('net.client.socket', onSocket);
  return { sockets, stop: () => diagnostics.unsubscribe('net.client.socket', onSocket) };
}

describe('one HTTP/2 connection to the API server', () => {
  let apiPort: number;
  let kc: ClusterConfig;
  before(() => {
    apiPort = Number(new URL(plane().server).port);
  });
  const ourConfig = (): ClusterConfig => loadKubeConfig({ kubeconfigPath: plane().kubeconfigPath });

  it('carries every request and every watch: one TLS connection, one session', async () => {
    kc = ourConfig();
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'h2-one');
    const others = connectionsTo(apiPort); // the admin's own
    const opened = socketsOpened();
    const watching = new AbortController();
    const seen: string[][] = Array.from({ length: 12 }, () => []);
    try {
      const open: Promise<void>[] = [];
      const watches = seen.map((names) => {
        let onOpen!: () => void;
        open.push(new Promise<void>((resolve) => (onOpen = resolve)));
        return watchOnce(kc, {
          path: `/api/v1/namespaces/${ns}/configmaps`,
          idleTimeoutMs: 60_000,
          signal: watching.signal,
          onOpen,
          onEvent: (e) => names.push(e.object.metadata?.name ?? ''),
        }).catch(() => undefined);
      });
      await Promise.all(open);
      const answers = await Promise.all(Array.from({ length: 60 }, () => request(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}` })));
      assert.equal(answers.length, 60);
      // Leader election's client (no rate limit) is the same client: the same connection.
      await request(withoutRateLimit(kc), { method: 'GET', path: `/api/v1/namespaces/${ns}` });
      await createObject(admin, ConfigMaps, configMap(ns, 'seen-by-all', {}));
      await eventually(() => assert.ok(seen.every((names) => names.includes('seen-by-all')), 'every watch saw the create'));

      assert.equal(opened.sockets.length, 1, `12 watches and 61 requests opened ${opened.sockets.length} connections`);
      assert.equal(connectionsTo(apiPort) - others, 1, 'one TCP connection to the API server');
      const sessions = http2Sessions(kc);
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0]!.maxStreams, 100, "kube-apiserver's SETTINGS_MAX_CONCURRENT_STREAMS");
      assert.equal(sessions[0]!.streams, 12, 'the watches are streams of it');
      watching.abort();
      await Promise.all(watches);
    } finally {
      watching.abort();
      opened.stop();
      closeConnections(kc);
      closeConnections(admin);
    }
  });

  it('opens a second connection when the watches fill the first, and drops it once idle', async () => {
    kc = ourConfig();
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'h2-full');
    closeConnections(admin);
    await eventually(() => assert.equal(connectionsTo(apiPort), 0, 'no connection of this process left'));
    await request(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}` });
    const limit = http2Sessions(kc)[0]!.maxStreams;
    const watching = new AbortController();
    try {
      const open: Promise<void>[] = [];
      const watches = Array.from({ length: limit + 5 }, () => {
        let onOpen!: () => void;
        open.push(new Promise<void>((resolve) => (onOpen = resolve)));
        return watchOnce(kc, { path: `/api/v1/namespaces/${ns}/configmaps`, idleTimeoutMs: 60_000, signal: watching.signal, onOpen, onEvent: () => undefined })
          .catch(() => undefined);
      });
      await Promise.all(open);
      assert.deepEqual(http2Sessions(kc).map((s) => s.streams), [limit, 5], `${limit + 5} watches on connections of ${limit} streams`);
      assert.equal(connectionsTo(apiPort), 2);
      // Not waiting for a stream to free up: a request is answered beside them.
      const began = Date.now();
      await request(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}`, timeoutMs: 5_000 });
      assert.ok(Date.now() - began < 2_000, `a request beside ${limit + 5} watches took ${Date.now() - began} ms`);
      watching.abort();
      await Promise.all(watches);
      await eventually(() => assert.equal(connectionsTo(apiPort), 1, 'the extra connection closed once idle'));
      assert.equal(http2Sessions(kc).length, 1);
    } finally {
      watching.abort();
      closeConnections(kc);
    }
  });

  it('a watch whose connection is cut fails, not as a clean close by the server', async () => {
    kc = ourConfig();
    const opened = socketsOpened();
    try {
      let onOpen!: () => void;
      const open = new Promise<void>((resolve) => (onOpen = resolve));
      const watch = watchOnce(kc, { path: '/api/v1/namespaces', idleTimeoutMs: 60_000, onOpen, onEvent: () => undefined });
      await open;
      opened.sockets[0]!.destroy();
      await assert.rejects(watch, /connection closed before the response ended/);
    } finally {
      opened.stop();
      closeConnections(kc);
    }
  });

  it('recovers when the connection is killed under an informer and requests', async () => {
    kc = ourConfig();
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'h2-kill');
    const others = connectionsTo(apiPort); // the admin's own
    const opened = socketsOpened();
    const stop = new AbortController();
    const informer = createInformer({ kc, type: ConfigMaps, namespace: ns, backoff: { initialMs: 100, maxMs: 1_000 } });
    const running = informer.run(stop.signal);
    try {
      await informer.synced;
      await request(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}` });
      assert.equal(opened.sockets.length, 1);
      // The network drops it: no GOAWAY, no close from the server; the stream and the session just die.
      opened.sockets[0]!.destroy();
      await createObject(admin, ConfigMaps, configMap(ns, 'after-the-cut', {}));
      await eventually(() => assert.ok(informer.get(ns, 'after-the-cut'), 'the informer watched again and saw the create'));
      const got = await request(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/after-the-cut` });
      assert.equal(got.metadata?.name, 'after-the-cut');
      assert.equal(opened.sockets.length, 2, 'one new connection, for the watch and the request');
      assert.equal(http2Sessions(kc).length, 1);
      assert.equal(connectionsTo(apiPort) - others, 1);
    } finally {
      stop.abort();
      await running;
      opened.stop();
      closeConnections(kc);
      closeConnections(admin);
    }
  });
});

describe('HTTP/2 with servers that say goodbye, refuse, or do not speak it', () => {
  let tlsFiles: { cert: Buffer; key: Buffer; ca: Buffer };
  before(() => {
    const pki = (f: string) => readFileSync(join(plane().dir, f));
    tlsFiles = { cert: pki('serving.crt'), key: pki('serving.key'), ca: pki('ca.crt') };
  });
  const configFor = (port: number): ClusterConfig => ({
    getCurrentCluster: () => ({ server: `https://127.0.0.1:${port}` }),
    applyToHTTPSOptions: async (opts) => {
      opts.ca = tlsFiles.ca;
      opts.headers = { Authorization: 'Bearer not-a-real-token' };
    },
  });
  const listen = async (server: https.Server | http2.Http2SecureServer): Promise<number> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const stopServer = (server: https.Server | http2.Http2SecureServer): Promise<void> =>
    new Promise((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    });

  it('after a GOAWAY, the streams it had finish and new requests go on a new connection', async () => {
    const sessions = new Set<http2.Http2Session>();
    let held: http2.ServerHttp2Stream | undefined;
    const server = http2.createSecureServer({ cert: tlsFiles.cert, key: tlsFiles.key });
    server.on('session', (s) => sessions.add(s));
    server.on('stream', (stream, headers) => {
      if (headers[':path'] === '/slow') {
        held = stream;
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ kind: 'Answer', session: [...sessions].indexOf(stream.session!) }));
    });
    const port = await listen(server);
    const kc = configFor(port);
    try {
      const first = await request<{ session: number }>(kc, { method: 'GET', path: '/a' });
      assert.equal(first.session, 0);
      const slow = request<{ done: boolean }>(kc, { method: 'GET', path: '/slow' });
      await eventually(() => assert.ok(held));
      // The server is going away (a restart, a drain): no new streams on this connection.
      const [goingAway] = sessions;
      goingAway!.goaway(http2.constants.NGHTTP2_NO_ERROR, 3);
      await eventually(() => assert.equal(http2Sessions(kc)[0]?.usable ?? false, false));
      const second = await request<{ session: number }>(kc, { method: 'GET', path: '/b' });
      assert.equal(second.session, 1, 'a new connection');
      held!.respond({ ':status': 200, 'content-type': 'application/json' });
      held!.end(JSON.stringify({ done: true }));
      assert.deepEqual(await slow, { done: true }, 'the stream in flight finished on the old connection');
    } finally {
      closeConnections(kc);
      for (const s of sessions) s.destroy();
      await stopServer(server);
    }
  });

  it('a refused stream is sent again (the server never processed it)', async () => {
    let attempts = 0;
    const server = http2.createSecureServer({ cert: tlsFiles.cert, key: tlsFiles.key });
    server.on('stream', (stream) => {
      stream.on('error', () => undefined); // the refused one errors on this side too
      if (++attempts === 1) return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end('{"kind":"Answer"}');
    });
    const port = await listen(server);
    const kc = configFor(port);
    try {
      assert.deepEqual(await request(kc, { method: 'POST', path: '/write', body: { a: 1 } }), { kind: 'Answer' });
      assert.equal(attempts, 2);
    } finally {
      closeConnections(kc);
      await stopServer(server);
    }
  });

  it('a server that offers no h2 is spoken to in HTTP/1.1', async () => {
    const seen: string[] = [];
    const server = https.createServer({ cert: tlsFiles.cert, key: tlsFiles.key }, (req, res) => {
      seen.push(`${req.httpVersion} ${req.headers.authorization}`);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Answer"}');
    });
    const port = await listen(server);
    const kc = configFor(port);
    try {
      assert.deepEqual(await request(kc, { method: 'GET', path: '/a' }), { kind: 'Answer' });
      assert.deepEqual(await request(kc, { method: 'GET', path: '/b' }), { kind: 'Answer' });
      assert.deepEqual(seen, ['1.1 Bearer not-a-real-token', '1.1 Bearer not-a-real-token']);
      assert.deepEqual(http2Sessions(kc), []);
    } finally {
      closeConnections(kc);
      await stopServer(server);
    }
  });
});
