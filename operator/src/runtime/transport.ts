// The connections to one API server, per ClusterConfig. Over TLS, as client-go
// does: one HTTP/2 connection (ALPN "h2") that multiplexes every request and
// every watch, so there is one TLS handshake instead of one per connection and
// no request pool to size. A server that does not offer h2 (and plain http://,
// and an http(s) proxy) gets HTTP/1.1 keep-alive agents, as before; so does
// every server when DISABLE_HTTP2 is set (non-empty), as in client-go.
//
// HTTP/2 as Go's transport (which client-go uses) does it:
// - A server's SETTINGS_MAX_CONCURRENT_STREAMS bounds the streams of one
//   connection (kube-apiserver: 100 unless --http2-max-streams-per-connection,
//   k8s.io/apiserver pkg/server/secure_serving.go; watches count): a stream
//   that would exceed it opens another connection (Go's
//   StrictMaxConcurrentStreams = false), closed again once it is idle.
// - GOAWAY: the connection takes no new streams; those it had finish; a stream
//   the server refused (above the GOAWAY's last stream, or REFUSED_STREAM) was
//   never processed and is sent again on a new connection.
// - A connection on which nothing arrived for 30 s is pinged; no answer in
//   15 s and it is destroyed (client-go's HTTP2_READ_IDLE_TIMEOUT_SECONDS and
//   HTTP2_PING_TIMEOUT_SECONDS), so a dead network fails every stream on it
//   (watches included, which then reconnect) instead of hanging them.
// - The TLS handshake times out after 10 s (client-go's TLSHandshakeTimeout).
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import type * as https from 'node:https';
import type { Readable } from 'node:stream';
import type * as tls from 'node:tls';
import { http2Module, httpModule, httpsModule, streamModule, tlsModule } from './node-http.ts';

/** The response head and body stream of one exchange, whichever protocol carried it. */
export interface ApiResponse extends Readable {
  statusCode?: number;
  headers: http.IncomingHttpHeaders;
}

/** What openRequest hands the transport: the request, and the TLS material and credentials of this call. */
export interface Exchange {
  url: URL;
  method: string;
  headers: http.OutgoingHttpHeaders;
  payload?: string;
  /** What ClusterConfig.applyToHTTPSOptions set: ca, cert, key, rejectUnauthorized, servername, auth, agent (a proxy). */
  auth: https.RequestOptions;
  /** Through a proxy (HTTP/1.1 only). */
  proxied: boolean;
  /** HTTP/1.1 only: outside the bounded request pool (watches, leader election). */
  ownConnection?: boolean;
  signal?: AbortSignal;
}

/**
 * HTTP/1.1 only (a server without h2): requests that end share at most this
 * many connections. HTTP/1.1 carries one request at a time, and 16 reconciles
 * reading 8 objects each opened 107 TLS connections at once while converging
 * 1000 new instances; each keeps its buffers, and the process its memory, long
 * after. 24 converged as fast; 32 keeps some margin (docs/performance.md).
 * Watches and leader election are outside this pool (Exchange.ownConnection).
 */
export const MAX_REQUEST_CONNECTIONS = 32;
/** Until the server's SETTINGS say otherwise: HTTP/2's recommended minimum (Go's transport does the same). */
const INITIAL_MAX_STREAMS = 100;
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
export const HTTP2_READ_IDLE_TIMEOUT_MS = 30_000;
export const HTTP2_PING_TIMEOUT_MS = 15_000;
/** Stream ids are 31 bits and odd for a client: a connection near the end takes no new stream. */
const LAST_STREAM_ID = 2 ** 31 - 1;

type TlsMaterial = Pick<https.RequestOptions, 'ca' | 'cert' | 'key'>;

/** One HTTP/2 connection and what it carries. */
interface Session {
  h2: http2.ClientHttp2Session;
  /** The TLS identity it was opened with: requests with other material need another session. */
  identity: string;
  /** Streams open on it now. */
  active: number;
  /** False once it takes no new streams (GOAWAY, closing, identity rotated, out of stream ids). */
  usable: boolean;
}

interface Connections {
  /** HTTP/1.1 agents: one bounded pool for requests, one without bound for watches and leader election. */
  requests?: { http: http.Agent; https: https.Agent };
  own?: { http: http.Agent; https: https.Agent };
  /** HTTP/2 sessions, the first the one to fill first. */
  sessions: Session[];
  /** A session being opened, shared by whoever needs one meanwhile. */
  connecting?: Promise<Session | undefined>;
  /** The server answered ALPN without h2: HTTP/1.1 from now on. */
  http1Only: boolean;
  /** The TLS context every connection shares, and the material it was made from. */
  tls?: TlsMaterial & { context: tls.SecureContext };
}

// Keyed by ClusterConfig (any object: ours, or client-node's KubeConfig in tests).
const connections = new WeakMap<object, Connections>();

function connectionsFor(kc: object): Connections {
  let all = connections.get(kc);
  if (!all) {
    all = { sessions: [], http1Only: false };
    connections.set(kc, all);
  }
  return all;
}

const isPem = (v: unknown): v is string | Buffer => typeof v === 'string' || Buffer.isBuffer(v);
const sameMaterial = (a: unknown, b: unknown): boolean => a === b || (isPem(a) && isPem(b) && String(a) === String(b));

/**
 * The TLS context for this material, made once: without one, tls.connect builds
 * a context for every connection it opens (parsing the CA, certificate and key
 * again and allocating an OpenSSL context each time). New material (a rotated
 * exec certificate) makes a new one.
 */
function secureContextOf(all: Connections, auth: TlsMaterial): tls.SecureContext {
  const last = all.tls;
  if (last && sameMaterial(last.ca, auth.ca) && sameMaterial(last.cert, auth.cert) && sameMaterial(last.key, auth.key)) return last.context;
  const context = tlsModule.createSecureContext({ ca: auth.ca, cert: auth.cert, key: auth.key });
  all.tls = { ca: auth.ca, cert: auth.cert, key: auth.key, context };
  return context;
}

/**
 * Closes every connection (idle or in use, watches included) opened for this
 * ClusterConfig (and those sharing its connections). Used at shutdown, and by
 * tests to simulate a broken network; later requests open new ones.
 */
export function closeConnections(kc: object): void {
  const all = connections.get(kc);
  if (!all) return;
  const { sessions, requests, own } = all;
  Object.assign(all, { sessions: [], requests: undefined, own: undefined, connecting: undefined, http1Only: false });
  // With an error: a session destroyed without one ends its streams as if the server had (a watch would look closed, not cut).
  for (const s of sessions) s.h2.destroy(new Error('connections to the API server closed'));
  for (const pair of [requests, own]) {
    pair?.http.destroy();
    pair?.https.destroy();
  }
}

/** Makes `view` use the connections of `kc` (a second ClusterConfig for the same client, such as one without its rate limit). */
export function shareConnections(view: object, kc: object): void {
  connections.set(view, connectionsFor(kc));
}

/** What the HTTP/2 connections of this ClusterConfig are doing now (tests, diagnostics). */
export function http2Sessions(kc: object): { streams: number; usable: boolean; maxStreams: number }[] {
  return (connections.get(kc)?.sessions ?? []).map((s) => ({ streams: s.active, usable: s.usable, maxStreams: maxStreamsOf(s) }));
}

/** Sends one request and resolves with the response head; the body streams from it. */
export async function exchange(kc: object, ex: Exchange): Promise<ApiResponse> {
  const all = connectionsFor(kc);
  if (ex.url.protocol === 'https:' && !ex.proxied && !all.http1Only && !process.env.DISABLE_HTTP2) {
    const res = await viaHttp2(all, ex);
    if (res) return res;
  }
  return viaHttp1(all, ex);
}

// --- HTTP/1.1 ------------------------------------------------------------------

function viaHttp1(all: Connections, ex: Exchange): Promise<ApiResponse> {
  const secure = ex.url.protocol === 'https:';
  const pool = ex.ownConnection ? 'own' : 'requests';
  const pair = (all[pool] ??= {
    http: new httpModule.Agent(ex.ownConnection ? { keepAlive: true } : { keepAlive: true, maxSockets: MAX_REQUEST_CONNECTIONS }),
    https: new (httpsModule().Agent)(ex.ownConnection ? { keepAlive: true } : { keepAlive: true, maxSockets: MAX_REQUEST_CONNECTIONS }),
  });
  const { auth } = ex;
  const headers = { ...ex.headers };
  if (ex.payload !== undefined) headers['Content-Length'] = Buffer.byteLength(ex.payload);
  const options: https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext'> = {
    method: ex.method,
    headers,
    // A proxy needs the configuration's own proxy agent; otherwise ours, for keep-alive.
    agent: ex.proxied ? auth.agent : secure ? pair.https : pair.http,
    signal: ex.signal,
    // The material also names the agent's pool (a rotated certificate opens new
    // connections); the context it makes once is reused by every connection.
    ca: auth.ca,
    cert: auth.cert,
    key: auth.key,
    auth: auth.auth,
  };
  if (secure && !ex.proxied) options.secureContext = secureContextOf(all, auth);
  if (auth.rejectUnauthorized !== undefined) options.rejectUnauthorized = auth.rejectUnauthorized;
  if (auth.servername !== undefined) options.servername = auth.servername;
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsModule() : httpModule).request(ex.url, options, resolve);
    req.on('error', reject);
    req.end(ex.payload);
  });
}

// --- HTTP/2 ----------------------------------------------------------------------

const maxStreamsOf = (s: Session): number => Math.min(s.h2.remoteSettings?.maxConcurrentStreams ?? INITIAL_MAX_STREAMS, 2 ** 31);
const takesStreams = (s: Session): boolean =>
  s.usable && !s.h2.closed && !s.h2.destroyed && s.active < maxStreamsOf(s) && (s.h2.state.nextStreamID ?? 1) < LAST_STREAM_ID - 2;

// The last material seen and its identity: a configuration hands the same buffers to every request.
let lastIdentity: { parts: unknown[]; identity: string } | undefined;
function identityOf(auth: https.RequestOptions): string {
  const parts = [auth.ca, auth.cert, auth.key, auth.rejectUnauthorized, auth.servername];
  if (lastIdentity && parts.every((p, i) => p === lastIdentity!.parts[i])) return lastIdentity.identity;
  // Never logged: only compared. The PEM text (or buffers) as they came.
  const identity = parts.map((v) => (v === undefined ? '' : String(v))).join('\0');
  lastIdentity = { parts, identity };
  return identity;
}

/** A stream refused before the server processed it: safe to send again. */
function wasRefused(err: unknown, stream: http2.ClientHttp2Stream | undefined): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION') return true;
  return stream !== undefined && stream.rstCode === http2Module().constants.NGHTTP2_REFUSED_STREAM;
}

/** The response over HTTP/2, or undefined when the server does not speak it (then HTTP/1.1 from now on). */
async function viaHttp2(all: Connections, ex: Exchange): Promise<ApiResponse | undefined> {
  // A refused stream goes again on another connection; twice in a row is the server's answer.
  for (let attempt = 0; ; attempt++) {
    const session = await sessionFor(all, ex);
    if (!session) return undefined;
    let stream: http2.ClientHttp2Stream | undefined;
    try {
      return await send(all, session, ex, (s) => (stream = s));
    } catch (err) {
      if (attempt >= 2 || ex.signal?.aborted || !wasRefused(err, stream)) throw err;
      session.usable = false;
    }
  }
}

/** A session with room for one more stream (counted as taken), opened if none has. */
async function sessionFor(all: Connections, ex: Exchange): Promise<Session | undefined> {
  const identity = identityOf(ex.auth);
  for (;;) {
    ex.signal?.throwIfAborted();
    for (const s of all.sessions) {
      if (s.identity !== identity && s.usable) retire(all, s);
      else if (takesStreams(s)) {
        take(s);
        return s;
      }
    }
    if (all.http1Only) return undefined;
    all.connecting ??= connect(all, ex, identity).finally(() => {
      all.connecting = undefined;
    });
    const opened = await raceSignal(all.connecting, ex.signal);
    if (!opened) return undefined;
  }
}

function take(s: Session): void {
  if (s.active++ === 0) s.h2.ref();
}

function release(all: Connections, s: Session): void {
  if (--s.active > 0) return;
  s.h2.unref();
  // An extra connection opened for a burst goes once idle; the first stays.
  if (!s.usable || all.sessions.indexOf(s) > 0) retire(all, s);
}

/** Takes no new streams; closes once those it has end. */
function retire(all: Connections, s: Session): void {
  s.usable = false;
  all.sessions = all.sessions.filter((x) => x !== s);
  if (!s.h2.closed && !s.h2.destroyed) s.h2.close();
}

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Opens a TLS connection offering h2 and http/1.1; on h2, an HTTP/2 session
 * ready for streams (the server's SETTINGS read). Resolves undefined, and
 * marks the server HTTP/1.1-only, when ALPN picked anything else.
 */
async function connect(all: Connections, ex: Exchange, identity: string): Promise<Session | undefined> {
  const { url, auth } = ex;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 443);
  const socket = tlsModule.connect({
    host,
    port,
    servername: auth.servername,
    secureContext: secureContextOf(all, auth),
    rejectUnauthorized: auth.rejectUnauthorized ?? true,
    ALPNProtocols: ['h2', 'http/1.1'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake with ${url.host} timed out after ${TLS_HANDSHAKE_TIMEOUT_MS} ms`)), TLS_HANDSHAKE_TIMEOUT_MS);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  if (socket.alpnProtocol !== 'h2') {
    socket.destroy();
    all.http1Only = true;
    return undefined;
  }

  const h2 = http2Module().connect(`https://${url.host}`, { createConnection: () => socket });
  const session: Session = { h2, identity, active: 0, usable: true };
  // Errors reach the streams; the session's own only needs a listener (and names why a connect failed).
  let lastError: Error | undefined;
  h2.on('error', (err) => {
    lastError = err;
  });
  h2.on('goaway', () => {
    session.usable = false;
  });
  h2.on('close', () => {
    session.usable = false;
    all.sessions = all.sessions.filter((x) => x !== session);
  });
  // Nothing heard for a while: ask; no answer and the connection is dead.
  h2.setTimeout(HTTP2_READ_IDLE_TIMEOUT_MS, () => {
    if (h2.closed || h2.destroyed) return;
    const deadline = setTimeout(() => h2.destroy(new Error(`API server ${url.host}: no answer to an HTTP/2 ping in ${HTTP2_PING_TIMEOUT_MS} ms`)), HTTP2_PING_TIMEOUT_MS);
    deadline.unref();
    const sent = h2.ping((err) => {
      clearTimeout(deadline);
      if (err && !h2.destroyed) h2.destroy(err);
    });
    if (!sent) clearTimeout(deadline);
  });
  await new Promise<void>((resolve, reject) => {
    // The server's SETTINGS come first thing; a server that sends none is not one to wait for.
    const timer = setTimeout(() => h2.destroy(new Error(`API server ${url.host} sent no HTTP/2 settings in ${TLS_HANDSHAKE_TIMEOUT_MS} ms`)), TLS_HANDSHAKE_TIMEOUT_MS);
    const closed = (): void => {
      clearTimeout(timer);
      reject(lastError ?? new Error(`API server ${url.host} closed the HTTP/2 connection before its settings`));
    };
    h2.once('remoteSettings', () => {
      clearTimeout(timer);
      h2.off('close', closed);
      resolve();
    });
    h2.once('close', closed);
  });
  h2.unref();
  all.sessions.push(session);
  return session;
}

/** Lower-case names, no connection-specific headers (HTTP/2 forbids them), Basic auth as HTTP/1.1's `auth` option sends it. */
function http2Headers(ex: Exchange): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = { ':method': ex.method, ':path': ex.url.pathname + ex.url.search };
  for (const [name, value] of Object.entries(ex.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower === 'host' || lower === 'connection' || lower === 'keep-alive' || lower === 'transfer-encoding') continue;
    headers[lower] = value;
  }
  if (ex.auth.auth && headers.authorization === undefined) headers.authorization = `Basic ${Buffer.from(ex.auth.auth).toString('base64')}`;
  if (ex.payload !== undefined) headers['content-length'] = Buffer.byteLength(ex.payload);
  return headers;
}

/** One stream on a session whose slot is already taken (and given back when the stream closes). */
function send(all: Connections, session: Session, ex: Exchange, onStream: (s: http2.ClientHttp2Stream) => void): Promise<ApiResponse> {
  let stream: http2.ClientHttp2Stream;
  try {
    stream = session.h2.request(http2Headers(ex), { endStream: ex.payload === undefined, signal: ex.signal });
  } catch (err) {
    release(all, session);
    return Promise.reject(err as Error);
  }
  onStream(stream);
  stream.once('close', () => release(all, session));
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('response', (headers) => {
      stream.off('error', reject);
      const head = headers as http.IncomingHttpHeaders & { ':status'?: number };
      resolve(Object.assign(bodyOf(stream, ex), { statusCode: head[':status'], headers: head }));
    });
    if (ex.payload !== undefined) stream.end(ex.payload);
  });
}

/**
 * The response body, failing when the stream ended without the server's
 * END_STREAM. Node ends a stream whose connection went (a socket closed under
 * it, with no error) as if the server had ended it: a watch would look closed
 * by the server's timeout, a cut list like an empty answer. A stream the
 * server ended has no reset code; one closed with the connection has CANCEL.
 */
function bodyOf(stream: http2.ClientHttp2Stream, ex: Exchange): Readable {
  const body = new streamModule.PassThrough({
    flush(done) {
      const code = stream.rstCode;
      done(code ? new Error(`${ex.method} ${ex.url.host}: the connection closed before the response ended (HTTP/2 stream reset ${code})`) : null);
    },
  });
  // Errors (an abort included) reach the body; a body its reader destroys resets the stream.
  streamModule.pipeline(stream, body, () => undefined);
  return body;
}
