// The ChatCLIInstance API, defined once. The static types below and the CRD's
// OpenAPI schema (crd.ts) both come from these TypeBox schemas, so they can
// never drift. Fields, types and defaults follow the seed's tables
// (shared/seed/k8s-operator.pt-BR.md); formats and bounds live in ./formats.ts,
// the core types embedded in the spec in ./core.ts, and every cross-field rule
// is a CEL rule (`x-kubernetes-validations`) with a TypeScript twin (./cel.ts).
//
// Conventions:
// - A scalar with a default is not Optional in the static type: objects read
//   from the API server always carry it. The CRD does not list it as required
//   (crd.ts drops defaulted fields from `required`), so users may leave it out.
// - Sub-objects with defaulted fields (image, server, watcher, persistence)
//   default to `{}`, so their own defaults cascade on the API server. They stay
//   Optional in ChatCLIInstanceSpec; DefaultedSpec states they are present.
import { CloneType, Type, type Static } from '@sinclair/typebox';
// The keys and variables the operator sets on the pod, spelled once where the
// pod is built (src/desired); the rules below refuse them in the spec. Both
// modules are data only (no runtime import back into this one).
import { mountsNameVolumes, Volume, VolumeMount } from './volumes.ts';
import { DEFAULT_METRICS_PORT, OPERATOR_ENV_NAMES, SECURITY_DEFAULTS, TARGET_KINDS } from '../desired/chatcli.ts';
import { CA_BUNDLE_FILE, OPERATOR_KEY_PREFIX, OPERATOR_POD_LABEL_KEYS } from '../desired/names.ts';
import { celRule, validations } from './cel.ts';
import { PodSecurityContext, ResourceRequirements } from './core.ts';
import { EnvFromSource, envVar } from './environment.ts';
import { GROUP } from './group.ts';
import { annotationMap, labelMap, reservedKeys } from './labels.ts';
import { Affinity, Toleration, TopologySpreadConstraint } from './scheduling.ts';
import {
  DNS1035_LABEL,
  DNS1123_LABEL,
  DNS1123_LABEL_MAX,
  DNS1123_SUBDOMAIN,
  DNS1123_SUBDOMAIN_MAX,
  GO_DURATION,
  GO_DURATION_MAX,
  HTTP_PATH,
  HTTP_PATH_MAX,
  IMAGE_REPOSITORY,
  IMAGE_REPOSITORY_MAX,
  IMAGE_TAG,
  IMAGE_TAG_MAX,
  INSTANCE_NAME_MAX,
  LIMITS,
  QUANTITY,
  QUANTITY_MAX,
  SECRET_KEY,
  SECRET_KEY_MAX,
} from './formats.ts';
import { compareQuantities, parseQuantity, ZERO } from './quantity.ts';

export { GROUP };
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ChatCLIInstance';
export const LIST_KIND = 'ChatCLIInstanceList';
export const PLURAL = 'chatcliinstances';
export const SINGULAR = 'chatcliinstance';
export const SHORT_NAMES = ['chatcli', 'cci'];
/** `<plural>.<group>`, the CRD's own name. */
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/**
 * Every provider of the supported ChatCLI releases' servers but DEVIN, which
 * needs a `devin` binary no image has (llm/manager/llm_manager.go
 * NewLLMManager). The first seven are in both releases, the rest only in
 * v1.188.0 (src/desired/chatcli.ts PROVIDER_FACTS).
 */
export const PROVIDERS = [
  'OPENAI', 'OPENAI_ASSISTANT', 'CLAUDEAI', 'GOOGLEAI', 'XAI', 'STACKSPOT', 'OLLAMA',
  'OPENROUTER', 'BEDROCK', 'COPILOT', 'GITHUB_MODELS', 'ZAI', 'MINIMAX', 'MOONSHOT',
] as const;
export type Provider = (typeof PROVIDERS)[number];

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/** The server's Prometheus port when the spec names none: the default of both releases (`chatcli serve --metrics-port`), the port before spec.server.metrics existed. */
export const SERVER_METRICS_PORT = DEFAULT_METRICS_PORT;

/** The seed's pod security context, used when the spec gives none. */
export const DEFAULT_SECURITY_CONTEXT = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } } as const;

/** The seed's defaults, named for the tests and docs that quote them. */
export const DEFAULTS = {
  replicas: 1,
  image: { repository: 'ghcr.io/diillson/chatcli', tag: 'latest', pullPolicy: 'IfNotPresent' },
  serverPort: 50051,
  metricsPort: SERVER_METRICS_PORT,
  watcher: { enabled: false, interval: '30s', window: '2h', maxLogLines: 100, maxContextChars: 8000 },
  target: { kind: 'Deployment' as const, metricsPort: 0, metricsPath: '/metrics' },
  persistence: { enabled: false, size: '1Gi', accessModes: ['ReadWriteOnce'] },
  service: { type: 'ClusterIP' },
  autoscaling: { enabled: false, minReplicas: 1 },
} as const;

export const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'] as const;
/** The access mode that lets every replica mount the sessions claim, wherever it runs. */
export const SHARED_ACCESS_MODE = 'ReadWriteMany';
export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;

// --------------------------------------------------------------- field kinds

const dnsLabel = (description: string) => Type.String({ description, pattern: DNS1123_LABEL, maxLength: DNS1123_LABEL_MAX });
const dnsSubdomain = (description: string) => Type.String({ description, pattern: DNS1123_SUBDOMAIN, maxLength: DNS1123_SUBDOMAIN_MAX });
const secretName = (description: string) => dnsSubdomain(description);

const positiveDuration = celRule<string>(
  {
    // The guard leaves a malformed value to the pattern's own error; a value
    // that matches can always be converted (see GO_DURATION).
    rule: `self == '' || !self.matches('${GO_DURATION.replaceAll('\\', '\\\\')}') || duration(self) > duration('0s')`,
    message: 'must be a positive Go duration such as "30s", "1h30m" or "1.5h"',
  },
  (self) => self === '' || !new RegExp(GO_DURATION).test(self) || goDurationSeconds(self) > 0,
);

const goDuration = (description: string, defaultValue: string) =>
  Type.String({ description, default: defaultValue, pattern: GO_DURATION, minLength: 1, maxLength: GO_DURATION_MAX, ...validations(positiveDuration) });

/** Seconds of a Go duration that matches GO_DURATION. */
export function goDurationSeconds(value: string): number {
  const unitSeconds: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ns: 1e-9 };
  let total = 0;
  // Escapes, not the letters: one non-Latin-1 character in the bundle doubles the memory V8 holds its source in (test/unit/build.test.ts).
  for (const [, amount, unit] of value.matchAll(/([0-9.]+)(h|ms|m|s|us|\u00b5s|\u03bcs|ns)/g)) total += Number(amount) * (unitSeconds[unit ?? ''] ?? 0);
  return total;
}

const port = (description: string, minimum: number, defaultValue: number) =>
  Type.Integer({ description, default: defaultValue, minimum, maximum: 65535, format: 'int32' });

// -------------------------------------------------------------------- image

export const ImageSpec = Type.Object(
  {
    repository: Type.String({
      description: 'Repository of the ChatCLI server image, with its registry, e.g. ghcr.io/diillson/chatcli.',
      default: DEFAULTS.image.repository,
      pattern: IMAGE_REPOSITORY,
      maxLength: IMAGE_REPOSITORY_MAX,
    }),
    tag: Type.String({
      description: 'Image tag, or a digest "sha256:<hex>" (the image is then pulled by digest).',
      default: DEFAULTS.image.tag,
      pattern: IMAGE_TAG,
      maxLength: IMAGE_TAG_MAX,
    }),
    pullPolicy: Type.Union(
      PULL_POLICIES.map((p) => Type.Literal(p)),
      { description: `When the kubelet pulls the image: ${PULL_POLICIES.join(', ')}.`, default: DEFAULTS.image.pullPolicy },
    ),
  },
  { description: 'Container image of the ChatCLI server.', default: {} },
);

// ------------------------------------------------------------------- server
//
// Rules on an object guard every field with has(): the API server checks an
// object's default (`{}`) against its rules before nested defaults fill it.

const tlsNeedsSecret = celRule<{ enabled?: boolean; secretName?: string }>(
  { rule: '!has(self.enabled) || !self.enabled || has(self.secretName)', message: 'secretName is required when TLS is enabled', fieldPath: '.secretName', reason: 'FieldValueRequired' },
  ({ enabled, secretName }) => enabled !== true || secretName !== undefined,
);

export const TLSSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Serve gRPC over TLS; requires secretName.', default: false }),
    secretName: Type.Optional(secretName('Secret (type kubernetes.io/tls) holding tls.crt and tls.key, mounted at /etc/chatcli/tls.')),
  },
  { description: 'TLS of the gRPC server.', ...validations(tlsNeedsSecret) },
);

export const SecretKeyRef = Type.Object(
  {
    name: secretName('Name of a Secret in the instance\'s namespace.'),
    key: Type.String({ description: 'Key within the Secret.', pattern: SECRET_KEY, maxLength: SECRET_KEY_MAX }),
  },
  { description: 'A key of a Secret in the instance\'s namespace.' },
);

// The operator's own label keys: never set through a spec map (its selectors and ownership rely on them).
const noOperatorPodLabels = reservedKeys(
  OPERATOR_POD_LABEL_KEYS,
  OPERATOR_KEY_PREFIX,
  `${OPERATOR_POD_LABEL_KEYS.join(', ')} and keys under ${GROUP}/ are set by the operator: its Deployment selects the pods by them`,
);

/** A Prometheus duration (prometheus-operator's monitoringv1.Duration), e.g. 30s, 1m, 1h30m. */
const PROMETHEUS_DURATION = '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$';

export const ServiceMonitorSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Make a ServiceMonitor <name> (monitoring.coreos.com/v1) scraping the Service\'s metrics port; only where its CRD is installed.', default: false }),
    interval: Type.Optional(Type.String({ description: 'How often Prometheus scrapes, e.g. 30s (Prometheus\'s own interval when left out).', pattern: PROMETHEUS_DURATION, minLength: 1, maxLength: 32 })),
    labels: Type.Optional(labelMap('Extra labels of the ServiceMonitor, for the Prometheus serviceMonitorSelector (e.g. release: prometheus); not the operator\'s own.', noOperatorPodLabels)),
  },
  { description: 'A Prometheus Operator ServiceMonitor for this instance.' },
);

type MetricsShape = { port?: number; serviceMonitor?: { enabled?: boolean } };
const serviceMonitorNeedsPort = celRule<MetricsShape>(
  {
    rule: '!has(self.serviceMonitor) || !has(self.serviceMonitor.enabled) || !self.serviceMonitor.enabled || !has(self.port) || self.port != 0',
    message: 'a ServiceMonitor needs the metrics port: port 0 turns the metrics off',
    fieldPath: '.serviceMonitor.enabled',
    reason: 'FieldValueForbidden',
  },
  (m) => m.serviceMonitor?.enabled !== true || m.port !== 0,
);

export const MetricsSpec = Type.Object(
  {
    port: port(
      `Port of the server's Prometheus metrics and HTTP /healthz (CHATCLI_METRICS_PORT), and of the Service's \`metrics\` port; ` +
        `0 turns them off (no container or Service port). Not the gRPC port.`,
      0,
      DEFAULTS.metricsPort,
    ),
    serviceMonitor: Type.Optional(ServiceMonitorSpec),
  },
  // No default object: an instance that leaves it out is stored as before (port 9090 all the same).
  { description: `The server's Prometheus metrics (both ChatCLI releases); port ${SERVER_METRICS_PORT} when left out.`, ...validations(serviceMonitorNeedsPort) },
);

// ----------------------------------------------------------------- security
//
// ChatCLI v1.188.0's security settings (src/desired/chatcli.ts SECURITY_DEFAULTS
// says how the server reads each). Nothing has a default here: a setting left
// out is a variable left unset, and the server keeps its own default.

const jwtClaim = (description: string) => Type.Optional(Type.String({ description, minLength: 1, maxLength: LIMITS.longString }));

export const JWTSpec = Type.Object(
  {
    // Not CloneType(SecretKeyRef, { description }): TypeBox keeps the clone's own description over the option's.
    secret: Type.Object(SecretKeyRef.properties, {
      description: 'Secret key holding the HMAC key the JWTs are signed with (HS256); it reaches the pod only as CHATCLI_JWT_SECRET from a secretKeyRef. Read at start: a new key needs new pods.',
    }),
    issuer: jwtClaim('The `iss` every JWT must carry (CHATCLI_JWT_ISSUER); not checked when unset.'),
    audience: jwtClaim('The `aud` every JWT must carry, as a string (CHATCLI_JWT_AUDIENCE); not checked when unset.'),
  },
  {
    description:
      'JSON Web Tokens (HS256) accepted beside the static token: signature, then exp and nbf when present (30 s skew), issuer and audience when set; ' +
      'role from the `role` claim (admin, user, readonly; user by default), while the static token is admin. With no token, only JWTs are accepted.',
  },
);

const positiveRate = celRule<number>(
  { rule: 'self > 0.0', message: `must be greater than 0: ChatCLI reads 0 as "keep the default" (${SECURITY_DEFAULTS.rateLimitRps} per second); the limit cannot be turned off` },
  (self) => self > 0,
);

export const RateLimitSpec = Type.Object(
  {
    rps: Type.Optional(
      Type.Number({
        description: `Requests per second each client may sustain (CHATCLI_RATE_LIMIT_RPS, may be fractional, e.g. 0.5); ${SECURITY_DEFAULTS.rateLimitRps} when unset.`,
        minimum: 0,
        maximum: LIMITS.rateLimitRps,
        ...validations(positiveRate),
      }),
    ),
    burst: Type.Optional(
      Type.Integer({
        description: `Requests a client may make at once before the rate applies (CHATCLI_RATE_LIMIT_BURST); ${SECURITY_DEFAULTS.rateLimitBurst} when unset.`,
        minimum: 1,
        maximum: LIMITS.rateLimitBurst,
        format: 'int32',
      }),
    ),
  },
  {
    description:
      'The per-client rate limit, always on in v1.188.0: a token bucket per client connection (address and port), counting every call, Health too; ' +
      'over it a call gets RESOURCE_EXHAUSTED.',
  },
);

const grpcLimit = (description: string) => Type.Optional(Type.Integer({ description, minimum: 1, maximum: LIMITS.grpcLimit, format: 'int32' }));

export const AuditLogSpec = Type.Object(
  {
    enabled: Type.Boolean({
      description:
        'Append one JSON line per call to $HOME/.chatcli/audit.log (CHATCLI_AUDIT_LOG_PATH) on the pod\'s own emptyDir, beside app.log: ' +
        'it lives as long as the pod, never rotated, also with persistence on.',
      default: false,
    }),
  },
  { description: 'The audit log file of the server.' },
);

export const SecuritySpec = Type.Object(
  {
    jwt: Type.Optional(JWTSpec),
    rateLimit: Type.Optional(RateLimitSpec),
    maxRecvMsgSize: grpcLimit(`Largest message the server accepts, in bytes (CHATCLI_MAX_RECV_MSG_SIZE); ${SECURITY_DEFAULTS.maxMsgSize} (50 MiB) when unset.`),
    maxSendMsgSize: grpcLimit(`Largest message the server sends, in bytes (CHATCLI_MAX_SEND_MSG_SIZE); ${SECURITY_DEFAULTS.maxMsgSize} (50 MiB) when unset.`),
    maxConcurrentStreams: grpcLimit(`Concurrent streams per client connection (CHATCLI_MAX_CONCURRENT_STREAMS); ${SECURITY_DEFAULTS.maxConcurrentStreams} when unset.`),
    auditLog: Type.Optional(AuditLogSpec),
  },
  {
    description:
      'Security settings of the ChatCLI v1.188.0 server. v1.57.1 reads none of them: a JWT is refused there, and with jwt but no token a v1.57.1 server asks for no credentials at all.',
  },
);

// Absent metrics means the default port; absent port too (the object's own
// default `{}` is checked before nested defaults fill it).
const portIsNotMetrics = celRule<{ port?: number; metrics?: { port?: number } }>(
  {
    rule: `!has(self.port) || self.port != (has(self.metrics) && has(self.metrics.port) ? self.metrics.port : ${SERVER_METRICS_PORT})`,
    message: 'port must differ from metrics.port: the gRPC server and the Prometheus metrics cannot share one port',
    fieldPath: '.port',
  },
  ({ port, metrics }) => port === undefined || port !== (metrics?.port ?? SERVER_METRICS_PORT),
);

export const ServerSpec = Type.Object(
  {
    port: port(`gRPC port of the server (1-65535, not metrics.port, by default ${SERVER_METRICS_PORT}).`, 1, DEFAULTS.serverPort),
    tls: Type.Optional(TLSSpec),
    token: Type.Optional(
      CloneType(SecretKeyRef, {
        description: 'Secret key holding the server\'s auth token; it reaches the pod only as CHATCLI_SERVER_TOKEN from a secretKeyRef. No token: no auth.',
      }),
    ),
    metrics: Type.Optional(MetricsSpec),
    security: Type.Optional(SecuritySpec),
  },
  { description: 'The gRPC server.', default: {}, ...validations(portIsNotMetrics) },
);

// ------------------------------------------------------------------ watcher

export const WatchTargetSpec = Type.Object(
  {
    deployment: dnsSubdomain('Name of the workload to watch (of the kind in kind; the field keeps ChatCLI\'s name for it).'),
    namespace: dnsLabel('Namespace of the workload.'),
    kind: Type.Union(
      TARGET_KINDS.map((k) => Type.Literal(k)),
      {
        description:
          `Kind of the workload: ${TARGET_KINDS.join(', ')}. Every kind but Deployment needs ChatCLI v1.188.0 ` +
          '(an older image watches it as a Deployment and finds none: WatcherReady says so). The watcher\'s Role in the ' +
          'namespace grants a get of each kind named there, and HPA reads except for Jobs and CronJobs.',
        default: DEFAULTS.target.kind,
      },
    ),
    metricsPort: port('Prometheus port of the target\'s pods; 0 turns metrics scraping off.', 0, DEFAULTS.target.metricsPort),
    metricsPath: Type.String({
      description: 'Path of the target\'s Prometheus endpoint; starts with "/".',
      default: DEFAULTS.target.metricsPath,
      pattern: HTTP_PATH,
      maxLength: HTTP_PATH_MAX,
    }),
    metricsFilter: Type.Optional(
      Type.Array(Type.String({ description: 'A glob over metric names, e.g. "http_*".', minLength: 1, maxLength: LIMITS.metricsFilterLength }), {
        description: 'Glob patterns of the metric names to keep; all when empty.',
        maxItems: LIMITS.metricsFilters,
      }),
    ),
  },
  { description: 'One workload the watcher observes.' },
);

// The two ways to name what to watch, decided here and enforced by the API
// server: `targets` (recommended) or the seed's legacy `deployment` +
// `namespace`. The legacy pair comes whole (a deployment without its namespace
// would leave the image guessing "default"); the two forms never come
// together (which one would win is not something a user should have to know);
// an enabled watcher has one of them. A disabled watcher may keep either, so
// switching it off and on again is a one-field edit.
type WatcherShape = { enabled?: boolean; targets?: unknown[]; deployment?: string; namespace?: string };
const hasTargets = (w: WatcherShape) => w.targets !== undefined && w.targets.length > 0;

const enabledWatcherNeedsSomething = celRule<WatcherShape>(
  {
    rule: '!has(self.enabled) || !self.enabled || (has(self.targets) && self.targets.size() > 0) || has(self.deployment)',
    message: 'an enabled watcher needs targets (or the legacy deployment and namespace)',
    fieldPath: '.targets',
    reason: 'FieldValueRequired',
  },
  (w) => w.enabled !== true || hasTargets(w) || w.deployment !== undefined,
);
const legacyDeploymentNeedsNamespace = celRule<WatcherShape>(
  { rule: '!has(self.deployment) || has(self.namespace)', message: 'namespace is required with the legacy deployment', fieldPath: '.namespace', reason: 'FieldValueRequired' },
  (w) => w.deployment === undefined || w.namespace !== undefined,
);
const legacyNamespaceNeedsDeployment = celRule<WatcherShape>(
  { rule: '!has(self.namespace) || has(self.deployment)', message: 'namespace is only for the legacy deployment, which is missing', fieldPath: '.deployment', reason: 'FieldValueRequired' },
  (w) => w.namespace === undefined || w.deployment !== undefined,
);
const notBothTargetForms = celRule<WatcherShape>(
  {
    rule: '!has(self.deployment) || !has(self.targets) || self.targets.size() == 0',
    message: 'use either targets or the legacy deployment and namespace, not both',
    fieldPath: '.deployment',
    reason: 'FieldValueForbidden',
  },
  (w) => w.deployment === undefined || !hasTargets(w),
);

export const WatcherSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Turn the Kubernetes watcher on; it then needs targets (or the legacy deployment).', default: DEFAULTS.watcher.enabled }),
    targets: Type.Optional(
      Type.Array(WatchTargetSpec, {
        description: 'Workloads to watch (multi-target, recommended); each namespace, name and kind at most once.',
        maxItems: LIMITS.targets,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['namespace', 'deployment', 'kind'],
      }),
    ),
    deployment: Type.Optional(dnsSubdomain('Single Deployment to watch (legacy; prefer targets, and do not combine the two). Requires namespace.')),
    namespace: Type.Optional(dnsLabel('Namespace of the legacy single deployment.')),
    interval: goDuration('Collection interval, a positive Go duration such as "30s".', DEFAULTS.watcher.interval),
    window: goDuration('Observation window, a positive Go duration such as "2h".', DEFAULTS.watcher.window),
    maxLogLines: Type.Integer({
      description: `Maximum log lines kept per pod (1-${LIMITS.maxLogLines}).`,
      default: DEFAULTS.watcher.maxLogLines,
      minimum: 1,
      maximum: LIMITS.maxLogLines,
      format: 'int32',
    }),
    maxContextChars: Type.Integer({
      description: `Character budget of the context handed to the LLM (1-${LIMITS.maxContextChars}).`,
      default: DEFAULTS.watcher.maxContextChars,
      minimum: 1,
      maximum: LIMITS.maxContextChars,
      format: 'int32',
    }),
  },
  {
    description: 'The Kubernetes watcher: what the server observes in the cluster and hands to the LLM as context.',
    default: {},
    ...validations(enabledWatcherNeedsSomething, legacyDeploymentNeedsNamespace, legacyNamespaceNeedsDeployment, notBothTargetForms),
  },
);

// -------------------------------------------------------------- persistence

const positiveSize = celRule<string>(
  { rule: "!isQuantity(self) || quantity(self).isGreaterThan(quantity('0'))", message: 'must be greater than zero' },
  (self) => {
    const q = parseQuantity(self);
    return q === undefined || compareQuantities(q, ZERO) > 0;
  },
);

const oncePodAlone = celRule<string[]>(
  { rule: "!('ReadWriteOncePod' in self) || self.size() == 1", message: 'ReadWriteOncePod may not be combined with another access mode' },
  (self) => !self.includes('ReadWriteOncePod') || self.length === 1,
);

export const PersistenceSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Keep sessions on the PersistentVolumeClaim <name>-sessions. Switching it off never deletes the claim.', default: DEFAULTS.persistence.enabled }),
    size: Type.String({
      description: 'Requested storage, a Kubernetes quantity such as "1Gi".',
      default: DEFAULTS.persistence.size,
      pattern: QUANTITY,
      maxLength: QUANTITY_MAX,
      ...validations(positiveSize),
    }),
    storageClassName: Type.Optional(dnsSubdomain('StorageClass of the claim; the cluster\'s default class when unset.')),
    accessModes: Type.Array(
      Type.Union(ACCESS_MODES.map((m) => Type.Literal(m)), { description: `An access mode: ${ACCESS_MODES.join(', ')}.` }),
      {
        description:
          'Access modes of the claim (of existingClaim: the modes it has). Without ReadWriteMany the claim is mounted by one node at a time: ' +
          'the Deployment then uses Recreate and runs at most one replica; with ReadWriteMany it uses RollingUpdate and may scale.',
        default: [...DEFAULTS.persistence.accessModes],
        minItems: 1,
        maxItems: ACCESS_MODES.length,
        'x-kubernetes-list-type': 'set',
        ...validations(oncePodAlone),
      },
    ),
    existingClaim: Type.Optional(
      dnsSubdomain('A PersistentVolumeClaim of the instance\'s namespace to keep the sessions on; the operator then creates none (size and storageClassName are not used).'),
    ),
  },
  { description: 'Session persistence.', default: {} },
);

// ------------------------------------------------------------------ service

/** Annotation keys in the operator's own domain are its own. */
const noOperatorAnnotations = reservedKeys([], OPERATOR_KEY_PREFIX, `keys under ${GROUP}/ are the operator's own`);

export const ServiceSpec = Type.Object(
  {
    type: Type.Union(
      SERVICE_TYPES.map((t) => Type.Literal(t)),
      { description: `Type of the Service <name>: ${SERVICE_TYPES.join(', ')}.`, default: DEFAULTS.service.type },
    ),
    annotations: Type.Optional(annotationMap('Annotations of the Service, e.g. for a cloud load balancer.', noOperatorAnnotations)),
  },
  { description: 'The Service <name> in front of the server pods.' },
);

// ---------------------------------------------------------- service account

export const ServiceAccountSpec = Type.Object(
  {
    annotations: Type.Optional(
      annotationMap(
        'Annotations of the ServiceAccount <name>, for workload identity: eks.amazonaws.com/role-arn (EKS IRSA), ' +
          'iam.gke.io/gcp-service-account (GKE), azure.workload.identity/client-id (Azure, with the pod label azure.workload.identity/use: "true"). ' +
          'Their webhooks project their own tokens; the Kubernetes API token stays unmounted unless the watcher needs it.',
        noOperatorAnnotations,
      ),
    ),
  },
  { description: 'The ServiceAccount <name> the server pods run as.' },
);

// ------------------------------------------------------- agents and skills

const configMapRef = (description: string) =>
  Type.Object({ name: dnsSubdomain('Name of a ConfigMap in the instance\'s namespace.') }, { description });

/** `spec.agents` and `spec.skills`: ConfigMaps whose keys become the Markdown files the server serves. */
const personaFiles = (what: 'agents' | 'skills', dir: string, files: string) =>
  Type.Object(
    {
      configMaps: Type.Array(configMapRef(`A ConfigMap whose keys become files in ${dir}.`), {
        description:
          `ConfigMaps whose keys become the files of ${dir}, read-only (one projected volume). ${files} ` +
          'A key in two of them: the later ConfigMap wins. A missing ConfigMap keeps new pods from starting. ' +
          'ChatCLI v1.188.0 reads the folder on every request, so an edit reaches running pods without a restart; v1.57.1 serves none.',
        minItems: 1,
        maxItems: LIMITS.personaConfigMaps,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    },
    { description: `The ${what} the server offers its clients (ChatCLI v1.188.0).` },
  );

export const AgentsSpec = personaFiles(
  'agents',
  '$HOME/.chatcli/agents',
  'Each key ending in .md is one agent (ListRemoteAgents, GetAgentDefinition): YAML frontmatter (name, description, skills, ...) and its prompt; other keys are ignored.',
);
export const SkillsSpec = personaFiles(
  'skills',
  '$HOME/.chatcli/skills',
  'Each key ending in .md is one single-file skill (ListRemoteSkills, GetSkillContent); skill packages (a folder with SKILL.md) cannot come from a ConfigMap.',
);

// ---------------------------------------------------------------- CA bundle

const oneCABundleSource = celRule<{ configMapKeyRef?: unknown; secretKeyRef?: unknown }>(
  { rule: 'has(self.configMapKeyRef) != has(self.secretKeyRef)', message: 'exactly one of configMapKeyRef and secretKeyRef' },
  ({ configMapKeyRef, secretKeyRef }) => (configMapKeyRef !== undefined) !== (secretKeyRef !== undefined),
);

export const CABundleSpec = Type.Object(
  {
    configMapKeyRef: Type.Optional(
      Type.Object(
        {
          name: dnsSubdomain('Name of a ConfigMap in the instance\'s namespace.'),
          key: Type.String({ description: 'Key within the ConfigMap.', pattern: SECRET_KEY, maxLength: SECRET_KEY_MAX }),
        },
        { description: 'A key of a ConfigMap in the instance\'s namespace holding the PEM certificates.' },
      ),
    ),
    secretKeyRef: Type.Optional(CloneType(SecretKeyRef, { description: 'A key of a Secret in the instance\'s namespace holding the PEM certificates.' })),
  },
  {
    description:
      'Private CA certificates (PEM) the server trusts, beside the system ones, on its outgoing TLS connections (LLM providers, MCP, web tools): ' +
      `one key of a ConfigMap or a Secret (exactly one of the two), mounted read-only as ${CA_BUNDLE_FILE} (CHATCLI_CA_BUNDLE). ` +
      'ChatCLI v1.188.0 reads it once at start (an edit reaches new pods; kubectl rollout restart); v1.57.1 does not read it.',
    ...validations(oneCABundleSource),
  },
);

// -------------------------------------------------------------- autoscaling

type AutoscalingShape = { enabled?: boolean; minReplicas?: number; maxReplicas?: number; targetCPUUtilizationPercentage?: number; targetMemoryUtilizationPercentage?: number };

const enabledAutoscalingNeedsMax = celRule<AutoscalingShape>(
  { rule: '!has(self.enabled) || !self.enabled || has(self.maxReplicas)', message: 'maxReplicas is required when autoscaling is enabled', fieldPath: '.maxReplicas', reason: 'FieldValueRequired' },
  (a) => a.enabled !== true || a.maxReplicas !== undefined,
);
const enabledAutoscalingNeedsTarget = celRule<AutoscalingShape>(
  {
    rule: '!has(self.enabled) || !self.enabled || has(self.targetCPUUtilizationPercentage) || has(self.targetMemoryUtilizationPercentage)',
    message: 'an enabled autoscaler needs targetCPUUtilizationPercentage, targetMemoryUtilizationPercentage or both',
    fieldPath: '.targetCPUUtilizationPercentage',
    reason: 'FieldValueRequired',
  },
  (a) => a.enabled !== true || a.targetCPUUtilizationPercentage !== undefined || a.targetMemoryUtilizationPercentage !== undefined,
);
const minWithinMax = celRule<AutoscalingShape>(
  { rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas', message: 'maxReplicas must be at least minReplicas', fieldPath: '.maxReplicas' },
  (a) => a.minReplicas === undefined || a.maxReplicas === undefined || a.minReplicas <= a.maxReplicas,
);

const replicaCount = (description: string) => Type.Integer({ description, minimum: 1, maximum: LIMITS.replicas, format: 'int32' });
const utilization = (resource: string) =>
  Type.Optional(
    Type.Integer({
      description: `Target average ${resource} utilisation of the pods, in percent of their ${resource} request (resources.requests.${resource}, which it then needs).`,
      minimum: 1,
      maximum: 1000,
      format: 'int32',
    }),
  );

export const AutoscalingSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Scale with a HorizontalPodAutoscaler <name>; spec.replicas is then not used.', default: DEFAULTS.autoscaling.enabled }),
    minReplicas: Type.Integer({ description: `Fewest replicas (1-${LIMITS.replicas}).`, default: DEFAULTS.autoscaling.minReplicas, minimum: 1, maximum: LIMITS.replicas, format: 'int32' }),
    maxReplicas: Type.Optional(replicaCount(`Most replicas (1-${LIMITS.replicas}), at least minReplicas; required when enabled.`)),
    targetCPUUtilizationPercentage: utilization('cpu'),
    targetMemoryUtilizationPercentage: utilization('memory'),
  },
  { description: 'Horizontal autoscaling of the server (autoscaling/v2 HorizontalPodAutoscaler).', ...validations(enabledAutoscalingNeedsMax, enabledAutoscalingNeedsTarget, minWithinMax) },
);

// ------------------------------------------------------------ pod knobs


const notOperatorEnv = celRule<{ name: string }>(
  {
    rule: `!(self.name in [${OPERATOR_ENV_NAMES.map((n) => `'${n}'`).join(', ')}])`,
    message: `the operator sets this variable itself (one of ${OPERATOR_ENV_NAMES.join(', ')}); use the spec field that controls it`,
    fieldPath: '.name',
    reason: 'FieldValueForbidden',
  },
  ({ name }) => !OPERATOR_ENV_NAMES.includes(name),
);

export const EnvVar = envVar(notOperatorEnv);

// --------------------------------------------------------------------- spec

type SpecShape = {
  replicas?: number;
  persistence?: { enabled?: boolean; accessModes?: string[] };
  autoscaling?: AutoscalingShape;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
};

const CEL_SHARED_CLAIM =
  `!has(self.persistence) || !has(self.persistence.enabled) || !self.persistence.enabled || ` +
  `(has(self.persistence.accessModes) && '${SHARED_ACCESS_MODE}' in self.persistence.accessModes)`;
const sharedClaim = (s: SpecShape) => s.persistence?.enabled !== true || (s.persistence.accessModes ?? []).includes(SHARED_ACCESS_MODE);
const CEL_AUTOSCALING_ON = 'has(self.autoscaling) && has(self.autoscaling.enabled) && self.autoscaling.enabled';
const autoscalingOn = (s: SpecShape) => s.autoscaling?.enabled === true;

const oneReplicaOnSingleNodeClaim = celRule<SpecShape>(
  {
    rule: `${CEL_SHARED_CLAIM} || !has(self.replicas) || self.replicas <= 1`,
    message:
      'more than one replica needs persistence.accessModes to include ReadWriteMany: a ReadWriteOnce claim is mounted by one node at a time ' +
      '(ReadWriteOncePod: one pod), so the other replicas could not start',
    fieldPath: '.replicas',
  },
  (s) => sharedClaim(s) || (s.replicas ?? 1) <= 1,
);
const noAutoscalingOnSingleNodeClaim = celRule<SpecShape>(
  {
    rule: `${CEL_SHARED_CLAIM} || !(${CEL_AUTOSCALING_ON})`,
    message:
      'autoscaling needs persistence.accessModes to include ReadWriteMany: a ReadWriteOnce claim is mounted by one node at a time ' +
      '(ReadWriteOncePod: one pod), so added replicas could not start',
    fieldPath: '.autoscaling.enabled',
    reason: 'FieldValueForbidden',
  },
  (s) => sharedClaim(s) || !autoscalingOn(s),
);

const CEL_HAS_RESOURCE = (r: string) =>
  `(has(self.resources) && ((has(self.resources.requests) && '${r}' in self.resources.requests) || (has(self.resources.limits) && '${r}' in self.resources.limits)))`;
const hasResource = (s: SpecShape, r: string) => s.resources?.requests?.[r] !== undefined || s.resources?.limits?.[r] !== undefined;
const utilizationNeedsRequest = (resource: 'cpu' | 'memory', field: 'targetCPUUtilizationPercentage' | 'targetMemoryUtilizationPercentage') =>
  celRule<SpecShape>(
    {
      rule: `!(${CEL_AUTOSCALING_ON}) || !has(self.autoscaling.${field}) || ${CEL_HAS_RESOURCE(resource)}`,
      message: `a ${resource} utilisation target needs resources.requests.${resource} (or limits.${resource}, which the request then defaults to): utilisation is a percentage of the request`,
      fieldPath: `.autoscaling.${field}`,
    },
    (s) => !autoscalingOn(s) || s.autoscaling?.[field] === undefined || hasResource(s, resource),
  );
const cpuTargetNeedsRequest = utilizationNeedsRequest('cpu', 'targetCPUUtilizationPercentage');
const memoryTargetNeedsRequest = utilizationNeedsRequest('memory', 'targetMemoryUtilizationPercentage');

export const SecretRef = Type.Object(
  { name: secretName('Name of a Secret in the instance\'s namespace.') },
  { description: 'A Secret in the instance\'s namespace.' },
);

export const ChatCLIInstanceSpec = Type.Object(
  {
    replicas: Type.Integer({
      description: `Number of server replicas (0-${LIMITS.replicas}); not used while autoscaling is enabled. More than 1 needs a ReadWriteMany claim when persistence is enabled.`,
      default: DEFAULTS.replicas,
      minimum: 0,
      maximum: LIMITS.replicas,
      format: 'int32',
    }),
    provider: Type.Union(
      PROVIDERS.map((p) => Type.Literal(p)),
      {
        description:
          `LLM provider: ${PROVIDERS.join(', ')}. OPENROUTER and the ones after it need ChatCLI v1.188.0; ` +
          'with an older image tag the status says so (PodsHealthy, ProviderNotInImage).',
      },
    ),
    model: Type.Optional(Type.String({ description: 'LLM model, e.g. claude-sonnet-4-5; the provider\'s default when unset.', maxLength: LIMITS.modelLength })),
    image: Type.Optional(ImageSpec),
    server: Type.Optional(ServerSpec),
    watcher: Type.Optional(WatcherSpec),
    resources: Type.Optional(ResourceRequirements),
    persistence: Type.Optional(PersistenceSpec),
    securityContext: Type.Optional(
      CloneType(PodSecurityContext, {
        description:
          'Pod security context (core/v1 PodSecurityContext). Default: runAsNonRoot, runAsUser 1000, seccomp RuntimeDefault. ' +
          'Fields left out are filled by the operator so the pod stays restricted-profile clean.',
        default: DEFAULT_SECURITY_CONTEXT,
      }),
    ),
    apiKeys: Type.Optional(
      CloneType(SecretRef, {
        description:
          'Secret whose keys reach the server as environment variables through envFrom: the provider\'s credentials ' +
          '(e.g. OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENROUTER_API_KEY, CLIENT_ID and CLIENT_KEY; every provider\'s in src/desired/chatcli.ts PROVIDER_FACTS).',
      }),
    ),
    env: Type.Optional(
      Type.Array(EnvVar, {
        description: 'Extra environment variables of the server (e.g. OLLAMA_BASE_URL, STACKSPOT_REALM); not one the operator sets itself.',
        maxItems: LIMITS.env,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    envFrom: Type.Optional(
      Type.Array(EnvFromSource, {
        description: 'ConfigMaps and Secrets whose keys become variables; they come before apiKeys and the operator\'s own ConfigMap, which win on a duplicate name.',
        maxItems: LIMITS.envFrom,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    service: Type.Optional(ServiceSpec),
    serviceAccount: Type.Optional(ServiceAccountSpec),
    agents: Type.Optional(AgentsSpec),
    skills: Type.Optional(SkillsSpec),
    caBundle: Type.Optional(CABundleSpec),
    volumes: Type.Optional(
      Type.Array(Volume, {
        description: 'Volumes of the server pods besides the operator\'s (files the server reads that no field provides, e.g. ~/.aws/config): configMap, secret, emptyDir, persistentVolumeClaim, projected or csi; each name once.',
        maxItems: LIMITS.volumes,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    volumeMounts: Type.Optional(
      Type.Array(VolumeMount, {
        description: 'Where the volumes of spec.volumes appear in the server container; each mountPath once.',
        maxItems: LIMITS.volumes,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['mountPath'],
      }),
    ),
    autoscaling: Type.Optional(AutoscalingSpec),
    nodeSelector: Type.Optional(labelMap('Labels a node must have for the server pods to run on it.')),
    tolerations: Type.Optional(
      Type.Array(Toleration, { description: 'Taints the server pods tolerate.', maxItems: LIMITS.schedulingItems, 'x-kubernetes-list-type': 'atomic' }),
    ),
    affinity: Type.Optional(Affinity),
    topologySpreadConstraints: Type.Optional(
      Type.Array(TopologySpreadConstraint, {
        description: 'How the server pods spread over zones or nodes; each (topologyKey, whenUnsatisfiable) pair at most once.',
        maxItems: LIMITS.schedulingItems,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['topologyKey', 'whenUnsatisfiable'],
      }),
    ),
    priorityClassName: Type.Optional(dnsSubdomain('PriorityClass of the server pods.')),
    imagePullSecrets: Type.Optional(
      Type.Array(CloneType(SecretRef, { description: 'A Secret (type kubernetes.io/dockerconfigjson) in the instance\'s namespace.' }), {
        description: 'Secrets to pull the server image with.',
        maxItems: LIMITS.imagePullSecrets,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    podLabels: Type.Optional(labelMap('Extra labels of the server pods; not the operator\'s own.', noOperatorPodLabels)),
    podAnnotations: Type.Optional(annotationMap('Extra annotations of the server pods; not the operator\'s own.', noOperatorAnnotations)),
  },
  {
    description: 'Desired state of a ChatCLI server.',
    ...validations(oneReplicaOnSingleNodeClaim, noAutoscalingOnSingleNodeClaim, cpuTargetNeedsRequest, memoryTargetNeedsRequest, mountsNameVolumes),
  },
);

// ------------------------------------------------------------------- status

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** metav1.Condition, with its OpenAPI bounds. */
export const Condition = Type.Object(
  {
    type: Type.String({
      description: 'Type of the condition in CamelCase, e.g. Available.',
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      maxLength: 316,
    }),
    status: Type.Union(
      CONDITION_STATUSES.map((s) => Type.Literal(s)),
      { description: 'Status of the condition: True, False or Unknown.' },
    ),
    observedGeneration: Type.Optional(Type.Integer({ description: 'The .metadata.generation the condition was set from.', minimum: 0, format: 'int64' })),
    lastTransitionTime: Type.String({ description: 'When the condition last changed from one status to another.', format: 'date-time' }),
    reason: Type.String({
      description: 'Programmatic identifier of the last transition\'s cause, in CamelCase.',
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      minLength: 1,
      maxLength: 1024,
    }),
    message: Type.String({ description: 'Human-readable details of the transition; may be empty.', maxLength: 32768 }),
  },
  { description: 'One aspect of the instance\'s state (metav1.Condition).' },
);

export const ChatCLIInstanceStatus = Type.Object(
  {
    ready: Type.Optional(Type.Boolean({ description: 'True while the instance serves: the Available condition is True (every replica ready and up to date, or a rollout or scale under way that keeps enough ready replicas serving).' })),
    replicas: Type.Optional(Type.Integer({ description: 'Replicas of the Deployment.', minimum: 0, format: 'int32' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Ready replicas of the Deployment.', minimum: 0, format: 'int32' })),
    observedGeneration: Type.Optional(Type.Integer({ description: 'The .metadata.generation last reconciled successfully.', minimum: 0, format: 'int64' })),
    conditions: Type.Optional(
      Type.Array(Condition, {
        description: 'Available, plus conditions that say why an instance is not working; one per type.',
        maxItems: 32,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
  },
  { description: 'Observed state of a ChatCLI server, written by the operator.' },
);

// --------------------------------------------------------------------- root

interface NamedObject {
  metadata?: { name?: string };
}

const nameFitsDerivedObjects = celRule<NamedObject>(
  {
    rule: `self.metadata.name.size() <= ${INSTANCE_NAME_MAX} && self.metadata.name.matches('${DNS1035_LABEL}')`,
    message:
      `the name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter) of at most ${INSTANCE_NAME_MAX} characters, ` +
      'so that every object made from it (Service, Deployment and its pods, <name>-watch-config, <name>-sessions, <namespace>-<name>-watcher) is valid',
    fieldPath: '.metadata.name',
  },
  // A missing name is reported as required by validate.ts; the API server always has one here.
  ({ metadata }) => metadata?.name === undefined || (metadata.name.length <= INSTANCE_NAME_MAX && new RegExp(DNS1035_LABEL).test(metadata.name)),
);

/** The whole object, the CRD's openAPIV3Schema. */
export const ChatCLIInstanceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: `APIVersion of this representation of the object: ${API_VERSION}.` })),
    kind: Type.Optional(Type.String({ description: `Kind of the object: ${KIND}.` })),
    // The API server owns ObjectMeta and refuses anything here but name and
    // generateName (not even a description); declaring name lets the root
    // rule's error name `metadata.name`.
    metadata: Type.Optional(
      Type.Object({ name: Type.Optional(Type.String({ description: `Name of the instance: a DNS-1035 label of at most ${INSTANCE_NAME_MAX} characters.` })) }),
    ),
    spec: ChatCLIInstanceSpec,
    status: Type.Optional(ChatCLIInstanceStatus),
  },
  {
    description: 'A ChatCLI server (`chatcli serve`) and, optionally, its Kubernetes watcher.',
    ...validations(nameFitsDerivedObjects),
  },
);

// -------------------------------------------------------------------- types

export type ChatCLIInstanceSpec = Static<typeof ChatCLIInstanceSpec>;
export type ChatCLIInstanceStatus = Static<typeof ChatCLIInstanceStatus>;
export type ImageSpec = Static<typeof ImageSpec>;
export type ServerSpec = Static<typeof ServerSpec>;
export type MetricsSpec = Static<typeof MetricsSpec>;
export type SecuritySpec = Static<typeof SecuritySpec>;
export type AgentsSpec = Static<typeof AgentsSpec>;
export type SkillsSpec = Static<typeof SkillsSpec>;
export type CABundleSpec = Static<typeof CABundleSpec>;
export type TLSSpec = Static<typeof TLSSpec>;
export type SecretKeyRef = Static<typeof SecretKeyRef>;
export type WatchTargetSpec = Static<typeof WatchTargetSpec>;
export type WatcherSpec = Static<typeof WatcherSpec>;
export type PersistenceSpec = Static<typeof PersistenceSpec>;
export type ServiceSpec = Static<typeof ServiceSpec>;
export type ServiceAccountSpec = Static<typeof ServiceAccountSpec>;
export type AutoscalingSpec = Static<typeof AutoscalingSpec>;
export type EnvVar = Static<typeof EnvVar>;
export type { EnvFromSource } from './environment.ts';
export type { Affinity, Toleration, TopologySpreadConstraint } from './scheduling.ts';
export type Condition = Static<typeof Condition>;
export type { PodSecurityContext, ResourceRequirements } from './core.ts';

// Type aliases rather than interfaces: they stay assignable to the runtime's
// open-ended KubeObject (an interface would need an index signature).
export type ObjectMeta = {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
};

/** A ChatCLIInstance as read from the API server (defaults already applied there). */
export type ChatCLIInstance = {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: ChatCLIInstanceSpec;
  status?: ChatCLIInstanceStatus;
};

/**
 * A spec after defaulting (the API server's, or withDefaults() in ./defaults.ts
 * for `render`): every sub-object with a seed default is present and filled.
 * (Inside them, the static types already treat defaulted fields as present.)
 */
export type DefaultedSpec = Omit<ChatCLIInstanceSpec, 'image' | 'server' | 'watcher' | 'persistence' | 'securityContext'> & {
  image: NonNullable<ChatCLIInstanceSpec['image']>;
  server: NonNullable<ChatCLIInstanceSpec['server']>;
  watcher: NonNullable<ChatCLIInstanceSpec['watcher']>;
  persistence: NonNullable<ChatCLIInstanceSpec['persistence']>;
  securityContext: NonNullable<ChatCLIInstanceSpec['securityContext']>;
};

export type DefaultedChatCLIInstance = Omit<ChatCLIInstance, 'spec'> & {
  spec: DefaultedSpec;
};
