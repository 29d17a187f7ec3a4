// The operator's two small HTTP servers: Prometheus metrics (default :8080)
// and health (default :8081: /healthz = the process answers, /readyz = its
// caches are synced), as kubelet probes and Prometheus expect them.
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { httpModule } from './node-http.ts';

export const DEFAULT_METRICS_PORT = 8080;
export const DEFAULT_HEALTH_PORT = 8081;

export interface RunningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  stop(): Promise<void>;
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

function send(res: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function serve(routes: Record<string, Route>, port: number, host: string | undefined): Promise<RunningServer> {
  const server = httpModule.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const route = routes[path];
    if (!route) return send(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    Promise.resolve(route(req, res)).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `${(err as Error).message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Scrapers keep connections alive; don't wait for them to go.
        server.closeAllConnections();
      }),
  };
}

/** Serves GET /metrics from the registry. */
export function startMetricsServer(opts: { registry: Registry; port?: number; host?: string }): Promise<RunningServer> {
  return serve(
    {
      '/metrics': async (_req, res) => send(res, 200, await opts.registry.metrics(), opts.registry.contentType),
    },
    opts.port ?? DEFAULT_METRICS_PORT,
    opts.host,
  );
}

/**
 * Serves /healthz (200 while `alive()`, default always) and /readyz (200 once
 * `ready()`, else 503 with the reason it returns).
 */
export function startHealthServer(opts: {
  ready: () => boolean | string;
  alive?: () => boolean;
  port?: number;
  host?: string;
}): Promise<RunningServer> {
  return serve(
    {
      '/healthz': (_req, res) => (opts.alive?.() ?? true ? send(res, 200, 'ok\n') : send(res, 503, 'unhealthy\n')),
      '/readyz': (_req, res) => {
        const ready = opts.ready();
        if (ready === true) send(res, 200, 'ok\n');
        else send(res, 503, `${typeof ready === 'string' ? ready : 'not ready'}\n`);
      },
    },
    opts.port ?? DEFAULT_HEALTH_PORT,
    opts.host,
  );
}
