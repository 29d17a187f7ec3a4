// Built-in Kubernetes resource types, spelled once. Custom resources define
// their own ResourceType next to their API.
import type { ResourceType } from './kube.ts';

const t = (apiVersion: string, kind: string, plural: string, namespaced: boolean): ResourceType =>
  Object.freeze({ apiVersion, kind, plural, namespaced });

export const ConfigMaps = t('v1', 'ConfigMap', 'configmaps', true);
export const Secrets = t('v1', 'Secret', 'secrets', true);
export const Services = t('v1', 'Service', 'services', true);
export const ServiceAccounts = t('v1', 'ServiceAccount', 'serviceaccounts', true);
export const PersistentVolumeClaims = t('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true);
export const Pods = t('v1', 'Pod', 'pods', true);
export const Namespaces = t('v1', 'Namespace', 'namespaces', false);
export const Deployments = t('apps/v1', 'Deployment', 'deployments', true);
export const ReplicaSets = t('apps/v1', 'ReplicaSet', 'replicasets', true);
export const Roles = t('rbac.authorization.k8s.io/v1', 'Role', 'roles', true);
export const RoleBindings = t('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true);
export const ClusterRoles = t('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false);
export const ClusterRoleBindings = t('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false);
export const Leases = t('coordination.k8s.io/v1', 'Lease', 'leases', true);
export const Events = t('events.k8s.io/v1', 'Event', 'events', true);
export const CustomResourceDefinitions = t(
  'apiextensions.k8s.io/v1',
  'CustomResourceDefinition',
  'customresourcedefinitions',
  false,
);
