// A plain-HTTP proxy in front of the real API server that can misbehave on
// demand, to prove the informer survives what networks and servers do: cut
// connections, watches that go silent, and the 410 Expired a watch gets after
// etcd compaction (which a test cannot trigger on a fresh server: its watch
// cache still serves every old resourceVersion). Everything else is forwarded
// to the real server, with the admin's credentials.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { openRequest } from '../../../src/runtime/kube.ts';

/** pass: forward; stall: accept watches and send nothing; expire: answer watches with 410 Expired. */
export type WatchMode = 'pass' | 'stall' | 'expire';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  watch: boolean;
}

export interface FaultProxy {
  /** A KubeConfig that talks to the API server through this proxy. */
  kubeConfig(): KubeConfig;
  watchMode: WatchMode;
  readonly requests: SeenRequest[];
  /** Drops every client connection at once, watches included. */
  cutConnections(): void;
  stop(): Promise<void>;
}

const EXPIRED_EVENT = {
  type: 'ERROR',
  object: {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'too old resource version (compacted)',
    reason: 'Expired',
    code: 410,
  },
};

export async function startFaultProxy(upstream: KubeConfig): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const requests: SeenRequest[] = [];
  const state: { watchMode: WatchMode } = { watchMode: 'pass' };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const watch = url.searchParams.get('watch') === 'true';
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, watch });
    if (watch && state.watchMode === 'stall') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      return;
    }
    if (watch && state.watchMode === 'expire') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify(EXPIRED_EVENT)}\n`);
      return;
    }
    void forward(req, res, url);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const forward = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      let body = '';
      for await (const chunk of req) body += (chunk as Buffer).toString();
      const up = await openRequest(upstream, {
        method: req.method as 'GET',
        path: url.pathname + url.search,
        body: body || undefined,
        contentType: req.headers['content-type'],
        signal: abort.signal,
      });
      res.writeHead(up.statusCode ?? 502, { 'Content-Type': up.headers['content-type'] ?? 'application/json' });
      up.on('error', () => res.destroy());
      up.pipe(res);
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    }
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'proxy', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'proxy-user' }],
        contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy-user' }],
        currentContext: 'proxy',
      });
      return kc;
    },
    get watchMode() {
      return state.watchMode;
    },
    set watchMode(mode: WatchMode) {
      state.watchMode = mode;
    },
    requests,
    cutConnections() {
      for (const s of sockets) s.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
