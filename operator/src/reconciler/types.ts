// The resource types the ChatCLI controller works with, as the runtime needs them.
import { GROUP, KIND, PLURAL, VERSION } from '../api/chatcliinstance.ts';
import { OWNED_KINDS, ownedKind } from '../desired/index.ts';
import type { ResourceType } from '../runtime/kube.ts';
import { Pods } from '../runtime/resources.ts';

export const INSTANCES: ResourceType = Object.freeze({ apiVersion: `${GROUP}/${VERSION}`, kind: KIND, plural: PLURAL, namespaced: true });
export const PODS = Pods;

/** Every kind an instance can become, the optional ones (a CRD the cluster may lack) included. */
export const OWNED_TYPES: readonly ResourceType[] = OWNED_KINDS.map(({ apiVersion, kind, plural, namespaced }) =>
  Object.freeze({ apiVersion, kind, plural, namespaced }),
);

/** The kinds of CRDs the cluster may lack: the operator looks for each at start (operator.ts). */
export const OPTIONAL_TYPES: readonly ResourceType[] = OWNED_TYPES.filter((t) => ownedKind(t.apiVersion, t.kind)?.optional === true);

/** The owned kinds this cluster serves: every one but the optional kinds not found. */
export function servedTypes(found: readonly ResourceType[]): readonly ResourceType[] {
  return OWNED_TYPES.filter((t) => !OPTIONAL_TYPES.includes(t) || found.includes(t));
}

/** Of these kinds, the ones the operator ever deletes: never a PersistentVolumeClaim
 * (user data; the operator may not delete claims, config/rbac/role.yaml). */
export function deletableTypes(types: readonly ResourceType[]): readonly ResourceType[] {
  return types.filter((t) => ownedKind(t.apiVersion, t.kind)?.prunable === true);
}

/** The ResourceType of an object or reference of ours. */
export function typeOf(o: { apiVersion: string; kind: string }): ResourceType {
  const type = OWNED_TYPES.find((t) => t.apiVersion === o.apiVersion && t.kind === o.kind);
  if (!type) throw new Error(`${o.apiVersion} ${o.kind} is not a kind this operator owns`);
  return type;
}
