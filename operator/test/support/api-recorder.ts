// A recording proxy in front of a test plane's API server: a client given the
// proxy's kubeconfig talks plain HTTP on loopback, the proxy forwards every
// request as the plane's admin and records it. It tells exactly which API calls
// a program makes (to grant it those and no more), with every call allowed so
// the program goes down all of its paths.
import { request as httpsRequest } from 'node:https';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';

export interface RecordedCall {
  method: string;
  path: string;
  query: string;
  /** The API server's status code (0 while the response has not started). */
  status: number;
  /** When the request arrived (Date.now()) and how long until the response started. */
  at: number;
  ms: number;
}

/** An API call as RBAC sees it: verb, group ("" for core), resource[/subresource], and the namespace ("" when cluster-wide). */
export interface ApiAccess {
  verb: string;
  group: string;
  resource: string;
  namespace: string;
}

export interface ApiRecorder {
  /** A kubeconfig (file) that reaches the plane through the recorder. */
  kubeconfigPath: string;
  calls(): RecordedCall[];
  /** The distinct RBAC accesses among the calls (non-resource URLs such as discovery left out), sorted. */
  accesses(): ApiAccess[];
  stop(): Promise<void>;
}

export async function startApiRecorder(plane: ControlPlane): Promise<ApiRecorder> {
  const kc = plane.adminKubeConfig();
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster?.caFile || !user?.certFile || !user.keyFile) throw new Error('the plane admin kubeconfig has no CA/certificate files');
  const target = new URL(cluster.server);
  const tls = { ca: readFileSync(cluster.caFile), cert: readFileSync(user.certFile), key: readFileSync(user.keyFile) };
  const calls: RecordedCall[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://recorder');
    const call: RecordedCall = { method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0, at: Date.now(), ms: 0 };
    calls.push(call);
    const headers = { ...req.headers, host: target.host };
    const upstream = httpsRequest({
      hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, ...tls,
    }, (up) => {
      call.status = up.statusCode ?? 0;
      call.ms = Date.now() - call.at;
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      call.status = 502;
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  };
  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  const kubeconfigPath = join(plane.dir, `recorder-${port}.kubeconfig`);
  await writeFile(kubeconfigPath, JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'recorder', cluster: { server: `http://127.0.0.1:${port}` } }],
    users: [{ name: 'recorder', user: {} }],
    contexts: [{ name: 'recorder', context: { cluster: 'recorder', user: 'recorder' } }],
    'current-context': 'recorder',
  }), { mode: 0o600 });

  return {
    kubeconfigPath,
    calls: () => [...calls],
    accesses: () => distinctAccesses(calls),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Maps a request to what RBAC authorizes (the API server's own request-info rules, for the paths clients use). */
export function accessOf(call: Pick<RecordedCall, 'method' | 'path' | 'query'>): ApiAccess | undefined {
  const parts = call.path.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return undefined; // discovery of a group version
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] ?? '';
    rest = rest.slice(2);
  }
  const [resource, name, sub] = rest;
  const watch = /[?&]watch=(true|1)\b/.test(call.query);
  const verb = {
    GET: name === undefined ? (watch ? 'watch' : 'list') : 'get',
    HEAD: name === undefined ? 'list' : 'get',
    POST: 'create', PUT: 'update', PATCH: 'patch',
    DELETE: name === undefined ? 'deletecollection' : 'delete',
  }[call.method] ?? call.method.toLowerCase();
  return { verb, group, resource: sub ? `${resource}/${sub}` : (resource ?? ''), namespace };
}

function distinctAccesses(calls: RecordedCall[]): ApiAccess[] {
  const seen = new Map<string, ApiAccess>();
  for (const c of calls) {
    const a = accessOf(c);
    if (a) seen.set(formatAccess(a), a);
  }
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, a]) => a);
}

/** "list pods.metrics.k8s.io in ns", "get nodes (cluster)": one line a reviewer reads. */
export function formatAccess(a: ApiAccess): string {
  const [res, sub] = a.resource.split('/');
  const resource = `${res}${a.group ? `.${a.group}` : ''}${sub ? `/${sub}` : ''}`;
  return `${a.verb} ${resource} ${a.namespace ? `in ${a.namespace}` : '(cluster)'}`;
}
