// The shape of a desired object and the metadata every one of them carries:
// labels always; a controller owner reference when the object lives in the
// instance's namespace (the garbage collector then removes it with the
// instance); cluster-scoped and other-namespace objects cannot carry one: they
// carry the instance's uid in an annotation instead, and are removed by the
// finalizer. Labels find objects; only the owner reference or the annotation
// proves one is ours (isOwnedBy).
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, KIND, type ObjectMeta } from '../api/chatcliinstance.ts';
import { instanceLabels, OWNER_UID_ANNOTATION, type InstanceKey } from './names.ts';

/** A plain JSON Kubernetes object, ready for server-side apply. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** Identifies one object; `namespace` is absent for cluster-scoped ones. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function refOf(o: KubeObject): ObjectRef {
  const ns = o.metadata.namespace;
  return { apiVersion: o.apiVersion, kind: o.kind, ...(ns ? { namespace: ns } : {}), name: o.metadata.name };
}

export function instanceKey(meta: Pick<ObjectMeta, 'name' | 'namespace'>): InstanceKey {
  return { name: meta.name, namespace: meta.namespace };
}

/** The controller owner reference to the instance; undefined while the instance
 * has no uid (it was never stored, e.g. `chatcli-operator render` of a file). */
export function controllerReference(meta: ObjectMeta): V1OwnerReference | undefined {
  if (!meta.uid) return undefined;
  return { apiVersion: API_VERSION, kind: KIND, name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Metadata of an object owned by the instance. `namespace` undefined means
 * cluster-scoped; a namespace other than the instance's means no owner reference.
 */
export function ownedMeta(instance: ObjectMeta, name: string, namespace: string | undefined): KubeObject['metadata'] {
  const home = namespace === instance.namespace;
  const owner = home ? controllerReference(instance) : undefined;
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: instanceLabels(instanceKey(instance)),
    ...(!home && instance.uid ? { annotations: { [OWNER_UID_ANNOTATION]: instance.uid } } : {}),
    ...(owner ? { ownerReferences: [owner] } : {}),
  };
}

/** Metadata enough to tell whose an object is. */
export interface OwnershipMeta {
  namespace?: string;
  annotations?: Record<string, string>;
  ownerReferences?: readonly { kind?: string; uid?: string; controller?: boolean }[];
}

/**
 * Whether an object is provably the instance's: in the instance's namespace, a
 * controller owner reference with the instance's uid; elsewhere (another
 * namespace, cluster-scoped), our annotation with that uid. Labels prove
 * nothing: anyone may set them.
 */
export function isOwnedBy(meta: OwnershipMeta | undefined, instance: { uid?: string; namespace: string }): boolean {
  return instance.uid !== undefined && provenOwnerUid(meta, instance.namespace) === instance.uid;
}

/**
 * The uid of the instance an object's proof of ownership names: the owner-uid
 * annotation outside the instance's namespace, the controller owner reference
 * to a ChatCLIInstance inside it; undefined when it carries none.
 */
export function provenOwnerUid(meta: OwnershipMeta | undefined, instanceNamespace: string): string | undefined {
  if (!meta) return undefined;
  if (meta.namespace !== instanceNamespace) return meta.annotations?.[OWNER_UID_ANNOTATION] || undefined;
  return meta.ownerReferences?.find((r) => r.controller === true && r.kind === KIND)?.uid || undefined;
}
