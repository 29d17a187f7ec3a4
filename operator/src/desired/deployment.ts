// The Deployment `<name>`: the ChatCLI server pod, per the image contract in
// SPEC.md. Configuration reaches the pod through the env ConfigMap (envFrom) and
// a few flags for what lives in files; secrets only through Secret references:
// the token as CHATCLI_SERVER_TOKEN from a secretKeyRef, API keys through envFrom.
import type {
  V1Affinity,
  V1Container,
  V1DeploymentStrategy,
  V1EnvFromSource,
  V1EnvVar,
  V1PodSecurityContext,
  V1PodSpec,
  V1Probe,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Toleration,
  V1TopologySpreadConstraint,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { SHARED_ACCESS_MODE, type DefaultedChatCLIInstance, type DefaultedSpec } from '../api/chatcliinstance.ts';
import { AGENTS_DIR, ENV, HOME_DIR, SERVER_COMMAND, SESSIONS_DIR, SKILLS_DIR, STATE_DIR, serverMetricsPort } from './chatcli.ts';
import { autoscaled } from './hpa.ts';
import {
  CA_BUNDLE_DIR,
  CA_BUNDLE_FILE,
  CONFIG_HASH_ANNOTATION,
  CONTAINER_NAME,
  DEFAULT_FS_GROUP,
  GRPC_PORT_NAME,
  METRICS_PORT_NAME,
  TLS_CERT_FILE,
  TLS_DIR,
  TLS_KEY_FILE,
  TMP_DIR,
  VOLUME_AGENTS,
  VOLUME_CA_BUNDLE,
  VOLUME_HOME,
  VOLUME_SESSIONS,
  VOLUME_SKILLS,
  VOLUME_STATE,
  VOLUME_TLS,
  VOLUME_TMP,
  VOLUME_WATCH_CONFIG,
  WATCH_CONFIG_DIR,
  WATCH_CONFIG_FILE,
  deploymentName,
  envConfigMapName,
  instanceLabels,
  selectorLabels,
  serviceAccountName,
  sessionsClaimName,
  watchConfigMapName,
  type InstanceKey,
} from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';
import { watcherScope } from './rbac.ts';
import { watchMode } from './watcher.ts';

/** `configHash` is the hash of both ConfigMaps (hash.ts). */
export function desiredDeployment(instance: DefaultedChatCLIInstance, configHash: string): KubeObject {
  const meta = instance.metadata;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ownedMeta(meta, deploymentName(meta), meta.namespace),
    spec: {
      // Autoscaled: the HorizontalPodAutoscaler owns the count (see REPLICAS_HANDOVER_MANAGER).
      ...(autoscaled(instance.spec) ? {} : { replicas: instance.spec.replicas }),
      selector: { matchLabels: selectorLabels(meta) },
      strategy: deploymentStrategy(instance.spec),
      template: {
        metadata: {
          // The spec's own cannot override these: the API refuses the operator's keys.
          labels: { ...instance.spec.podLabels, ...instanceLabels(meta) },
          annotations: { ...instance.spec.podAnnotations, [CONFIG_HASH_ANNOTATION]: configHash },
        },
        spec: podSpec(instance),
      },
    },
  };
}

/** Whether the sessions live on a claim that one node at a time can mount (ReadWriteOnce, ReadWriteOncePod). */
export function singleNodeClaim(spec: DefaultedSpec): boolean {
  return spec.persistence.enabled && !spec.persistence.accessModes.includes(SHARED_ACCESS_MODE);
}

/** The name of the claim the sessions live on, when persistence is enabled. */
export function sessionsClaim(instance: DefaultedChatCLIInstance): string | undefined {
  const { persistence } = instance.spec;
  if (!persistence.enabled) return undefined;
  return persistence.existingClaim ?? sessionsClaimName(instance.metadata);
}

/** The API server's defaults for RollingUpdate, written out (see deploymentStrategy). */
const ROLLING_UPDATE = { maxSurge: '25%', maxUnavailable: '25%' };

/**
 * Recreate while the sessions live on a claim one node mounts at a time
 * (ReadWriteOnce, ReadWriteOncePod): a rolling update starts the new pod before
 * the old one stops, and on another node it waits forever for the volume
 * (Multi-Attach), so the rollout never ends. Otherwise (no claim, or
 * ReadWriteMany) RollingUpdate with the API server's own defaults written out: the operator
 * then owns `rollingUpdate`, so its apply removes it when switching to
 * Recreate (which refuses one); a defaulted `rollingUpdate` nobody owns is
 * never removed by an apply (see strategyResetBeforeApply).
 */
export function deploymentStrategy(spec: DefaultedSpec): V1DeploymentStrategy {
  return singleNodeClaim(spec) ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { ...ROLLING_UPDATE } };
}

/**
 * The merge patch to send before applying a Deployment that switches to
 * Recreate while the live one still has a `rollingUpdate` no apply of ours
 * owns (made by an operator version that left the strategy to the API
 * server's defaults): server-side apply cannot remove a field nobody owns, and
 * the API server refuses Recreate beside it (`spec.strategy.rollingUpdate:
 * Forbidden`). Undefined when nothing needs clearing. A strategy change alone
 * rolls no pods.
 */
export function strategyResetBeforeApply(desired: KubeObject, live: unknown): { spec: { strategy: { type: 'Recreate'; rollingUpdate: null } } } | undefined {
  if (desired.kind !== 'Deployment') return undefined;
  const wanted = (desired.spec as { strategy?: V1DeploymentStrategy } | undefined)?.strategy;
  const current = (live as { spec?: { strategy?: { rollingUpdate?: unknown } } } | undefined)?.spec?.strategy;
  if (wanted?.type !== 'Recreate' || current?.rollingUpdate == null) return undefined;
  return { spec: { strategy: { type: 'Recreate', rollingUpdate: null } } };
}

function podSpec(instance: DefaultedChatCLIInstance): V1PodSpec {
  const { spec, metadata: meta } = instance;
  const watcherNeedsApi = watcherScope(spec, meta.namespace).kind !== 'none';
  return {
    serviceAccountName: serviceAccountName(meta),
    // The API token is mounted only when the watcher reads the API with it.
    automountServiceAccountToken: watcherNeedsApi,
    // The server needs no service-link variables, and they could shadow its
    // own CHATCLI_* settings (a Service named chatcli-server gives CHATCLI_SERVER_PORT).
    enableServiceLinks: false,
    securityContext: podSecurityContext(spec),
    containers: [container(instance)],
    volumes: volumes(instance),
    ...placement(instance),
    ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
    ...(spec.imagePullSecrets?.length ? { imagePullSecrets: spec.imagePullSecrets.map(({ name }) => ({ name })) } : {}),
  };
}

/** Where the pods may run, as the spec says; only the fields it sets. */
function placement(instance: DefaultedChatCLIInstance): Pick<V1PodSpec, 'nodeSelector' | 'tolerations' | 'affinity' | 'topologySpreadConstraints'> {
  const { spec, metadata: meta } = instance;
  const out: Pick<V1PodSpec, 'nodeSelector' | 'tolerations' | 'affinity' | 'topologySpreadConstraints'> = {};
  if (spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0) out.nodeSelector = { ...spec.nodeSelector };
  if (spec.tolerations?.length) out.tolerations = structuredClone(spec.tolerations) as V1Toleration[];
  if (spec.affinity && Object.keys(spec.affinity).length > 0) out.affinity = structuredClone(spec.affinity) as V1Affinity;
  if (spec.topologySpreadConstraints?.length) {
    out.topologySpreadConstraints = spec.topologySpreadConstraints.map((c): V1TopologySpreadConstraint => {
      if (c.labelSelector) return structuredClone(c) as V1TopologySpreadConstraint;
      // Without a selector a constraint counts no pods and so does nothing: count
      // the instance's own server pods (less the keys matchLabelKeys adds, which
      // may not repeat a selector key).
      const matchLabels = Object.fromEntries(Object.entries(selectorLabels(meta)).filter(([k]) => !c.matchLabelKeys?.includes(k)));
      return { ...structuredClone(c), labelSelector: { matchLabels } } as V1TopologySpreadConstraint;
    });
  }
  return out;
}

function container(instance: DefaultedChatCLIInstance): V1Container {
  const { spec } = instance;
  const args = containerArgs(instance);
  const env = containerEnv(spec);
  const resources = spec.resources as V1ResourceRequirements | undefined;
  const metricsPort = serverMetricsPort(spec.server);
  return {
    name: CONTAINER_NAME,
    image: imageReference(spec.image.repository, spec.image.tag),
    imagePullPolicy: spec.image.pullPolicy,
    command: [...SERVER_COMMAND],
    ...(args.length > 0 ? { args } : {}),
    envFrom: containerEnvFrom(instance),
    ...(env.length > 0 ? { env } : {}),
    ports: [
      { name: GRPC_PORT_NAME, containerPort: spec.server.port, protocol: 'TCP' },
      ...(metricsPort === undefined ? [] : [{ name: METRICS_PORT_NAME, containerPort: metricsPort, protocol: 'TCP' }]),
    ],
    // The server has no gRPC health service: probe the TCP port.
    readinessProbe: tcpProbe(5, 10),
    livenessProbe: tcpProbe(15, 20),
    ...(resources && Object.keys(resources).length > 0 ? { resources: structuredClone(resources) } : {}),
    securityContext: containerSecurityContext(),
    volumeMounts: volumeMounts(instance),
  };
}

/** repository:tag, or repository@digest when the tag is a digest. */
export function imageReference(repository: string, tag: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(tag) ? `${repository}@${tag}` : `${repository}:${tag}`;
}

/** Flags only for what the image reads from files, plus the model, which
 * `chatcli serve` takes from --model (its flag has no environment fallback). */
function containerArgs(instance: DefaultedChatCLIInstance): string[] {
  const { spec } = instance;
  const args: string[] = [];
  if (spec.model) args.push('--model', spec.model);
  if (tlsSecretName(spec)) args.push('--tls-cert', TLS_CERT_FILE, '--tls-key', TLS_KEY_FILE);
  if (watchMode(spec, instance.metadata.namespace).kind === 'targets') args.push('--watch-config', WATCH_CONFIG_FILE);
  return args;
}

function containerEnvFrom(instance: DefaultedChatCLIInstance): V1EnvFromSource[] {
  const key: InstanceKey = instance.metadata;
  // On a duplicate name the later source wins: the spec's own sources first,
  // then the API-key Secret, then the operator's ConfigMap, so neither a stray
  // key in a Secret nor an extra source can override the operator's configuration.
  const sources: V1EnvFromSource[] = structuredClone(instance.spec.envFrom ?? []) as V1EnvFromSource[];
  if (instance.spec.apiKeys?.name) sources.push({ secretRef: { name: instance.spec.apiKeys.name } });
  sources.push({ configMapRef: { name: envConfigMapName(key) } });
  return sources;
}

/** The token and the JWT key, each from its Secret, then the spec's own variables (which never name one the operator sets: the API refuses them). */
function containerEnv(spec: DefaultedSpec): V1EnvVar[] {
  const token = spec.server.token;
  const jwtKey = spec.server.security?.jwt?.secret;
  const own: V1EnvVar[] = [
    ...(token ? [{ name: ENV.serverToken, valueFrom: { secretKeyRef: { name: token.name, key: token.key } } }] : []),
    ...(jwtKey ? [{ name: ENV.jwtSecret, valueFrom: { secretKeyRef: { name: jwtKey.name, key: jwtKey.key } } }] : []),
  ];
  return [...own, ...(structuredClone(spec.env ?? []) as V1EnvVar[])];
}

function tcpProbe(initialDelaySeconds: number, periodSeconds: number): V1Probe {
  return { tcpSocket: { port: GRPC_PORT_NAME }, initialDelaySeconds, periodSeconds };
}

/**
 * The seed's default pod security context (non-root user 1000, seccomp
 * RuntimeDefault) plus fsGroup 1000 so a sessions volume is writable; every
 * field the spec sets wins. Filling the fields the spec leaves out keeps a
 * partial override restricted-clean, and a numeric user is needed because the
 * image's USER is a name, which runAsNonRoot cannot verify.
 */
export function podSecurityContext(spec: DefaultedSpec): V1PodSecurityContext {
  const fromSpec = structuredClone(spec.securityContext) as V1PodSecurityContext;
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    fsGroup: DEFAULT_FS_GROUP,
    seccompProfile: { type: 'RuntimeDefault' },
    ...fromSpec,
  };
}

function containerSecurityContext(): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
  };
}

function tlsSecretName(spec: DefaultedSpec): string | undefined {
  const tls = spec.server.tls;
  return tls?.enabled && tls.secretName ? tls.secretName : undefined;
}

// The root filesystem is read-only: the server writes only to /tmp, its home and
// $HOME/.chatcli (emptyDirs) and its sessions directory (the claim when
// persistence is on). $HOME/.chatcli is a volume of its own, not a directory the
// runtime creates inside the home volume to mount the sessions on: that one
// would belong to root, and app.log could not be created there. An emptyDir is
// writable by any uid, so this holds whatever user the image or the spec names.
function volumes(instance: DefaultedChatCLIInstance): V1Volume[] {
  const { spec, metadata: meta } = instance;
  const claim = sessionsClaim(instance);
  const list: V1Volume[] = [
    { name: VOLUME_TMP, emptyDir: {} },
    { name: VOLUME_HOME, emptyDir: {} },
    { name: VOLUME_STATE, emptyDir: {} },
    claim ? { name: VOLUME_SESSIONS, persistentVolumeClaim: { claimName: claim } } : { name: VOLUME_SESSIONS, emptyDir: {} },
  ];
  const tls = tlsSecretName(spec);
  if (tls) list.push({ name: VOLUME_TLS, secret: { secretName: tls } });
  if (watchMode(spec, meta.namespace).kind === 'targets') {
    list.push({ name: VOLUME_WATCH_CONFIG, configMap: { name: watchConfigMapName(meta) } });
  }
  for (const { volume, configMaps } of personaVolumes(spec)) {
    // Projected, so several ConfigMaps share one folder (the later wins on a
    // duplicate key); not optional, so a misspelt name is a pod that does not
    // start rather than a server that silently serves nothing.
    list.push({ name: volume, projected: { sources: configMaps.map(({ name }) => ({ configMap: { name } })) } });
  }
  const caBundle = caBundleVolume(spec);
  if (caBundle) list.push(caBundle);
  // spec.volumes last, as written (the CRD keeps their names off the operator's).
  for (const v of spec.volumes ?? []) list.push(structuredClone(v) as V1Volume);
  return list;
}

/** spec.caBundle's one key as the file CA_BUNDLE_FILE; not optional, so a
 * missing ConfigMap, Secret or key holds the pod (FailedMount) rather than
 * letting the server start without the CA. */
function caBundleVolume(spec: DefaultedSpec): V1Volume | undefined {
  const { configMapKeyRef, secretKeyRef } = spec.caBundle ?? {};
  const items = (key: string) => [{ key, path: CA_BUNDLE_FILE.slice(CA_BUNDLE_DIR.length + 1) }];
  if (configMapKeyRef) return { name: VOLUME_CA_BUNDLE, configMap: { name: configMapKeyRef.name, items: items(configMapKeyRef.key) } };
  if (secretKeyRef) return { name: VOLUME_CA_BUNDLE, secret: { secretName: secretKeyRef.name, items: items(secretKeyRef.key) } };
  return undefined;
}

function volumeMounts(instance: DefaultedChatCLIInstance): V1VolumeMount[] {
  const { spec, metadata: meta } = instance;
  const list: V1VolumeMount[] = [
    { name: VOLUME_TMP, mountPath: TMP_DIR },
    { name: VOLUME_HOME, mountPath: HOME_DIR },
    { name: VOLUME_STATE, mountPath: STATE_DIR },
    { name: VOLUME_SESSIONS, mountPath: SESSIONS_DIR },
  ];
  if (tlsSecretName(spec)) list.push({ name: VOLUME_TLS, mountPath: TLS_DIR, readOnly: true });
  if (watchMode(spec, meta.namespace).kind === 'targets') {
    list.push({ name: VOLUME_WATCH_CONFIG, mountPath: WATCH_CONFIG_DIR, readOnly: true });
  }
  // Whole volumes, never subPath: the kubelet then updates the files in place,
  // and the server reads them again on every call (chatcli.ts AGENTS_DIR).
  for (const { volume, mountPath } of personaVolumes(spec)) list.push({ name: volume, mountPath, readOnly: true });
  if (spec.caBundle) list.push({ name: VOLUME_CA_BUNDLE, mountPath: CA_BUNDLE_DIR, readOnly: true });
  // spec.volumeMounts last (the CRD keeps their paths off the operator's and out of its read-only ones).
  for (const m of spec.volumeMounts ?? []) list.push({ ...m });
  return list;
}

/** spec.agents and spec.skills that name ConfigMaps, with their volume and folder. */
function personaVolumes(spec: DefaultedSpec): { volume: string; mountPath: string; configMaps: readonly { name: string }[] }[] {
  return [
    { volume: VOLUME_AGENTS, mountPath: AGENTS_DIR, configMaps: spec.agents?.configMaps ?? [] },
    { volume: VOLUME_SKILLS, mountPath: SKILLS_DIR, configMaps: spec.skills?.configMaps ?? [] },
  ].filter(({ configMaps }) => configMaps.length > 0);
}
