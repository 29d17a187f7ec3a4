// Where the API server is and how to authenticate to it, read the way kubectl
// and client-go read it: kubeconfig files (several in KUBECONFIG, merged, the
// first definition of a name winning), or the pod's ServiceAccount. Our own,
// small reader instead of @kubernetes/client-node's KubeConfig, which costs the
// process about 87 MiB of memory for this (docs/performance.md).
//
// Supported: certificate-authority(-data), insecure-skip-tls-verify,
// tls-server-name, proxy-url (http/https proxies); client-certificate(-data) /
// client-key(-data), token, tokenFile (re-read every minute), username/password,
// impersonation (as, as-groups, as-uid, as-user-extra), exec credential plugins
// (client.authentication.k8s.io/v1 and v1beta1, cached until their
// expirationTimestamp); in-cluster (the projected token re-read every minute, as
// client-go does). Not supported (an error that says so): auth-provider
// (gcp/azure/oidc, removed from kubectl long ago) and socks proxies.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type * as https from 'node:https';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { httpModule, httpsModule } from './node-http.ts';

/** The API server a configuration points at (the shape client-node's Cluster also has). */
export interface Cluster {
  server: string;
  proxyUrl?: string;
}

/**
 * What the runtime needs of a client configuration: where the server is, and
 * the TLS material and headers of the next request (credentials can change:
 * rotated tokens, exec plugins). Ours (`loadKubeConfig`) and client-node's
 * KubeConfig (which tests use) both fit.
 */
export interface ClusterConfig {
  getCurrentCluster(): Cluster | null;
  /** Sets ca/cert/key/rejectUnauthorized/servername/auth/headers (and agent, through a proxy) on `opts`. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** A configuration this module loaded: a ClusterConfig that also says where it came from. */
export interface LoadedKubeConfig extends ClusterConfig {
  /** The context used ("in-cluster" for a ServiceAccount). */
  readonly context: string;
  /** The context's namespace, or the pod's; undefined when none is set. */
  readonly namespace: string | undefined;
}

export type KubeConfigSource = 'flag' | 'KUBECONFIG' | 'in-cluster' | 'default';

/** Where a pod's ServiceAccount credentials are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** How long a token read from a file is used before the file is read again (client-go's cachedFileTokenSource). */
export const TOKEN_FILE_REFRESH_MS = 60_000;
/** A credential plugin that has not answered after this long has failed. */
const EXEC_TIMEOUT_MS = 60_000;
const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

export interface LoadOptions {
  /** --kubeconfig: this file only (it must exist). */
  kubeconfigPath?: string;
  /** Where KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT and HOME are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The ServiceAccount directory; default SERVICE_ACCOUNT_DIR (tests point it at a fake one). */
  serviceAccountDir?: string;
}

/** Which configuration loadKubeConfig takes (logged at start, so a deployment shows it runs in-cluster). */
export function kubeConfigSource(opts: LoadOptions = {}): KubeConfigSource {
  const env = opts.env ?? process.env;
  if (opts.kubeconfigPath) return 'flag';
  if (env.KUBECONFIG) return 'KUBECONFIG';
  if (env.KUBERNETES_SERVICE_HOST && fs.existsSync(join(opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token'))) return 'in-cluster';
  return 'default';
}

/**
 * Loads the client configuration in controller-runtime's order: an explicit
 * kubeconfig file, then $KUBECONFIG (a list of files), then the pod's
 * ServiceAccount when running in a cluster, then ~/.kube/config.
 */
export function loadKubeConfig(opts: LoadOptions = {}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  switch (kubeConfigSource(opts)) {
    case 'flag':
      return kubeConfigFromFiles([opts.kubeconfigPath as string], { mustExist: true });
    case 'KUBECONFIG':
      return kubeConfigFromFiles((env.KUBECONFIG as string).split(delimiter).filter(Boolean), { mustExist: false });
    case 'in-cluster':
      return inClusterConfig({ env, dir: opts.serviceAccountDir });
    case 'default':
      return kubeConfigFromFiles([join(env.HOME || homedir(), '.kube', 'config')], { mustExist: true });
  }
}

// --- kubeconfig files -------------------------------------------------------

type Fields = Record<string, unknown>;

/** One named entry of a kubeconfig list, with the directory its relative paths are relative to. */
interface Entry {
  fields: Fields;
  dir: string;
}

/** The parts of kubeconfig files that matter, merged. */
export interface MergedKubeConfig {
  currentContext?: string;
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
}

const isRecord = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merges kubeconfig documents like kubectl: for clusters, users and contexts
 * the first file to define a name wins, and so does the first current-context.
 * `file` is where each text came from (relative paths in it are relative to it).
 */
export function mergeKubeConfigs(docs: { text: string; file: string }[]): MergedKubeConfig {
  const merged: MergedKubeConfig = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const { text, file } of docs) {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new Error(`kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (doc === null || doc === undefined) continue; // an empty file, as kubectl allows
    if (!isRecord(doc)) throw new Error(`kubeconfig ${file}: not a mapping`);
    const dir = dirname(resolve(file));
    const current = doc['current-context'];
    if (merged.currentContext === undefined && typeof current === 'string' && current !== '') merged.currentContext = current;
    const lists = [
      ['clusters', 'cluster', merged.clusters],
      ['users', 'user', merged.users],
      ['contexts', 'context', merged.contexts],
    ] as const;
    for (const [list, field, into] of lists) {
      const items = doc[list] ?? [];
      if (!Array.isArray(items)) throw new Error(`kubeconfig ${file}: ${list} is not a list`);
      items.forEach((item: unknown, i) => {
        if (!isRecord(item) || typeof item.name !== 'string' || item.name === '') throw new Error(`kubeconfig ${file}: ${list}[${i}] has no name`);
        if (into.has(item.name)) return;
        into.set(item.name, { fields: isRecord(item[field]) ? item[field] : {}, dir });
      });
    }
  }
  return merged;
}

/** Reads and merges kubeconfig files; missing ones are skipped unless `mustExist` (as kubectl skips them in KUBECONFIG). */
export function kubeConfigFromFiles(files: string[], opts: { mustExist: boolean; context?: string }): LoadedKubeConfig {
  const docs: { text: string; file: string }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (!opts.mustExist && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
    }
    docs.push({ text, file });
  }
  if (docs.length === 0) throw new Error(`kubeconfig: none of ${files.join(', ')} exists`);
  return kubeConfigFrom(mergeKubeConfigs(docs), { context: opts.context, where: files.join(delimiter) });
}

/** The configuration of one context (default: the current one) of merged kubeconfigs. */
export function kubeConfigFrom(merged: MergedKubeConfig, opts: { context?: string; where?: string } = {}): LoadedKubeConfig {
  const where = `kubeconfig${opts.where ? ` ${opts.where}` : ''}`;
  const contextName = opts.context ?? merged.currentContext;
  if (!contextName) throw new Error(`${where}: no current-context`);
  const context = merged.contexts.get(contextName);
  if (!context) throw new Error(`${where}: context "${contextName}" not found`);
  const clusterName = str(context.fields, 'cluster');
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (!cluster) throw new Error(`${where}: context "${contextName}" names no known cluster (${clusterName ?? 'none'})`);
  const userName = str(context.fields, 'user');
  const user = userName === undefined ? { fields: {}, dir: cluster.dir } : merged.users.get(userName);
  if (!user) throw new Error(`${where}: context "${contextName}" names an unknown user "${userName}"`);
  const at = (what: string) => `${where}: ${what}`;
  return createClusterConfig({
    context: contextName,
    namespace: str(context.fields, 'namespace') || undefined,
    cluster: clusterSettings(cluster, at(`cluster "${clusterName}"`)),
    credentials: userCredentials(user, at(`user "${userName ?? ''}"`)),
  });
}

function str(fields: Fields, key: string): string | undefined {
  const v = fields[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${key} must be a string`);
  return v;
}

/** The named file (relative to the kubeconfig that named it) or the base64 data, whichever is set; data wins, as in client-go. */
function fileOrData(entry: Entry, fileKey: string, dataKey: string, where: string): Buffer | undefined {
  const data = str(entry.fields, dataKey);
  if (data) return Buffer.from(data, 'base64');
  const file = str(entry.fields, fileKey);
  if (!file) return undefined;
  const path = isAbsolute(file) ? file : join(entry.dir, file);
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new Error(`${where}: ${fileKey} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

interface ClusterSettings {
  server: string;
  ca?: Buffer;
  insecure: boolean;
  servername?: string;
  proxyUrl?: string;
  /** What an exec plugin with provideClusterInfo is told. */
  execInfo: Fields;
}

function clusterSettings(entry: Entry, where: string): ClusterSettings {
  const server = str(entry.fields, 'server')?.replace(/\/+$/, '');
  if (!server) throw new Error(`${where}: no server`);
  const ca = fileOrData(entry, 'certificate-authority', 'certificate-authority-data', where);
  const insecure = entry.fields['insecure-skip-tls-verify'] === true;
  // kubectl refuses this pair too: one says trust this CA, the other trust anyone.
  if (insecure && ca) throw new Error(`${where}: certificate-authority and insecure-skip-tls-verify cannot both be set`);
  const proxyUrl = str(entry.fields, 'proxy-url') || undefined;
  if (proxyUrl && !/^https?:\/\//.test(proxyUrl)) throw new Error(`${where}: proxy-url ${new URL(proxyUrl).protocol} is not supported (http and https proxies are)`);
  const servername = str(entry.fields, 'tls-server-name') || undefined;
  const extensions = Array.isArray(entry.fields.extensions) ? (entry.fields.extensions as unknown[]) : [];
  const execExtension = extensions.find((e) => isRecord(e) && e.name === 'client.authentication.k8s.io/exec');
  const execInfo: Fields = { server };
  if (servername) execInfo['tls-server-name'] = servername;
  if (insecure) execInfo['insecure-skip-tls-verify'] = true;
  if (ca) execInfo['certificate-authority-data'] = ca.toString('base64');
  if (proxyUrl) execInfo['proxy-url'] = proxyUrl;
  if (isRecord(execExtension) && execExtension.extension !== undefined) execInfo.config = execExtension.extension;
  return { server, ca, insecure, servername, proxyUrl, execInfo };
}

/** What a user entry contributes to each request; `dynamic` runs before each one. */
interface Credentials {
  cert?: Buffer | string;
  key?: Buffer | string;
  headers: http.OutgoingHttpHeaders;
  basicAuth?: string;
  dynamic?: (cluster: ClusterSettings) => Promise<{ token?: string; cert?: string; key?: string }>;
}

function userCredentials(entry: Entry, where: string): Credentials {
  const f = entry.fields;
  const authProvider = f['auth-provider'];
  if (isRecord(authProvider)) {
    throw new Error(`${where}: auth-provider "${String(authProvider.name)}" is not supported; use an exec credential plugin`);
  }
  const creds: Credentials = {
    cert: fileOrData(entry, 'client-certificate', 'client-certificate-data', where),
    key: fileOrData(entry, 'client-key', 'client-key-data', where),
    headers: {},
  };
  if (Boolean(creds.cert) !== Boolean(creds.key)) throw new Error(`${where}: a client certificate needs its key, and a key its certificate`);

  const username = str(f, 'username');
  if (username) creds.basicAuth = `${username}:${str(f, 'password') ?? ''}`;
  const as = str(f, 'as');
  if (as) {
    creds.headers['Impersonate-User'] = as;
    const groups = f['as-groups'];
    if (Array.isArray(groups) && groups.length > 0) creds.headers['Impersonate-Group'] = groups.map(String);
    const uid = str(f, 'as-uid');
    if (uid) creds.headers['Impersonate-Uid'] = uid;
    const extra = f['as-user-extra'];
    if (isRecord(extra)) {
      for (const [k, v] of Object.entries(extra)) creds.headers[`Impersonate-Extra-${encodeURIComponent(k)}`] = (Array.isArray(v) ? v : [v]).map(String);
    }
  }

  const token = str(f, 'token');
  const tokenFile = str(f, 'tokenFile');
  const exec = f.exec;
  if (isRecord(exec)) {
    const credential = execCredentialSource(exec, entry.dir, `${where}: exec`);
    creds.dynamic = async (cluster) => {
      const status = await credential(cluster);
      return { token: status.token, cert: status.clientCertificateData, key: status.clientKeyData };
    };
  } else if (tokenFile) {
    const read = fileTokenSource(isAbsolute(tokenFile) ? tokenFile : join(entry.dir, tokenFile), where, token);
    creds.dynamic = async () => ({ token: await read() });
  } else if (token) {
    creds.headers.Authorization = `Bearer ${token}`;
  }
  return creds;
}

// --- tokens from files --------------------------------------------------------

/**
 * A token read from a file, read again once it is TOKEN_FILE_REFRESH_MS old
 * (kubelet rotates projected ServiceAccount tokens in place). A failed re-read
 * keeps the last token, as client-go does; a failed first read is an error
 * (unless `fallback`, the kubeconfig's own token, is there).
 */
export function fileTokenSource(path: string, where: string, fallback?: string, now: () => number = () => Date.now()): () => Promise<string> {
  let token: string | undefined;
  let readAt = -Infinity;
  return async () => {
    if (token !== undefined && now() - readAt < TOKEN_FILE_REFRESH_MS) return token;
    try {
      const text = (await fs.promises.readFile(path, 'utf8')).trim();
      if (text === '') throw new Error('empty');
      token = text;
      readAt = now();
    } catch (err) {
      token ??= fallback;
      if (token === undefined) throw new Error(`${where}: token file ${path}: ${(err as Error).message}`, { cause: err });
      readAt = now();
    }
    return token;
  };
}

// --- exec credential plugins --------------------------------------------------

interface ExecStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

/**
 * Runs a credential plugin (client.authentication.k8s.io ExecCredential) and
 * keeps its answer until its expirationTimestamp (for good if it has none).
 * Calls that arrive while the plugin runs share its answer.
 */
function execCredentialSource(exec: Fields, dir: string, where: string): (cluster: ClusterSettings) => Promise<ExecStatus> {
  const apiVersion = str(exec, 'apiVersion');
  if (!apiVersion || !EXEC_API_VERSIONS.includes(apiVersion)) {
    throw new Error(`${where}: apiVersion must be one of ${EXEC_API_VERSIONS.join(', ')}, not "${apiVersion ?? ''}"`);
  }
  const command = str(exec, 'command');
  if (!command) throw new Error(`${where}: no command`);
  const interactiveMode = str(exec, 'interactiveMode') ?? (apiVersion.endsWith('/v1beta1') ? 'IfAvailable' : undefined);
  if (interactiveMode === undefined) throw new Error(`${where}: interactiveMode must be set for ${apiVersion}`);
  // An operator has no terminal: a plugin that always needs one cannot work.
  if (interactiveMode === 'Always') throw new Error(`${where}: interactiveMode Always needs a terminal, which an operator does not have`);
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const extraEnv = Array.isArray(exec.env) ? exec.env.filter(isRecord).map((e) => [String(e.name), String(e.value ?? '')] as const) : [];
  // client-go resolves a relative command that has a path separator against the kubeconfig's directory.
  const program = command.includes('/') && !isAbsolute(command) ? join(dir, command) : command;
  const installHint = str(exec, 'installHint');
  const provideClusterInfo = exec.provideClusterInfo === true;

  let cached: ExecStatus | undefined;
  let running: Promise<ExecStatus> | undefined;
  const fresh = (s: ExecStatus | undefined): s is ExecStatus =>
    s !== undefined && (!s.expirationTimestamp || Date.parse(s.expirationTimestamp) > Date.now());

  const run = async (cluster: ClusterSettings): Promise<ExecStatus> => {
    const spec: Fields = { interactive: false };
    if (provideClusterInfo) spec.cluster = cluster.execInfo;
    const env = { ...process.env, ...Object.fromEntries(extraEnv), KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion, kind: 'ExecCredential', spec }) };
    const { code, stdout, stderr, error } = await runPlugin(program, args, env);
    if (error) {
      const hint = (error as NodeJS.ErrnoException).code === 'ENOENT' && installHint ? `\n${installHint}` : '';
      throw new Error(`${where}: ${program}: ${error.message}${hint}`, { cause: error });
    }
    if (code !== 0) throw new Error(`${where}: ${program} exited with ${code}: ${stderr.trim().slice(0, 500)}`);
    let credential: unknown;
    try {
      credential = JSON.parse(stdout);
    } catch {
      throw new Error(`${where}: ${program} did not print an ExecCredential (not JSON)`);
    }
    if (!isRecord(credential) || credential.kind !== 'ExecCredential' || credential.apiVersion !== apiVersion) {
      throw new Error(`${where}: ${program} printed no ExecCredential of ${apiVersion}`);
    }
    const status = isRecord(credential.status) ? (credential.status as ExecStatus) : {};
    if (!status.token && !(status.clientCertificateData && status.clientKeyData)) {
      throw new Error(`${where}: ${program}'s ExecCredential has neither a token nor a client certificate and key`);
    }
    return status;
  };

  return async (cluster) => {
    if (fresh(cached)) return cached;
    running ??= run(cluster).finally(() => {
      running = undefined;
    });
    cached = await running;
    return cached;
  };
}

interface PluginResult {
  /** The exit code, or the signal that ended it. */
  code: number | string;
  stdout: string;
  stderr: string;
  error?: Error;
}

function runPlugin(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<PluginResult> {
  return new Promise((done) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Not spawn's own timeout: its timer outlives a command that never started (ENOENT).
    const timer = setTimeout(() => child.kill('SIGKILL'), EXEC_TIMEOUT_MS).unref();
    let stdout = '';
    let stderr = '';
    let error: Error | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => (error = err));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? signal ?? 'unknown', stdout, stderr, error });
    });
  });
}

// --- in-cluster -----------------------------------------------------------------

/**
 * The pod's ServiceAccount: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
 * its ca.crt, and its projected token, read again every minute (client-go's
 * rest.InClusterConfig).
 */
export function inClusterConfig(opts: { env?: NodeJS.ProcessEnv; dir?: string } = {}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  const dir = opts.dir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  const where = `in-cluster (${dir})`;
  let ca: Buffer;
  try {
    ca = fs.readFileSync(join(dir, 'ca.crt'));
  } catch (err) {
    throw new Error(`${where}: ca.crt: ${(err as Error).message}`, { cause: err });
  }
  const readToken = fileTokenSource(join(dir, 'token'), where);
  let namespace: string | undefined;
  try {
    namespace = fs.readFileSync(join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    namespace = undefined; // optional, as in client-go
  }
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return createClusterConfig({
    context: 'in-cluster',
    namespace,
    cluster: { server, ca, insecure: false, execInfo: { server } },
    credentials: { headers: {}, dynamic: async () => ({ token: await readToken() }) },
  });
}

// --- the configuration object ----------------------------------------------------

function createClusterConfig(c: { context: string; namespace: string | undefined; cluster: ClusterSettings; credentials: Credentials }): LoadedKubeConfig {
  const { cluster, credentials } = c;
  const current: Cluster = cluster.proxyUrl ? { server: cluster.server, proxyUrl: cluster.proxyUrl } : { server: cluster.server };
  // Node's own proxy support (CONNECT for https); one keep-alive agent per configuration.
  let proxyAgent: http.Agent | undefined;
  const agentFor = (proxyUrl: string): http.Agent => {
    proxyAgent ??= cluster.server.startsWith('https:')
      ? new (httpsModule().Agent)({ keepAlive: true, proxyEnv: { HTTPS_PROXY: proxyUrl } })
      : new httpModule.Agent({ keepAlive: true, proxyEnv: { HTTP_PROXY: proxyUrl } });
    return proxyAgent;
  };
  return {
    context: c.context,
    namespace: c.namespace,
    getCurrentCluster: () => current,
    applyToHTTPSOptions: async (opts) => {
      if (cluster.ca) opts.ca = cluster.ca;
      if (cluster.insecure) opts.rejectUnauthorized = false;
      if (cluster.servername) opts.servername = cluster.servername;
      if (credentials.cert) opts.cert = credentials.cert;
      if (credentials.key) opts.key = credentials.key;
      if (credentials.basicAuth) opts.auth = credentials.basicAuth;
      const headers: http.OutgoingHttpHeaders = { ...(opts.headers as http.OutgoingHttpHeaders | undefined), ...credentials.headers };
      if (credentials.dynamic) {
        const d = await credentials.dynamic(cluster);
        if (d.token) headers.Authorization = `Bearer ${d.token}`;
        if (d.cert && d.key) {
          opts.cert = d.cert;
          opts.key = d.key;
        }
      }
      opts.headers = headers;
      if (cluster.proxyUrl) opts.agent = agentFor(cluster.proxyUrl);
    },
  };
}
