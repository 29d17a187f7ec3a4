// Every kind an instance can become, for the runtime: what to watch, list by
// label and prune. A PersistentVolumeClaim is never pruned: user data is not
// lost by an edit (SPEC).
export interface OwnedKind {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Whether objects of this kind are deleted once the spec stops asking for them. */
  prunable: boolean;
  /** A kind of a CRD the cluster may lack (the Prometheus Operator's): watched,
   * applied and pruned only where the operator found it at start. */
  optional?: boolean;
}

export const OWNED_KINDS: readonly OwnedKind[] = Object.freeze([
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true, prunable: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true, prunable: true },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, prunable: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, prunable: true },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, prunable: false },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true, prunable: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, prunable: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', namespaced: true, prunable: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, prunable: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, prunable: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, prunable: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', plural: 'servicemonitors', namespaced: true, prunable: true, optional: true },
].map((k) => Object.freeze(k)));

/** The API group of an apiVersion ('' for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The owned kind of (apiVersion, kind), matched by group and kind so that a
 * listing at another version of the same group still matches. */
export function ownedKind(apiVersion: string, kind: string): OwnedKind | undefined {
  const group = groupOf(apiVersion);
  return OWNED_KINDS.find((k) => k.kind === kind && groupOf(k.apiVersion) === group);
}
