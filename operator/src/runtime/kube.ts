// The raw JSON transport to the Kubernetes API. client-node's typed clients go
// through an ObjectSerializer that drops every field it does not know (our own
// CRD, newer API fields), so everything the runtime reads or writes goes through
// `request` here: JSON in, JSON out, untouched. Where the server is and how to
// authenticate (TLS material, tokens refreshed on each call, so rotated
// ServiceAccount tokens and exec plugins keep working) comes from a
// ClusterConfig (kubeconfig.ts).
import type * as http from 'node:http';
import type * as https from 'node:https';
import { sleep } from './backoff.ts';
import type { ClusterConfig } from './kubeconfig.ts';
import { httpModule } from './node-http.ts';
import { createTokenBucket, type RateLimit, type TokenBucket } from './ratelimit.ts';
import { exchange, shareConnections, type ApiResponse } from './transport.ts';

export { closeConnections, http2Sessions, MAX_REQUEST_CONNECTIONS, type ApiResponse } from './transport.ts';

export { kubeConfigSource, loadKubeConfig, type ClusterConfig, type LoadedKubeConfig } from './kubeconfig.ts';

/** Which API resource a kind is served as; enough to build any URL for it. */
export interface ResourceType {
  /** "v1" for the core group, "group/version" otherwise. */
  apiVersion: string;
  kind: string;
  /** Lower-case plural resource name used in URLs, e.g. "deployments". */
  plural: string;
  namespaced: boolean;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Object metadata as the server sends it (timestamps stay strings). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** Any Kubernetes object as raw JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** Where one object lives; namespace is ignored for cluster-scoped types. */
export interface ObjectRef {
  namespace?: string;
  name: string;
}

/** The Kubernetes `Status` object returned with API errors. */
export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

/** An API call that got a non-2xx answer; `status` is the HTTP code. */
export class ApiError extends Error {
  readonly status: number;
  /** The Status reason ("NotFound", "Conflict", "Expired", ...) or the HTTP reason phrase. */
  readonly reason: string;
  readonly body: ApiStatus | undefined;
  /** What the server's Retry-After asked for (429, or a 5xx that sent one), in seconds. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, status: number, reason: string, body?: ApiStatus, retryAfterSeconds?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.body = body;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
export const isAlreadyExists = (err: unknown): boolean =>
  err instanceof ApiError && err.status === 409 && err.reason === 'AlreadyExists';
/** 410 Gone / reason Expired: a resourceVersion too old to watch or continue from. */
export const isGone = (err: unknown): boolean =>
  err instanceof ApiError && (err.status === 410 || err.reason === 'Expired' || err.reason === 'Gone');

/** "apps" for "apps/v1", "" for "v1". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The URL path of a resource collection or object:
 * `/api/v1/namespaces/ns/configmaps/name`, `/apis/apps/v1/deployments` (all
 * namespaces), `/apis/rbac.authorization.k8s.io/v1/clusterroles/x`, with an
 * optional subresource such as "status".
 */
export function resourcePath(
  type: ResourceType,
  where: { namespace?: string; name?: string; subresource?: string } = {},
): string {
  const root = groupOf(type.apiVersion) === '' ? `/api/${type.apiVersion}` : `/apis/${type.apiVersion}`;
  let path = root;
  if (type.namespaced && where.namespace) path += `/namespaces/${encodeURIComponent(where.namespace)}`;
  path += `/${type.plural}`;
  if (where.name !== undefined) {
    if (where.name === '') throw new Error(`${type.kind}: empty object name`);
    path += `/${encodeURIComponent(where.name)}`;
    if (where.subresource) path += `/${where.subresource}`;
  }
  return path;
}

/** The path of one object, from its type and reference. */
export function objectPath(type: ResourceType, ref: ObjectRef, subresource?: string): string {
  if (type.namespaced && !ref.namespace) throw new Error(`${type.kind} ${ref.name}: namespace required`);
  return resourcePath(type, { namespace: ref.namespace, name: ref.name, subresource });
}

/**
 * A readable name for what a path points at, for error messages:
 * "rbac.authorization.k8s.io/v1 roles production/x-watcher".
 */
export function describePath(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  let apiVersion: string;
  if (parts[0] === 'api' && parts.length >= 2) {
    apiVersion = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    apiVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else {
    return path;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, ...sub] = rest;
  if (!plural) return namespace ? `${apiVersion} namespaces ${namespace}` : apiVersion;
  let what = `${apiVersion} ${plural}`;
  if (name !== undefined) what += ` ${namespace ? `${namespace}/` : ''}${name}`;
  else if (namespace) what += ` in ${namespace}`;
  if (sub.length > 0) what += ` (${sub.join('/')})`;
  return what;
}

/** metav1.MicroTime (Lease and Event times): RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** "namespace/name", or "name" for cluster-scoped objects: the cache and queue key. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Splits an objectKey back into a reference. */
export function parseObjectKey(key: string): ObjectRef {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  /**
   * Over HTTP/1.1 (a server without h2), outside the bounded pool of
   * connections the other requests share (MAX_REQUEST_CONNECTIONS): for a
   * watch, which holds its connection for minutes, and for leader election,
   * which must not wait behind a burst of reconciles to renew its Lease. Over
   * HTTP/2 every exchange is a stream of the shared connection: none waits
   * for another.
   */
  ownConnection?: boolean;
  signal?: AbortSignal;
  /** Per-attempt deadline for non-streaming calls; default 30 s. */
  timeoutMs?: number;
  /** Answers that ask to retry later (429, a 5xx with Retry-After) are retried this many times; default 10. */
  maxRetries?: number;
  /**
   * A 404 resolves to undefined instead of throwing: for a read that expects
   * absence often (proving an object absent before its first apply: 8000 of
   * them converging 1000 instances, where building each ApiError cost 1.2 s
   * of CPU).
   */
  notFoundAsUndefined?: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** client-go's rest.Request default. */
export const DEFAULT_MAX_RETRIES = 10;
/** A Retry-After longer than this is waited for this long: a worker must not sleep for an hour. */
export const MAX_RETRY_AFTER_SECONDS = 60;
const USER_AGENT = 'operator-runtime (node)';

// The client-side rate limit of a ClusterConfig (none unless set): every request
// and watch made with it waits for a token first, retries included.
const limiters = new WeakMap<ClusterConfig, TokenBucket>();

/**
 * The same client (server, credentials, connections) without the rate limit
 * set on `kc`: for leader election, whose Lease renewals must not wait behind
 * reconciles for a token, yet need no connection of their own.
 */
export function withoutRateLimit(kc: ClusterConfig): ClusterConfig {
  const view: ClusterConfig = {
    getCurrentCluster: () => kc.getCurrentCluster(),
    applyToHTTPSOptions: (opts) => kc.applyToHTTPSOptions(opts),
  };
  shareConnections(view, kc);
  return view;
}

/**
 * Limits the requests made with this ClusterConfig to `perSecond` on average and
 * `burst` at once (client-go's QPS and Burst); undefined removes the limit.
 */
export function setClientRateLimit(kc: ClusterConfig, limit: RateLimit | undefined): void {
  if (limit) limiters.set(kc, createTokenBucket(limit));
  else limiters.delete(kc);
}

/** One request to the API server as metrics count it, client-go's way: timed to the head of the answer. */
export interface RequestObservation {
  method: string;
  /** host:port of the API server. */
  host: string;
  /** The status code, or "<error>" when no answer came (a refused connection, a timeout). */
  code: string;
  seconds: number;
}
export type RequestObserver = (request: RequestObservation) => void;

// Who is told of each request made with a ClusterConfig (none unless set).
const observers = new WeakMap<ClusterConfig, RequestObserver>();

/**
 * Reports every request made with this ClusterConfig (watches included, when
 * their answer starts; not those its caller aborted, but those that timed out)
 * to `observer`; undefined stops it.
 */
export function setRequestObserver(kc: ClusterConfig, observer: RequestObserver | undefined): void {
  if (observer) observers.set(kc, observer);
  else observers.delete(kc);
}

/** Opens an HTTP exchange with the API server and resolves with the response head (transport.ts carries it). */
export async function openRequest(kc: ClusterConfig, opts: RequestOptions): Promise<ApiResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  await limiters.get(kc)?.take(opts.signal);
  const auth: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(auth);
  // An aborted caller sends nothing (a deposed leader must not write), whatever the awaits above let through.
  opts.signal?.throwIfAborted();

  const url = new URL(cluster.server.replace(/\/+$/, '') + opts.path);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  let payload: string | undefined;
  if (opts.body !== undefined) payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: http.OutgoingHttpHeaders = {
    ...(auth.headers as http.OutgoingHttpHeaders | undefined),
    Accept: 'application/json',
    'User-Agent': USER_AGENT,
  };
  if (payload !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  const observe = observers.get(kc);
  const started = performance.now();
  const observed = (code: string) => observe?.({ method: opts.method, host: url.host, code, seconds: (performance.now() - started) / 1000 });
  try {
    const res = await exchange(kc, { url, method: opts.method, headers, payload, auth, proxied: Boolean(cluster.proxyUrl), ownConnection: opts.ownConnection, signal: opts.signal });
    observed(String(res.statusCode ?? 0));
    return res;
  } catch (err) {
    // A caller that gave up is no failed request; a timeout is one.
    const reason: unknown = opts.signal?.reason;
    if (!opts.signal?.aborted || (reason instanceof Error && reason.name === 'TimeoutError')) observed('<error>');
    throw err;
  }
}

/** Reads a whole response body as text. */
export async function readBody(res: ApiResponse): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk as string;
  return text;
}

/**
 * The seconds a failed answer asks us to wait before trying again, if it is
 * one to retry: 429 Too Many Requests (API Priority and Fairness, max
 * in-flight; 1 s when it names no time), or a 5xx that sends Retry-After (as
 * client-go). Capped at MAX_RETRY_AFTER_SECONDS.
 */
export function retryAfterSeconds(status: number, header: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  if (status !== 429 && !(status >= 500 && status <= 599)) return undefined;
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  let seconds: number | undefined;
  if (value && /^\d+$/.test(value)) seconds = Number(value);
  else if (value && !Number.isNaN(Date.parse(value))) seconds = Math.max(0, Math.ceil((Date.parse(value) - nowMs) / 1000));
  if (seconds === undefined) {
    if (status !== 429) return undefined;
    seconds = 1;
  }
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}

/** Builds the ApiError for a failed response, with what was asked of whom. */
export function apiErrorFrom(method: string, path: string, status: number, text: string, retryAfter?: number): ApiError {
  let body: ApiStatus | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as ApiStatus;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): keep the raw text.
  }
  const phrase = httpModule.STATUS_CODES[status] ?? 'Error';
  const reason = body?.reason || phrase;
  const detail = body?.message ?? text.trim().slice(0, 500);
  const message = `${method} ${describePath(path)}: ${status} ${phrase}${detail ? `: ${detail}` : ''}`;
  return new ApiError(message, status, reason, body, retryAfter);
}

/**
 * One API call: sends `body` as JSON (or the given content type), returns the
 * parsed JSON answer, throws ApiError for any non-2xx status. An answer that
 * asks to come back later (see retryAfterSeconds) is retried after the time it
 * names, up to maxRetries times; the wait ends at once when the signal aborts.
 */
export async function request<T = KubeObject>(kc: ClusterConfig, opts: RequestOptions): Promise<T> {
  const maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
  for (let attempt = 0; ; attempt++) {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: ApiResponse;
    let text: string;
    try {
      res = await openRequest(kc, { ...opts, signal });
      text = await readBody(res);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const cause = timeout.aborted ? `timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : (err as Error).message;
      throw new Error(`${opts.method} ${describePath(opts.path)}: ${cause}`, { cause: err });
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : undefined) as T;
    if (status === 404 && opts.notFoundAsUndefined) return undefined as T;
    const retryAfter = retryAfterSeconds(status, res.headers['retry-after']);
    if (retryAfter === undefined || attempt >= maxRetries) {
      const err = apiErrorFrom(opts.method, opts.path, status, text, retryAfter);
      if (retryAfter !== undefined && attempt > 0) err.message += ` (after ${attempt} retries)`;
      throw err;
    }
    // Nothing was done; come back when the server said. An abort ends the wait (and the call) at once.
    await sleep(retryAfter * 1000, opts.signal);
  }
}
