// An HTTPS proxy in front of a plane's real API server that a test can make
// misbehave: answer some requests itself (a 429 storm), or hold writes for a
// while before passing them on (a slow server), dropping those whose client
// gave up meanwhile (as a server never sees a request whose connection was
// closed before it was sent). Every request is logged with what became of it,
// so a test can say exactly what reached the real server, and when.
// For chaos runs (bench/chaos) it can also cut every open watch stream
// mid-stream, and cut the network for a while (a partition: nothing moves
// either way until it heals, as TCP behaves through a short outage).
// It serves with the plane's own serving certificate (127.0.0.1, signed by
// the plane's CA) and passes the client's bearer token on; a client without
// one is forwarded as the plane's admin.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';

export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  watch: boolean;
  /** Wall-clock ms when it arrived. */
  at: number;
  /** The client's port: requests with the same one came over the same connection. */
  clientPort?: number;
  /** answered: by the proxy itself; forwarded: passed to the real server (at `forwardedAt`); dropped: its client left while held. */
  outcome: 'answered' | 'forwarded' | 'dropped' | 'pending';
  forwardedAt?: number;
  /** Forwarded: wall-clock ms when the server's answer head came back, and its status. */
  answeredAt?: number;
  status?: number;
}

/** An answer the proxy gives itself instead of forwarding. */
export interface LocalAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ApiProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Decides, per request, to answer it here; undefined forwards it. */
  answer: (req: ProxiedRequest) => LocalAnswer | undefined;
  /** Ms to hold a request before forwarding it (0: at once). */
  hold: (req: ProxiedRequest) => number;
  /** Ends every watch stream open now, mid-stream (the client sees its connection drop); returns how many. */
  cutWatches(): number;
  /**
   * For `ms` nothing moves: new requests wait, answers in flight (watch streams
   * included) stop; afterwards everything resumes, except requests whose client
   * gave up meanwhile. Resolves when it heals.
   */
  partition(ms: number): Promise<void>;
  /** A KubeConfig reaching the server through the proxy, with `token` (or as admin when omitted). */
  kubeConfig(token?: string): KubeConfig;
  /** The same as a kubeconfig file's text. */
  kubeconfigYaml(token: string): string;
  stop(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isWrite = (r: ProxiedRequest): boolean => WRITE_METHODS.has(r.method);

export async function startApiProxy(plane: ControlPlane): Promise<ApiProxy> {
  // The files controlplane.ts makePki writes into the plane's directory.
  const pki = (f: string) => readFileSync(join(plane.dir, f));
  const ca = pki('ca.crt');
  const admin = { cert: pki('admin.crt'), key: pki('admin.key') };
  const upstream = new URL(plane.server);
  const agent = new https.Agent({ keepAlive: true, ca });
  const sockets = new Set<Socket>();
  const requests: ProxiedRequest[] = [];
  const watchStreams = new Set<http.ServerResponse>();
  // Upstream answers being relayed, paused while partitioned.
  const flows = new Set<{ up: http.IncomingMessage; res: http.ServerResponse }>();
  let partitionedUntil = 0;
  /** Runs fn once the network is whole again. */
  const whenConnected = (fn: () => void): void => {
    const wait = partitionedUntil - Date.now();
    if (wait > 0) setTimeout(() => whenConnected(fn), wait);
    else fn();
  };

  const proxy: ApiProxy = {
    url: '',
    requests,
    answer: () => undefined,
    hold: () => 0,
    cutWatches() {
      const open = [...watchStreams];
      for (const res of open) res.destroy();
      return open.length;
    },
    async partition(ms) {
      partitionedUntil = Math.max(partitionedUntil, Date.now() + ms);
      for (const flow of flows) {
        flow.up.unpipe(flow.res);
        flow.up.pause();
      }
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (Date.now() < partitionedUntil) return; // a longer one started meanwhile: it resumes them
      for (const flow of flows) flow.up.pipe(flow.res);
    },
    kubeConfig(token) {
      const kc = new KubeConfig();
      kc.loadFromString(proxy.kubeconfigYaml(token ?? ''));
      return kc;
    },
    kubeconfigYaml(token) {
      return JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'proxy', cluster: { server: proxy.url, 'certificate-authority-data': ca.toString('base64') } }],
        users: [{ name: 'proxy-user', user: token ? { token } : {} }],
        contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy-user' } }],
        'current-context': 'proxy',
      });
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, seen: ProxiedRequest, clientGone: () => boolean): void => {
    if (clientGone()) {
      seen.outcome = 'dropped';
      return;
    }
    seen.outcome = 'forwarded';
    seen.forwardedAt = Date.now();
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: upstream.host };
    const up = https.request(
      new URL(req.url ?? '/', upstream),
      { method: req.method, headers, agent, ...(req.headers.authorization ? {} : admin) },
      (upRes) => {
        seen.answeredAt = Date.now();
        seen.status = upRes.statusCode;
        const flow = { up: upRes, res };
        upRes.pause();
        upRes.on('error', () => res.destroy());
        upRes.on('close', () => flows.delete(flow));
        whenConnected(() => {
          if (res.destroyed) return void upRes.destroy();
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          flows.add(flow);
          upRes.pipe(res);
        });
      },
    );
    up.on('error', () => whenConnected(() => (res.headersSent ? res.destroy() : res.writeHead(502).end())));
    res.on('close', () => up.destroy());
    up.end(body);
  };

  const server = https.createServer({ cert: pki('serving.crt'), key: pki('serving.key') }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const seen: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      watch: url.searchParams.get('watch') === 'true',
      at: Date.now(),
      clientPort: req.socket.remotePort,
      outcome: 'pending',
    };
    requests.push(seen);
    if (seen.watch) {
      watchStreams.add(res);
      res.on('close', () => watchStreams.delete(res));
    }
    let gone = false;
    res.on('close', () => {
      if (!res.writableFinished) gone = true;
    });
    const clientGone = () => gone || req.socket.destroyed;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => whenConnected(() => {
      if (clientGone()) {
        seen.outcome = 'dropped';
        return;
      }
      const local = proxy.answer(seen);
      if (local) {
        seen.outcome = 'answered';
        const text = local.body === undefined ? '' : JSON.stringify(local.body);
        res.writeHead(local.status, { 'Content-Type': 'application/json', ...local.headers });
        res.end(text);
        return;
      }
      const holdMs = proxy.hold(seen);
      if (holdMs > 0) setTimeout(() => forward(req, res, Buffer.concat(chunks), seen, clientGone), holdMs);
      else forward(req, res, Buffer.concat(chunks), seen, clientGone);
    }));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (proxy as { url: string }).url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/**
 * A watch answered with the 410 Expired the API server sends once the asked
 * resourceVersion was compacted away (an ERROR event in a 200 stream), which a
 * fresh server with its watch cache cannot be made to send.
 */
export function expiredWatch(): LocalAnswer {
  return {
    status: 200,
    body: {
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version (compacted)', reason: 'Expired', code: 410 },
    },
  };
}

/** A 500 as an API server sends it when its storage fails. */
export function internalError(): LocalAnswer {
  return {
    status: 500,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Internal error occurred: injected by the fault proxy', reason: 'InternalError', code: 500 },
  };
}

/** The Status body of a 429, as the API server's priority and fairness sends it. */
export function tooManyRequests(retryAfterSeconds: number): LocalAnswer {
  return {
    status: 429,
    headers: { 'Retry-After': String(retryAfterSeconds) },
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds },
      code: 429,
    },
  };
}
