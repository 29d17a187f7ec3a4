// The ChatCLIInstance API, defined once. The static types below and the CRD's
// OpenAPI schema (see generate-crd.ts) both come from these TypeBox schemas, so
// they can never drift. Defaults and bounds follow ../../../shared/seed (the
// seed's tables); CEL rules carry what a JSON schema cannot say.
//
// Skeleton owned by the API work: resources/securityContext get full structural
// schemas in ./core.ts; CEL rules are attached with `x-kubernetes-validations`.
import { Type, type Static } from '@sinclair/typebox';

export const GROUP = 'chatcli.diillson.com';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ChatCLIInstance';
export const LIST_KIND = 'ChatCLIInstanceList';
export const PLURAL = 'chatcliinstances';
export const SINGULAR = 'chatcliinstance';
export const SHORT_NAMES = ['chatcli', 'cci'];

export const PROVIDERS = ['OPENAI', 'OPENAI_ASSISTANT', 'CLAUDEAI', 'GOOGLEAI', 'XAI', 'STACKSPOT', 'OLLAMA'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const ImageSpec = Type.Object(
  {
    repository: Type.String({ description: 'Container image repository of the ChatCLI server.', default: 'ghcr.io/diillson/chatcli', minLength: 1 }),
    tag: Type.String({ description: 'Image tag.', default: 'latest', minLength: 1 }),
    pullPolicy: Type.Union([Type.Literal('Always'), Type.Literal('IfNotPresent'), Type.Literal('Never')], {
      description: 'Image pull policy: Always, IfNotPresent or Never.',
      default: 'IfNotPresent',
    }),
  },
  { description: 'Container image of the ChatCLI server.' },
);

export const TLSSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Serve gRPC over TLS.', default: false }),
    secretName: Type.Optional(Type.String({ description: 'Secret of type kubernetes.io/tls holding tls.crt and tls.key; required when enabled.' })),
  },
  { description: 'TLS for the gRPC server; the Secret is mounted at /etc/chatcli/tls.' },
);

export const SecretKeyRef = Type.Object(
  {
    name: Type.String({ description: 'Name of a Secret in the instance namespace.' }),
    key: Type.String({ description: 'Key within the Secret.' }),
  },
  { description: 'A key of a Secret in the instance namespace.' },
);

export const ServerSpec = Type.Object(
  {
    port: Type.Integer({ description: 'gRPC port of the server.', default: 50051, minimum: 1, maximum: 65535, format: 'int32' }),
    tls: Type.Optional(TLSSpec),
    token: Type.Optional(
      Type.Object(SecretKeyRef.properties, {
        description: 'Secret key holding the server auth token; reaches the pod only as CHATCLI_SERVER_TOKEN from a secretKeyRef.',
      }),
    ),
  },
  { description: 'The gRPC server.' },
);

export const WatchTargetSpec = Type.Object(
  {
    deployment: Type.String({ description: 'Name of the Deployment to watch.' }),
    namespace: Type.String({ description: 'Namespace of the Deployment.' }),
    metricsPort: Type.Integer({ description: 'Prometheus port of the target pods; 0 turns metrics scraping off.', default: 0, minimum: 0, maximum: 65535, format: 'int32' }),
    metricsPath: Type.String({ description: 'Path of the Prometheus endpoint.', default: '/metrics' }),
    metricsFilter: Type.Optional(Type.Array(Type.String(), { description: 'Glob patterns of metric names to keep (all when empty).' })),
  },
  { description: 'One Deployment the watcher observes.' },
);

export const WatcherSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Turn the Kubernetes watcher on.', default: false }),
    targets: Type.Optional(Type.Array(WatchTargetSpec, { description: 'Deployments to watch (multi-target, recommended).' })),
    deployment: Type.Optional(Type.String({ description: 'Single Deployment to watch (legacy; prefer targets).' })),
    namespace: Type.Optional(Type.String({ description: 'Namespace of the legacy single deployment.' })),
    interval: Type.String({ description: 'Collection interval, a Go duration such as "30s".', default: '30s' }),
    window: Type.String({ description: 'Observation window, a Go duration such as "2h".', default: '2h' }),
    maxLogLines: Type.Integer({ description: 'Maximum log lines kept per pod.', default: 100, format: 'int32' }),
    maxContextChars: Type.Integer({ description: 'Character budget of the context handed to the LLM.', default: 8000, format: 'int32' }),
  },
  { description: 'The Kubernetes watcher.' },
);

export const PersistenceSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Keep sessions on a PersistentVolumeClaim <name>-sessions.', default: false }),
    size: Type.String({ description: 'Requested storage size, a Kubernetes quantity.', default: '1Gi' }),
    storageClassName: Type.Optional(Type.String({ description: 'StorageClass of the claim; the cluster default when empty.' })),
  },
  { description: 'Session persistence. Switching it off never deletes the claim.' },
);

// Placeholders, replaced by full structural schemas of the core types in ./core.ts.
export const ResourceRequirements = Type.Object({}, { description: 'CPU and memory requests and limits of the server container.' });
export const PodSecurityContext = Type.Object({}, { description: 'Pod security context.' });

export const ChatCLIInstanceSpec = Type.Object(
  {
    replicas: Type.Integer({ description: 'Number of server replicas.', default: 1, minimum: 0, format: 'int32' }),
    provider: Type.Union(
      PROVIDERS.map((p) => Type.Literal(p)),
      { description: `LLM provider: ${PROVIDERS.join(', ')}.` },
    ),
    model: Type.Optional(Type.String({ description: 'LLM model; the provider default when empty.' })),
    image: Type.Optional(ImageSpec),
    server: Type.Optional(ServerSpec),
    watcher: Type.Optional(WatcherSpec),
    resources: Type.Optional(ResourceRequirements),
    persistence: Type.Optional(PersistenceSpec),
    securityContext: Type.Optional(PodSecurityContext),
    apiKeys: Type.Optional(Type.Object({ name: Type.String({ description: 'Name of the Secret.' }) }, { description: 'Secret whose keys (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...) become environment variables through envFrom.' })),
  },
  { description: 'Desired state of a ChatCLI server.' },
);

export const Condition = Type.Object({
  type: Type.String(),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  message: Type.String(),
});

export const ChatCLIInstanceStatus = Type.Object(
  {
    ready: Type.Optional(Type.Boolean({ description: 'True when every desired replica is ready and up to date.' })),
    replicas: Type.Optional(Type.Integer({ description: 'Replicas of the Deployment.', format: 'int32' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Ready replicas of the Deployment.', format: 'int32' })),
    observedGeneration: Type.Optional(Type.Integer({ description: 'The generation of the spec last reconciled.', format: 'int64' })),
    conditions: Type.Optional(Type.Array(Condition, { description: 'Available, plus conditions that say why an instance is not working.' })),
  },
  { description: 'Observed state of a ChatCLI server.' },
);

export type ChatCLIInstanceSpec = Static<typeof ChatCLIInstanceSpec>;
export type ChatCLIInstanceStatus = Static<typeof ChatCLIInstanceStatus>;
export type WatchTargetSpec = Static<typeof WatchTargetSpec>;
export type WatcherSpec = Static<typeof WatcherSpec>;
export type Condition = Static<typeof Condition>;

export interface ObjectMeta {
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
}

/** A ChatCLIInstance as read from the API server (defaults already applied there). */
export interface ChatCLIInstance {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: ChatCLIInstanceSpec;
  status?: ChatCLIInstanceStatus;
}

type Filled<T> = Required<NonNullable<T>>;
/**
 * A spec after defaulting (the API server's, or withDefaults() in ./defaults.ts
 * for `render`): every sub-object with a seed default is present and filled.
 */
export type DefaultedSpec = Omit<ChatCLIInstanceSpec, 'image' | 'server' | 'watcher' | 'persistence' | 'securityContext'> & {
  image: Filled<ChatCLIInstanceSpec['image']>;
  server: NonNullable<ChatCLIInstanceSpec['server']>;
  watcher: NonNullable<ChatCLIInstanceSpec['watcher']>;
  persistence: NonNullable<ChatCLIInstanceSpec['persistence']>;
  securityContext: NonNullable<ChatCLIInstanceSpec['securityContext']>;
};
export interface DefaultedChatCLIInstance extends Omit<ChatCLIInstance, 'spec'> {
  spec: DefaultedSpec;
}
