// The watcher's read-only RBAC: in every namespace the watcher reads, a Role +
// RoleBinding (names.ts watcherRoleName: `<instance namespace>.<name>-watcher`,
// or `<name>-watcher` in the instance's own namespace; the only place they grant
// anything), bound to
// the instance's ServiceAccount in the instance's namespace. Never a
// ClusterRoleBinding: that would grant the same reads in every namespace of the
// cluster, including ones nobody named (a confused deputy; src/desired/tenancy.ts).
import type { V1PolicyRule } from '@kubernetes/client-node';
import type { DefaultedChatCLIInstance, DefaultedSpec } from '../api/chatcliinstance.ts';
import { callsFor, TARGET_KINDS, WATCHER_CALLS, type TargetKind, type WatcherCall } from './chatcli.ts';
import { serviceAccountName, watcherRoleName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';
import { watchMode, watchedNamespaces, watchedKinds } from './watcher.ts';

export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * What the watcher may do in a namespace: exactly the calls the supported
 * ChatCLI releases make there for the kinds of its targets in that namespace
 * (chatcli.ts WATCHER_CALLS: a get of each target's kind, the pods, events and
 * logs, HPAs except for Jobs and CronJobs, pod metrics), one rule per resource,
 * nothing else: no watch, no write, no Secrets. Cluster-scoped calls (v1.188.0's
 * node reads) are not granted: the watcher logs them at debug level and goes
 * on. The operator's own ClusterRole must hold every rule of ALL_WATCHER_RULES:
 * the API server refuses to let anyone grant what it does not hold.
 */
export function watcherRules(kinds: readonly TargetKind[]): V1PolicyRule[] {
  return rulesFor(grantedWatcherCalls(kinds));
}

/** The watcher calls a Role grants for targets of these kinds. */
export function grantedWatcherCalls(kinds: readonly TargetKind[]): WatcherCall[] {
  return WATCHER_CALLS.filter((c) => c.scope === 'namespace' && kinds.some((k) => callsFor(c, k)));
}

/** What a namespace with Deployment targets only (or the legacy deployment) is granted: every Role before target kinds. */
export const WATCHER_RULES: readonly Readonly<V1PolicyRule>[] = frozen(watcherRules(['Deployment']));
/** Every rule a watcher Role may grant (all kinds): the operator's ClusterRole holds them, the admission policy checks them. */
export const ALL_WATCHER_RULES: readonly Readonly<V1PolicyRule>[] = frozen(watcherRules(TARGET_KINDS));

function frozen(rules: V1PolicyRule[]): readonly Readonly<V1PolicyRule>[] {
  return Object.freeze(rules.map((r) => Object.freeze(r)));
}

function rulesFor(calls: readonly WatcherCall[]): V1PolicyRule[] {
  const verbsByResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const c of calls) {
    const key = `${c.group}/${c.resource}`;
    const entry = verbsByResource.get(key) ?? { group: c.group, resource: c.resource, verbs: new Set<string>() };
    entry.verbs.add(c.verb);
    verbsByResource.set(key, entry);
  }
  return [...verbsByResource.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => ({ apiGroups: [e.group], resources: [e.resource], verbs: [...e.verbs].sort() }));
}

export type WatcherScope = { kind: 'none' } | { kind: 'namespaces'; namespaces: string[] };

/** Where the watcher needs read access: nowhere, or these namespaces (sorted). */
export function watcherScope(spec: DefaultedSpec, instanceNamespace: string): WatcherScope {
  const namespaces = watchedNamespaces(watchMode(spec, instanceNamespace));
  return namespaces.length === 0 ? { kind: 'none' } : { kind: 'namespaces', namespaces };
}

export function desiredWatcherRbac(instance: DefaultedChatCLIInstance): KubeObject[] {
  const meta = instance.metadata;
  const scope = watcherScope(instance.spec, meta.namespace);
  if (scope.kind === 'none') return [];
  const subjects = [{ kind: 'ServiceAccount', name: serviceAccountName(meta), namespace: meta.namespace }];
  const kinds = watchedKinds(watchMode(instance.spec, meta.namespace));
  return scope.namespaces.flatMap((namespace): KubeObject[] => {
    const name = watcherRoleName(meta, namespace);
    return [
      {
        apiVersion: RBAC_API_VERSION,
        kind: 'Role',
        metadata: ownedMeta(meta, name, namespace),
        rules: watcherRules(kinds.get(namespace) ?? []),
      },
      {
        apiVersion: RBAC_API_VERSION,
        kind: 'RoleBinding',
        metadata: ownedMeta(meta, name, namespace),
        roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
        subjects: structuredClone(subjects),
      },
    ];
  });
}

/** Whether a desired or found object is one of the watcher's grants (Role, RoleBinding). */
export function isWatcherGrant(o: { apiVersion?: string; kind?: string }): boolean {
  return (o.apiVersion ?? '').startsWith(`${RBAC_GROUP}/`) && (o.kind === 'Role' || o.kind === 'RoleBinding');
}
