// THE one place for the names and keys an instance's objects carry: derived
// object names, labels, annotation keys, the field manager, the finalizer,
// container/port names and the paths inside the pod. Users' selectors,
// NetworkPolicies and ServiceMonitors depend on several of these, so they
// change only here and only on purpose.
import { GROUP } from '../api/group.ts';

/** The identity of an instance: everything a derived name depends on. */
export interface InstanceKey {
  name: string;
  namespace: string;
}

// Objects an instance becomes (SPEC "What one instance becomes").
export const deploymentName = (i: InstanceKey): string => i.name;
export const serviceName = (i: InstanceKey): string => i.name;
export const envConfigMapName = (i: InstanceKey): string => i.name;
export const watchConfigMapName = (i: InstanceKey): string => `${i.name}-watch-config`;
export const serviceAccountName = (i: InstanceKey): string => i.name;
export const sessionsClaimName = (i: InstanceKey): string => `${i.name}-sessions`;
/** HorizontalPodAutoscaler, when autoscaling is enabled. */
export const autoscalerName = (i: InstanceKey): string => i.name;
/** PodDisruptionBudget, when more than one replica can run. */
export const disruptionBudgetName = (i: InstanceKey): string => i.name;
/**
 * Role and RoleBinding, in each namespace the watcher reads. In the instance's
 * own namespace `<name>-watcher`; in any other `<instance namespace>.<name>-watcher`,
 * so that same-named instances of two namespaces never want the same grant in a
 * namespace both watch. Namespace and instance names are DNS labels (no dot, at
 * most 63 characters): the first dot splits the two, no two instances share a
 * name, and the longest (135 characters) is well within a Role name's limit.
 */
export const watcherRoleName = (i: InstanceKey, grantNamespace: string): string =>
  grantNamespace === i.namespace ? legacyWatcherRoleName(i) : `${i.namespace}.${i.name}-watcher`;
/** The grant's name in every namespace up to 0.2.0 (hand-over: src/reconciler/grants.ts). */
export const legacyWatcherRoleName = (i: InstanceKey): string => `${i.name}-watcher`;

// Labels.
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Our own label: which namespace the owning instance lives in. Objects outside
 * that namespace, and cluster-scoped ones, cannot carry an owner reference; this
 * label (with LABEL_INSTANCE) is how they are found and traced back. */
export const LABEL_INSTANCE_NAMESPACE = `${GROUP}/instance-namespace`;
/** On a Namespace, with the value WATCHABLE_NAMESPACE_VALUE: its owner lets
 * instances of other namespaces watch it (the default --watch-namespace-policy,
 * src/desired/tenancy.ts). */
export const WATCHABLE_NAMESPACE_LABEL = `${GROUP}/watchable`;
export const WATCHABLE_NAMESPACE_VALUE = 'true';
export const APP_NAME = 'chatcli';
export const OPERATOR_NAME = 'chatcli-operator';

/** Every label and annotation key under the operator's own domain is the
 * operator's: the spec may not set one on the pods or the Service. */
export const OPERATOR_KEY_PREFIX = `${GROUP}/`;
/** The pod labels the operator sets outside its own domain (selector and
 * ownership); the spec's podLabels may not set them. */
export const OPERATOR_POD_LABEL_KEYS: readonly string[] = [LABEL_NAME, LABEL_INSTANCE, LABEL_MANAGED_BY];

/** The labels a Deployment selects its pods by. A selector can never change, so
 * these are the two stable ones only. */
export function selectorLabels(i: InstanceKey): Record<string, string> {
  return { [LABEL_NAME]: APP_NAME, [LABEL_INSTANCE]: i.name };
}

/** Labels on every object an instance owns (and on its pods). They include the
 * instance namespace everywhere, not only where an owner reference is
 * impossible, so one selector (ownedObjectsSelector) finds all of them. */
export function instanceLabels(i: InstanceKey): Record<string, string> {
  return {
    ...selectorLabels(i),
    [LABEL_MANAGED_BY]: OPERATOR_NAME,
    [LABEL_INSTANCE_NAMESPACE]: i.namespace,
  };
}

/** A label selector (string form) matching every object the instance owns, in
 * any namespace or cluster-scoped. */
export function ownedObjectsSelector(i: InstanceKey): string {
  return [
    `${LABEL_MANAGED_BY}=${OPERATOR_NAME}`,
    `${LABEL_INSTANCE}=${i.name}`,
    `${LABEL_INSTANCE_NAMESPACE}=${i.namespace}`,
  ].join(',');
}

/** The instance an owned object belongs to, read back from its labels; used to
 * map an event on a cluster-scoped or other-namespace object to its instance. */
export function instanceKeyFromLabels(labels: Record<string, string> | undefined): InstanceKey | undefined {
  const name = labels?.[LABEL_INSTANCE];
  const namespace = labels?.[LABEL_INSTANCE_NAMESPACE];
  if (labels?.[LABEL_MANAGED_BY] !== OPERATOR_NAME || !name || !namespace) return undefined;
  return { name, namespace };
}

// Operator identity on the API server.
export const FIELD_MANAGER = OPERATOR_NAME;
export const FINALIZER = `${GROUP}/finalizer`;
/**
 * The field manager that keeps a Deployment's spec.replicas when autoscaling
 * takes over: its apply holds the current count just before the operator's own
 * apply stops declaring the field, so the field never loses its last owner
 * (which would reset it to the default, 1). The HorizontalPodAutoscaler then
 * takes it over by writing the scale subresource.
 */
export const REPLICAS_HANDOVER_MANAGER = `${OPERATOR_NAME}-replicas-handover`;
/** Annotation on objects that cannot carry an owner reference (other namespaces,
 * cluster-scoped): the uid of the instance that made them, our proof of
 * ownership there (labels select, they never prove). */
export const OWNER_UID_ANNOTATION = `${GROUP}/owner-uid`;
/** Pod-template annotation: hash of both ConfigMaps, so a config change rolls the pods. */
export const CONFIG_HASH_ANNOTATION = `${GROUP}/config-hash`;

// The pod. What ChatCLI itself reads and writes (command, environment, $HOME)
// is in chatcli.ts.
export const CONTAINER_NAME = 'chatcli';
export const GRPC_PORT_NAME = 'grpc';
export const METRICS_PORT_NAME = 'metrics';
/** Group the pod's volumes are made writable for when the spec names none. */
export const DEFAULT_FS_GROUP = 1000;
export const WATCH_CONFIG_KEY = 'watch-config.yaml';

export const VOLUME_TMP = 'tmp';
export const VOLUME_HOME = 'home';
/** $HOME/.chatcli (chatcli.ts STATE_DIR): its own emptyDir, so it is writable
 * whatever uid the pod runs as, with the sessions volume inside it. */
export const VOLUME_STATE = 'chatcli-state';
export const VOLUME_SESSIONS = 'sessions';
export const VOLUME_TLS = 'tls';
export const VOLUME_WATCH_CONFIG = 'watch-config';
/** spec.agents and spec.skills: one projected volume each, at chatcli.ts AGENTS_DIR and SKILLS_DIR. */
export const VOLUME_AGENTS = 'agents';
export const VOLUME_SKILLS = 'skills';
/** spec.caBundle: the one key of its ConfigMap or Secret, as CA_BUNDLE_FILE. */
export const VOLUME_CA_BUNDLE = 'ca-bundle';

export const TMP_DIR = '/tmp';
export const TLS_DIR = '/etc/chatcli/tls';
export const TLS_CERT_FILE = `${TLS_DIR}/tls.crt`;
export const TLS_KEY_FILE = `${TLS_DIR}/tls.key`;
export const WATCH_CONFIG_DIR = '/etc/chatcli/watch';
export const WATCH_CONFIG_FILE = `${WATCH_CONFIG_DIR}/${WATCH_CONFIG_KEY}`;
export const CA_BUNDLE_DIR = '/etc/chatcli/ca';
export const CA_BUNDLE_FILE = `${CA_BUNDLE_DIR}/ca-bundle.crt`;
