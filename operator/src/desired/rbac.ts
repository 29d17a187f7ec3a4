// The watcher's read-only RBAC. One namespace of targets: a Role + RoleBinding
// `<name>-watcher` in THAT namespace (the only place they grant anything).
// Several namespaces: a ClusterRole + ClusterRoleBinding
// `<namespace>-<name>-watcher`. Either way bound to the instance's
// ServiceAccount in the instance's namespace.
import type { V1PolicyRule } from '@kubernetes/client-node';
import type { DefaultedChatCLIInstance, DefaultedSpec } from '../api/chatcliinstance.ts';
import { serviceAccountName, watcherClusterRoleName, watcherRoleName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';
import { watchMode, watchedNamespaces } from './watcher.ts';

export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];

/** What the watcher may read (SPEC). The operator's own ClusterRole must hold
 * every one of these: the API server refuses to let anyone grant what it does
 * not hold. */
export const WATCHER_RULES: readonly Readonly<V1PolicyRule>[] = Object.freeze([
  { apiGroups: [''], resources: ['pods', 'pods/log', 'events', 'services', 'endpoints'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
  { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: READ },
].map((r) => Object.freeze(r)));

export type WatcherScope = { kind: 'none' } | { kind: 'namespace'; namespace: string } | { kind: 'cluster'; namespaces: string[] };

/** Where the watcher needs read access: nowhere, one namespace, or several. */
export function watcherScope(spec: DefaultedSpec, instanceNamespace: string): WatcherScope {
  const namespaces = watchedNamespaces(watchMode(spec, instanceNamespace));
  const [only] = namespaces;
  if (only === undefined) return { kind: 'none' };
  if (namespaces.length === 1) return { kind: 'namespace', namespace: only };
  return { kind: 'cluster', namespaces };
}

export function desiredWatcherRbac(instance: DefaultedChatCLIInstance): KubeObject[] {
  const meta = instance.metadata;
  const scope = watcherScope(instance.spec, meta.namespace);
  if (scope.kind === 'none') return [];
  const rules = WATCHER_RULES.map((r) => structuredClone(r) as V1PolicyRule);
  const subjects = [{ kind: 'ServiceAccount', name: serviceAccountName(meta), namespace: meta.namespace }];

  if (scope.kind === 'namespace') {
    const name = watcherRoleName(meta);
    return [
      { apiVersion: RBAC_API_VERSION, kind: 'Role', metadata: ownedMeta(meta, name, scope.namespace), rules },
      {
        apiVersion: RBAC_API_VERSION,
        kind: 'RoleBinding',
        metadata: ownedMeta(meta, name, scope.namespace),
        roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
        subjects,
      },
    ];
  }
  const name = watcherClusterRoleName(meta);
  return [
    { apiVersion: RBAC_API_VERSION, kind: 'ClusterRole', metadata: ownedMeta(meta, name, undefined), rules },
    {
      apiVersion: RBAC_API_VERSION,
      kind: 'ClusterRoleBinding',
      metadata: ownedMeta(meta, name, undefined),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
      subjects,
    },
  ];
}
