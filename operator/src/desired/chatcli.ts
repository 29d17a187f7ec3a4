// THE one place for what the operator relies on in the ChatCLI server
// (`ghcr.io/diillson/chatcli`, https://github.com/diillson/chatcli): the command,
// the environment it reads, where it writes, the watcher's API calls. Each fact
// names the file it comes from, at the tags the operator supports; a new
// release is checked against those files and, where it differs, edited here.
import type { Provider, ServerSpec } from '../api/chatcliinstance.ts';

/** The releases every fact below was checked against (SUPPORTED in the README's
 * compatibility table). */
export const SUPPORTED_VERSIONS = ['v1.57.1', 'v1.188.0'] as const;
export type ChatCLIVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The gRPC server. main.go dispatches `serve` in both releases (v1.188.0 also
 * names it `server`, its image's ENTRYPOINT). */
export const SERVER_COMMAND = ['chatcli', 'serve'];

/** Environment variables the server reads. cmd/serve.go (v1.57.1), cmd/server.go
 * (v1.188.0): flags whose default is the variable. `--model` has none: the
 * model is passed as a flag. */
export const ENV = {
  provider: 'LLM_PROVIDER',
  /** Read by neither release's server (v1.188.0 reads it only in `rpcserve`,
   * cmd/rpcserve.go); kept so the model shows in the ConfigMap. */
  model: 'LLM_MODEL',
  serverPort: 'CHATCLI_SERVER_PORT',
  serverToken: 'CHATCLI_SERVER_TOKEN',
  metricsPort: 'CHATCLI_METRICS_PORT',
  watchConfig: 'CHATCLI_WATCH_CONFIG',
  watchDeployment: 'CHATCLI_WATCH_DEPLOYMENT',
  watchNamespace: 'CHATCLI_WATCH_NAMESPACE',
  watchInterval: 'CHATCLI_WATCH_INTERVAL',
  watchWindow: 'CHATCLI_WATCH_WINDOW',
  watchMaxLogLines: 'CHATCLI_WATCH_MAX_LOG_LINES',
  /** v1.188.0's security settings (SECURITY_DEFAULTS); v1.57.1 reads none of
   * them. server/auth.go NewTokenAuthInterceptor: the HMAC key of HS256 JWTs,
   * read once at start; validateJWT: the issuer and audience, when set. */
  jwtSecret: 'CHATCLI_JWT_SECRET',
  jwtIssuer: 'CHATCLI_JWT_ISSUER',
  jwtAudience: 'CHATCLI_JWT_AUDIENCE',
  /** server/rate_limiter.go DefaultRateLimiterConfig. */
  rateLimitRps: 'CHATCLI_RATE_LIMIT_RPS',
  rateLimitBurst: 'CHATCLI_RATE_LIMIT_BURST',
  /** server/server.go New (envIntOrDefault). */
  maxRecvMsgSize: 'CHATCLI_MAX_RECV_MSG_SIZE',
  maxSendMsgSize: 'CHATCLI_MAX_SEND_MSG_SIZE',
  maxConcurrentStreams: 'CHATCLI_MAX_CONCURRENT_STREAMS',
  /** server/audit.go NewAuditLogger. */
  auditLogPath: 'CHATCLI_AUDIT_LOG_PATH',
  /** os.UserHomeDir(), i.e. $HOME, roots every file the server writes
   * (utils/shell_utils.go GetHomeDir, utils/path.go ExpandPath). */
  home: 'HOME',
  /** utils/logging_transport.go: v1.188.0 reads CHATCLI_ENV (else ENV, default
   * `prod`: JSON to the log file only); `dev` adds console lines on stdout.
   * v1.57.1 reads only ENV, default `dev`, and ignores CHATCLI_ENV. */
  logMode: 'CHATCLI_ENV',
  /** server/server.go (v1.188.0): the gRPC listener binds to this address,
   * else 0.0.0.0 when KUBERNETES_SERVICE_HOST is set, else 127.0.0.1.
   * v1.57.1 always listens on all interfaces and ignores it. */
  bindAddress: 'CHATCLI_BIND_ADDRESS',
  /** llm/manager/llm_manager.go configurarOllamaClient: without `true` the
   * OLLAMA provider is never registered, in both releases. */
  ollamaEnabled: 'OLLAMA_ENABLED',
  /** server/hub/open.go DefaultDBPath (v1.188.0): the conversation hub's
   * SQLite file, else $HOME/.chatcli/hub.db. v1.57.1 has no hub and ignores it. */
  hubDatabase: 'CHATCLI_HUB_DB',
  /** utils/tls_config.go ApplyGlobalTLSTrust (v1.188.0, once at start, main.go):
   * a PEM file whose certificates are added to the system pool for every
   * outgoing TLS connection (providers, MCP, web tools); an unreadable file or
   * one without a certificate is only a warning, the system pool then stays.
   * v1.57.1 does not read it. */
  caBundle: 'CHATCLI_CA_BUNDLE',
} as const;

/** Every variable the operator sets in the server's environment, in some
 * configuration (the env ConfigMap, and the token's secretKeyRef): spec.env may
 * not name one. The API's CEL rule is generated from this list
 * (src/api/chatcliinstance.ts), so a new entry in ENV is refused there too. */
export const OPERATOR_ENV_NAMES: readonly string[] = Object.freeze(Object.values(ENV));

/** `dev`: the server's log on stdout (what `kubectl logs` shows), in both
 * releases, besides the JSON log file. */
export const LOG_MODE_STDOUT = 'dev';
/** Every interface: the Service and the probes reach the pod IP. Explicit
 * rather than left to KUBERNETES_SERVICE_HOST, which a kubelet always sets
 * but nothing in the pod spec guarantees. */
export const BIND_ALL_INTERFACES = '0.0.0.0';

/** $HOME of the server. The v1.57.1 image's own home (Dockerfile: adduser
 * chatcli, WORKDIR /home/chatcli); the v1.188.0 image (distroless, uid 65532)
 * has none, and a uid without a passwd entry gets HOME=/ from the runtime, so
 * the operator always sets it. */
export const HOME_DIR = '/home/chatcli';
/** Everything the server writes lives under $HOME/.chatcli: app.log
 * (config/defaults.go DefaultLogFile, with rotated backups beside it), sessions,
 * and in v1.188.0 also hub.db (server/hub/open.go), plugins and the auth store.
 * It must be writable by whatever uid the pod runs as. */
export const STATE_DIR = `${HOME_DIR}/.chatcli`;
/** One JSON file per saved session (cli/session_manager.go NewSessionManager:
 * MkdirAll($HOME/.chatcli/sessions, 0700)); unusable sessions only log a
 * warning at start and fail every session call later. */
export const SESSIONS_DIR = `${STATE_DIR}/sessions`;
/**
 * The conversation hub (v1.188.0) on the sessions claim, so it outlives the pod:
 * a file in the claim's folder, not a second mount of it. The session store
 * lists only `*.json` files there (cli/session_manager.go ListSessions and its
 * cleanups), so the hub is never taken for a session. SQLite in WAL mode
 * (server/hub/sqlite_store.go OpenSQLiteStore) writes hub.db-wal and
 * hub.db-shm beside it, and with CHATCLI_HUB_DB set the server creates no
 * folder (server/hub/open.go): the mount is that folder. A hub the server
 * cannot open is only a warning, the server then runs without one
 * (server/server.go).
 */
export const HUB_DATABASE_FILE = `${SESSIONS_DIR}/hub.db`;
/** config/defaults.go DefaultLogFile `~/.chatcli/app.log` (LOG_FILE overrides). */
export const LOG_FILE = `${STATE_DIR}/app.log`;

/**
 * Where v1.188.0 reads the agents and skills it serves its clients
 * (pkg/persona/loader.go NewLoader: $HOME/.chatcli/agents and /skills). Every
 * ListRemoteAgents, ListRemoteSkills, GetAgentDefinition and GetSkillContent
 * call reads the folder again (server/handler_remote.go calls the loader, which
 * keeps no cache), so a ConfigMap volume's update by the kubelet is served
 * without a restart. Agents: the folder's own `*.md` files (directories and
 * other names skipped). Skills: its `*.md` files, and folders holding a
 * SKILL.md; names starting with "." are skipped, and a symlink to a folder is
 * neither (os.ReadDir's type), so a ConfigMap volume's keys are single-file
 * skills only. v1.57.1 has the loader but its server serves none (cmd/serve.go).
 */
export const AGENTS_DIR = `${STATE_DIR}/agents`;
export const SKILLS_DIR = `${STATE_DIR}/skills`;

/**
 * v1.188.0's security settings when their variable is unset, and how it reads
 * them (spec.server.security; v1.57.1 has none of them: no JWT, no rate limit,
 * gRPC's own message limits, no audit log).
 * - JWT (server/auth.go validateJWT, server/jwt_helpers.go): HMAC-SHA256 of
 *   `header.payload` with CHATCLI_JWT_SECRET's bytes; the header is not read
 *   (its `alg` neither). `exp` and `nbf` are checked when present (30 s of
 *   skew; a token without `exp` never expires); `iss` and `aud` must equal the
 *   issuer and audience when those are set (`aud` as a string: an array never
 *   matches). `sub` is the user ("jwt-user" when absent), `role` admin, user
 *   (the default) or readonly. A token that fails as a JWT is tried as the
 *   static token (CHATCLI_SERVER_TOKEN, role admin); every failure is
 *   UNAUTHENTICATED. With a JWT key and no token, only JWTs are accepted.
 * - Rate limit (server/rate_limiter.go): a token bucket per client, rps a
 *   float and burst an integer; a value that does not parse or is not above 0
 *   keeps the default, so it cannot be turned off. The interceptor runs before
 *   authentication (server/server.go New), so the client is the peer's
 *   address:port, one TCP connection. Every unary call counts, Health too, and
 *   a stream once when opened; over the limit: RESOURCE_EXHAUSTED.
 * - Message and stream limits (server/server.go New, envIntOrDefault): plain
 *   integers (strconv.Atoi, bytes for the sizes, no suffixes), the default
 *   unless above 0.
 * - Audit log (server/audit.go): one JSON line per unary call, appended to
 *   CHATCLI_AUDIT_LOG_PATH (created 0600; a file it cannot open is only an
 *   error in the log), never rotated; the same entries go to the server's log.
 */
export const SECURITY_DEFAULTS = { rateLimitRps: 10, rateLimitBurst: 30, maxMsgSize: 50 * 1024 * 1024, maxConcurrentStreams: 100 } as const;

/** Where spec.server.security.auditLog writes: the $HOME/.chatcli emptyDir,
 * like app.log, so it lives as long as the pod. Never the sessions claim: the
 * server appends to it without rotation or locking, and ReadWriteMany replicas
 * would share one file. */
export const AUDIT_LOG_FILE = `${STATE_DIR}/audit.log`;

/** `--metrics-port`'s default, CHATCLI_METRICS_PORT unset, in both releases: spec.server.metrics.port's default. */
export const DEFAULT_METRICS_PORT = 9090;

/**
 * The server's Prometheus (and HTTP /healthz) port, undefined when off:
 * `--metrics-port` / CHATCLI_METRICS_PORT, 0 disables it in both releases
 * (cmd/serve.go, v1.188.0 cmd/server.go; server/server.go starts the metrics
 * server only when it is above 0).
 */
export function serverMetricsPort(server: Pick<ServerSpec, 'metrics'>): number | undefined {
  const port = server.metrics?.port ?? DEFAULT_METRICS_PORT;
  return port > 0 ? port : undefined;
}

/** What a provider needs and which releases have it. */
export interface ProviderFacts {
  /** The first supported release whose server has it (v1.57.1: in both). */
  since: ChatCLIVersion;
  /** Every one of these must be set. */
  required: readonly string[];
  /** When not empty, at least one of these must be set (alternatives). */
  anyOf: readonly string[];
  /** Read when set: defaults, extras. */
  optional: readonly string[];
}

/**
 * Every provider `spec.provider` accepts: the release that added it and the
 * environment variables its server reads (llm/manager/llm_manager.go
 * NewLLMManager and its configurar*Client, auth/resolver.go envFallbackProvider
 * for OPENAI, CLAUDEAI, COPILOT and GITHUB_MODELS; defaults in config/defaults.go).
 * A provider is registered at start only when its credentials are there, in
 * both releases; none of them needs a variable the operator sets, except
 * OLLAMA (OLLAMA_ENABLED, configmap.ts). `optional` lists only what the server
 * reads (the CLI's <PROVIDER>_MODEL variables are not: the model is `--model`),
 * and for BEDROCK what the AWS SDK reads besides. v1.188.0 also registers DEVIN when a
 * `devin` binary is on the PATH (llm/devincli): its image has none, so the API
 * refuses it.
 */
export const PROVIDER_FACTS: Readonly<Record<Provider, ProviderFacts>> = {
  OPENAI: { since: 'v1.57.1', required: ['OPENAI_API_KEY'], anyOf: [], optional: ['OPENAI_USE_RESPONSES'] },
  OPENAI_ASSISTANT: { since: 'v1.57.1', required: ['OPENAI_API_KEY'], anyOf: [], optional: [] },
  CLAUDEAI: { since: 'v1.57.1', required: [], anyOf: ['ANTHROPIC_API_KEY', 'ANTHROPIC_OAUTH_TOKEN'], optional: [] },
  GOOGLEAI: { since: 'v1.57.1', required: ['GOOGLEAI_API_KEY'], anyOf: [], optional: [] },
  XAI: { since: 'v1.57.1', required: ['XAI_API_KEY'], anyOf: [], optional: [] },
  // STACKSPOT_REALM and STACKSPOT_AGENT_ID default to `zup` and `default` (config/defaults.go).
  STACKSPOT: { since: 'v1.57.1', required: ['CLIENT_ID', 'CLIENT_KEY'], anyOf: [], optional: ['STACKSPOT_REALM', 'STACKSPOT_AGENT_ID'] },
  // No key; the operator sets OLLAMA_ENABLED, the address defaults to
  // http://localhost:11434 (the pod itself). Registered only if /api/tags there
  // answers with at least one model when the server starts.
  OLLAMA: { since: 'v1.57.1', required: [], anyOf: [], optional: ['OLLAMA_BASE_URL', 'OLLAMA_MODEL'] },
  ZAI: { since: 'v1.188.0', required: ['ZAI_API_KEY'], anyOf: [], optional: [] },
  MINIMAX: { since: 'v1.188.0', required: ['MINIMAX_API_KEY'], anyOf: [], optional: ['MINIMAX_API_COMPAT'] },
  MOONSHOT: { since: 'v1.188.0', required: ['MOONSHOT_API_KEY'], anyOf: [], optional: [] },
  // auth/resolver.go: GITHUB_COPILOT_TOKEN, or a profile `chatcli auth login` stored (none in a pod).
  COPILOT: { since: 'v1.188.0', required: ['GITHUB_COPILOT_TOKEN'], anyOf: [], optional: [] },
  GITHUB_MODELS: { since: 'v1.188.0', required: [], anyOf: ['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_MODELS_TOKEN'], optional: [] },
  OPENROUTER: { since: 'v1.188.0', required: ['OPENROUTER_API_KEY'], anyOf: [], optional: [] },
  // bedrockCredentialsAvailable: static keys, a profile, IRSA (AWS_WEB_IDENTITY_TOKEN_FILE,
  // which the EKS webhook sets with AWS_ROLE_ARN) or a container credentials URI
  // (EKS Pod Identity). The region falls back to us-east-1 (config/defaults.go DefaultBedrockRegion).
  BEDROCK: {
    since: 'v1.188.0',
    required: [],
    anyOf: ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'],
    optional: ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_REGION', 'BEDROCK_REGION', 'BEDROCK_MODEL'],
  },
};

/** A provider the instance's image cannot serve: its tag is a supported release older than the one that added it. */
export interface ProviderNotInImage {
  provider: Provider;
  tag: ChatCLIVersion;
  since: ChatCLIVersion;
}

/**
 * Whether the image tag names a supported release that lacks the provider.
 * Only exact release tags are known: `latest`, a digest or any other tag may
 * be anything. Such a server starts and answers Health, but every request that
 * names no provider of its own fails (cmd/serve.go keeps LLM_PROVIDER as its
 * default; server/handler.go getClient: provider not supported).
 */
export function providerNotInImage(spec: { provider: Provider; image?: { tag?: string } }): ProviderNotInImage | undefined {
  const tag = SUPPORTED_VERSIONS.find((v) => v === spec.image?.tag);
  const since = PROVIDER_FACTS[spec.provider]?.since;
  if (tag === undefined || since === undefined) return undefined;
  return SUPPORTED_VERSIONS.indexOf(tag) < SUPPORTED_VERSIONS.indexOf(since) ? { provider: spec.provider, tag, since } : undefined;
}

/**
 * The kinds of workload a watch-config target names (v1.188.0 k8s/types.go
 * WatchTarget.Kind, checked by k8s/config.go; empty means Deployment). v1.57.1
 * has no `kind`: every target is a Deployment there.
 */
export const TARGET_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
/** The first release whose watcher reads each kind. */
export const TARGET_KIND_SINCE: Readonly<Record<TargetKind, ChatCLIVersion>> = {
  Deployment: 'v1.57.1', StatefulSet: 'v1.188.0', DaemonSet: 'v1.188.0', Job: 'v1.188.0', CronJob: 'v1.188.0',
};

/** One Kubernetes API call the server's watcher makes. */
export interface WatcherCall {
  verb: 'get' | 'list';
  /** API group ('' for core). */
  group: string;
  resource: string;
  /** `namespace`: in a target's namespace; `cluster`: cluster-scoped, or across
   * all namespaces, which a Role in the targets' namespaces cannot grant. */
  scope: 'namespace' | 'cluster';
  /** Only for targets of these kinds (v1.188.0 watch-config `kind`; v1.57.1
   * knows Deployments only); absent: for every target. */
  targetKinds?: readonly TargetKind[];
  versions: readonly ChatCLIVersion[];
  /** File and function making it. */
  source: string;
}

const BOTH: readonly ChatCLIVersion[] = SUPPORTED_VERSIONS;
const V188: readonly ChatCLIVersion[] = ['v1.188.0'];

/**
 * Every API call of the watcher, per release (k8s/collector.go,
 * k8s/prometheus_collector.go, k8s/watcher.go; clients built in
 * k8s/multi_watcher.go, no discovery, no watches). Besides these it scrapes
 * the targets' pods over HTTP at their IPs (k8s/prometheus_collector.go), which
 * needs no RBAC.
 */
export const WATCHER_CALLS: readonly WatcherCall[] = Object.freeze([
  { verb: 'get', group: 'apps', resource: 'deployments', scope: 'namespace', targetKinds: ['Deployment'], versions: BOTH, source: 'k8s/collector.go DeploymentCollector, EventCollector, LogCollector; k8s/prometheus_collector.go (v1.188.0: collectResourceStatus, getLabelSelector)' },
  { verb: 'list', group: '', resource: 'pods', scope: 'namespace', versions: BOTH, source: 'k8s/collector.go (label selector of the target)' },
  { verb: 'list', group: '', resource: 'events', scope: 'namespace', versions: BOTH, source: 'k8s/collector.go EventCollector' },
  { verb: 'get', group: '', resource: 'pods/log', scope: 'namespace', versions: BOTH, source: 'k8s/collector.go LogCollector (GetLogs().Stream)' },
  { verb: 'list', group: 'autoscaling', resource: 'horizontalpodautoscalers', scope: 'namespace', targetKinds: ['Deployment', 'StatefulSet', 'DaemonSet'], versions: BOTH, source: 'k8s/collector.go HPACollector (autoscaling/v2; v1.188.0 skips Jobs and CronJobs)' },
  { verb: 'list', group: 'metrics.k8s.io', resource: 'pods', scope: 'namespace', versions: BOTH, source: 'k8s/collector.go MetricsCollector (PodMetricses, metrics.k8s.io/v1beta1)' },
  // v1.188.0 targets with a `kind` other than Deployment (k8s/collector.go collectResourceStatus, getLabelSelector).
  { verb: 'get', group: 'apps', resource: 'statefulsets', scope: 'namespace', targetKinds: ['StatefulSet'], versions: V188, source: 'k8s/collector.go collectResourceStatus' },
  { verb: 'get', group: 'apps', resource: 'daemonsets', scope: 'namespace', targetKinds: ['DaemonSet'], versions: V188, source: 'k8s/collector.go collectResourceStatus' },
  { verb: 'get', group: 'batch', resource: 'jobs', scope: 'namespace', targetKinds: ['Job'], versions: V188, source: 'k8s/collector.go collectResourceStatus' },
  { verb: 'get', group: 'batch', resource: 'cronjobs', scope: 'namespace', targetKinds: ['CronJob'], versions: V188, source: 'k8s/collector.go collectResourceStatus' },
  // v1.188.0 NodeCollector, for the nodes the target's pods run on: a failed
  // node get is logged at debug level, the other two failures are ignored.
  { verb: 'get', group: '', resource: 'nodes', scope: 'cluster', versions: V188, source: 'k8s/collector.go NodeCollector.Collect' },
  { verb: 'list', group: '', resource: 'pods', scope: 'cluster', versions: V188, source: 'k8s/collector.go NodeCollector.Collect (all namespaces, pods per node)' },
  { verb: 'list', group: 'metrics.k8s.io', resource: 'nodes', scope: 'cluster', versions: V188, source: 'k8s/collector.go NodeCollector.Collect (NodeMetricses)' },
].map((c) => Object.freeze(c)) as WatcherCall[]);

/** A watch target whose kind the instance's image cannot read. */
export interface TargetKindNotInImage {
  /** The field naming it, e.g. spec.watcher.targets[2].kind. */
  field: string;
  kind: TargetKind;
  tag: ChatCLIVersion;
  since: ChatCLIVersion;
}

/**
 * The targets whose kind the image's release does not know, when its tag is a
 * supported release (as providerNotInImage): v1.57.1 reads no `kind` and looks
 * for a Deployment of that name, finds none, and reports nothing of the target.
 */
export function targetKindsNotInImage(spec: { image?: { tag?: string }; watcher?: { enabled?: boolean; targets?: readonly { kind?: TargetKind }[] } }): TargetKindNotInImage[] {
  const tag = SUPPORTED_VERSIONS.find((v) => v === spec.image?.tag);
  if (tag === undefined || spec.watcher?.enabled !== true) return [];
  return (spec.watcher.targets ?? []).flatMap((t, i) => {
    const kind = t.kind ?? 'Deployment';
    const since = TARGET_KIND_SINCE[kind];
    return SUPPORTED_VERSIONS.indexOf(tag) < SUPPORTED_VERSIONS.indexOf(since) ? [{ field: `spec.watcher.targets[${i}].kind`, kind, tag, since }] : [];
  });
}

/** Whether the watcher makes this call for a target of this kind. */
export function callsFor(call: WatcherCall, kind: TargetKind): boolean {
  return call.targetKinds === undefined || call.targetKinds.includes(kind);
}
