// Tenancy, on the operator's side: which watcher namespaces an instance may be
// granted read access in. An instance is a deputy: its ServiceAccount receives
// pods, pods/log and events in every namespace its watcher names, whoever
// created it. The admission policy (config/policy) checks the requesting user;
// this guard works without it, from what namespace owners declared:
//   - label (default): a namespace other than the instance's own must carry
//     WATCHABLE_NAMESPACE_LABEL=WATCHABLE_NAMESPACE_VALUE, set by someone allowed
//     to label namespaces (normally a cluster admin);
//   - any: every namespace named is granted (trust whoever creates instances).
// A refused namespace gets no Role or RoleBinding; the rest of the instance
// still works, and its status says which namespace was refused and why.
import type { ChatCLIInstance, DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { WATCHABLE_NAMESPACE_LABEL, WATCHABLE_NAMESPACE_VALUE } from './names.ts';
import type { KubeObject } from './object.ts';
import { isWatcherGrant } from './rbac.ts';
import { watchMode } from './watcher.ts';

export const WATCH_NAMESPACE_POLICIES = ['label', 'any'] as const;
export type WatchNamespacePolicy = (typeof WATCH_NAMESPACE_POLICIES)[number];
export const DEFAULT_WATCH_NAMESPACE_POLICY: WatchNamespacePolicy = 'label';

/** The label selector of the namespaces that opted in. */
export const WATCHABLE_NAMESPACES_SELECTOR = `${WATCHABLE_NAMESPACE_LABEL}=${WATCHABLE_NAMESPACE_VALUE}`;

/** A namespace the watcher names that gets no access, and the field naming it. */
export interface RefusedNamespace {
  namespace: string;
  field: string;
}

export function isWatchNamespacePolicy(value: string): value is WatchNamespacePolicy {
  return (WATCH_NAMESPACE_POLICIES as readonly string[]).includes(value);
}

/** Whether a namespace's labels opt it in to being watched from other namespaces. */
export function isWatchable(labels: Record<string, string> | undefined): boolean {
  return labels?.[WATCHABLE_NAMESPACE_LABEL] === WATCHABLE_NAMESPACE_VALUE;
}

/**
 * The namespaces the watcher names where no access may be granted, each with
 * the first field that names it, in the spec's order. `watchable(ns)` says
 * whether a namespace opted in (see isWatchable).
 */
export function refusedWatchNamespaces(
  instance: DefaultedChatCLIInstance,
  policy: WatchNamespacePolicy,
  watchable: (namespace: string) => boolean,
): RefusedNamespace[] {
  if (policy === 'any') return [];
  const own = instance.metadata.namespace;
  const refused = new Map<string, string>();
  for (const { namespace, field } of namedNamespaces(instance)) {
    if (namespace !== own && !refused.has(namespace) && !watchable(namespace)) refused.set(namespace, field);
  }
  return [...refused].map(([namespace, field]) => ({ namespace, field }));
}

/** Every namespace the enabled watcher reads, with the field it comes from. */
function namedNamespaces(instance: DefaultedChatCLIInstance): RefusedNamespace[] {
  const mode = watchMode(instance.spec, instance.metadata.namespace);
  switch (mode.kind) {
    case 'off':
      return [];
    case 'legacy':
      return [{ namespace: mode.namespace, field: 'spec.watcher.namespace' }];
    case 'targets':
      return mode.targets.map((t, i) => ({ namespace: t.namespace, field: `spec.watcher.targets[${i}].namespace` }));
  }
}

/** The desired objects without the watcher's Role and RoleBinding in refused namespaces. */
export function withoutGrantsIn(desired: KubeObject[], refused: readonly RefusedNamespace[]): KubeObject[] {
  const namespaces = new Set(refused.map((r) => r.namespace));
  return desired.filter((o) => !(isWatcherGrant(o) && o.metadata.namespace !== undefined && namespaces.has(o.metadata.namespace)));
}

/** One line for the status and the Event, naming each field and namespace. */
export function refusedMessage(refused: readonly RefusedNamespace[]): string {
  const each = refused.map((r) => `${r.field}: namespace "${r.namespace}"`).join(', ');
  return `no watcher access granted in namespaces not labelled ${WATCHABLE_NAMESPACES_SELECTOR}: ${each}`;
}

/**
 * The instances ("namespace/name") whose watcher names `namespace`, from the
 * stored (not defaulted) specs: what to reconcile again when a namespace is
 * labelled or unlabelled. Naming it while disabled costs one idle reconcile.
 */
export function instancesNaming(namespace: string, instances: readonly ChatCLIInstance[]): string[] {
  return instances
    .filter((i) => {
      const w = i.spec?.watcher;
      return w?.namespace === namespace || (w?.targets ?? []).some((t) => t.namespace === namespace);
    })
    .map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
}
