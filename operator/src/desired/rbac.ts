// The watcher's read-only RBAC: in every namespace the watcher reads, a Role +
// RoleBinding `<name>-watcher` (the only place they grant anything), bound to
// the instance's ServiceAccount in the instance's namespace. Never a
// ClusterRoleBinding: that would grant the same reads in every namespace of the
// cluster, including ones nobody named (a confused deputy; src/desired/tenancy.ts).
import type { V1PolicyRule } from '@kubernetes/client-node';
import type { DefaultedChatCLIInstance, DefaultedSpec } from '../api/chatcliinstance.ts';
import { serviceAccountName, watcherRoleName } from './names.ts';
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
  const name = watcherRoleName(meta);
  const subjects = [{ kind: 'ServiceAccount', name: serviceAccountName(meta), namespace: meta.namespace }];
  return scope.namespaces.flatMap((namespace): KubeObject[] => [
    {
      apiVersion: RBAC_API_VERSION,
      kind: 'Role',
      metadata: ownedMeta(meta, name, namespace),
      rules: WATCHER_RULES.map((r) => structuredClone(r) as V1PolicyRule),
    },
    {
      apiVersion: RBAC_API_VERSION,
      kind: 'RoleBinding',
      metadata: ownedMeta(meta, name, namespace),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
      subjects: structuredClone(subjects),
    },
  ]);
}
