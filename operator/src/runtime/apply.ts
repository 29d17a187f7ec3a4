// Writing objects: server-side apply (the operator owns exactly the fields it
// sends, under one field manager, and leaves everyone else's alone), status
// apply, delete that is idempotent, and a merge patch for metadata such as
// finalizers; plus the plain get/create/replace the runtime itself needs
// (leases, events). Bodies go out as raw JSON (JSON is YAML, so apply-patch+yaml
// accepts it) and come back untouched.
import type { ClusterConfig } from './kubeconfig.ts';
import { isNotFound, objectPath, request, resourcePath, type KubeObject, type ObjectRef, type ResourceType } from './kube.ts';

export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

export interface ApplyOptions {
  fieldManager: string;
  /** Take over fields another manager owns instead of failing with a conflict; default true. */
  force?: boolean;
  /**
   * Apply only to the object of this uid: the server refuses (409 when it is
   * gone, 422 when another object now has its name) rather than create or take
   * over an object that replaced the one the caller looked at.
   */
  uid?: string;
  signal?: AbortSignal;
}

function refOf(type: ResourceType, obj: KubeObject): ObjectRef {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`${type.kind}: metadata.name is required to apply`);
  return { namespace: type.namespaced ? obj.metadata?.namespace : undefined, name };
}

function checkKind(type: ResourceType, obj: KubeObject): void {
  if (obj.apiVersion !== type.apiVersion || obj.kind !== type.kind) {
    throw new Error(`object is ${obj.apiVersion}/${obj.kind}, expected ${type.apiVersion}/${type.kind}`);
  }
}

async function applyTo(
  kc: ClusterConfig,
  type: ResourceType,
  obj: KubeObject,
  opts: ApplyOptions,
  subresource?: string,
): Promise<KubeObject> {
  checkKind(type, obj);
  return request(kc, {
    method: 'PATCH',
    path: objectPath(type, refOf(type, obj), subresource),
    query: { fieldManager: opts.fieldManager, force: opts.force ?? true },
    body: opts.uid ? { ...obj, metadata: { ...obj.metadata, uid: opts.uid } } : obj,
    contentType: APPLY_PATCH_CONTENT_TYPE,
    signal: opts.signal,
  });
}

/**
 * Server-side apply: creates the object or updates the fields this manager
 * declares (and removes the ones it declared before but no longer does).
 * Returns the object as the server now has it.
 */
export function applyObject(kc: ClusterConfig, type: ResourceType, obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
  return applyTo(kc, type, obj, opts);
}

/** Server-side apply to the /status subresource (obj carries apiVersion, kind, metadata.name/namespace, status). */
export function applyStatus(kc: ClusterConfig, type: ResourceType, obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
  return applyTo(kc, type, obj, opts, 'status');
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/**
 * Deletes an object; one that is already gone counts as deleted. Returns true
 * if this call deleted it (or started its deletion), false if it was not there.
 * `uid` makes the delete apply only to that incarnation of the object.
 */
export async function deleteObject(
  kc: ClusterConfig,
  type: ResourceType,
  ref: ObjectRef,
  opts: { propagationPolicy?: PropagationPolicy; uid?: string; signal?: AbortSignal } = {},
): Promise<boolean> {
  try {
    await request(kc, {
      method: 'DELETE',
      path: objectPath(type, ref),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: opts.propagationPolicy ?? 'Background',
        ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
      },
      signal: opts.signal,
    });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** A merge patch: fields to set, `null` to remove one. */
export type MergePatch = { [field: string]: unknown };

/**
 * A JSON merge patch (RFC 7386), for metadata such as finalizers. With
 * `resourceVersion` the patch only applies to that version (409 Conflict
 * otherwise), which makes list edits like "remove my finalizer" safe.
 */
export function patchMerge(
  kc: ClusterConfig,
  type: ResourceType,
  ref: ObjectRef,
  patch: MergePatch,
  opts: { resourceVersion?: string; subresource?: string; signal?: AbortSignal } = {},
): Promise<KubeObject> {
  const body = opts.resourceVersion
    ? { ...patch, metadata: { ...(patch.metadata as object | undefined), resourceVersion: opts.resourceVersion } }
    : patch;
  return request(kc, {
    method: 'PATCH',
    path: objectPath(type, ref, opts.subresource),
    body,
    contentType: MERGE_PATCH_CONTENT_TYPE,
    signal: opts.signal,
  });
}

/** Reads one object from the server (not the cache); undefined when it does not exist. */
export async function getObject(
  kc: ClusterConfig,
  type: ResourceType,
  ref: ObjectRef,
  opts: { signal?: AbortSignal; ownConnection?: boolean } = {},
): Promise<KubeObject | undefined> {
  return request<KubeObject | undefined>(kc, { method: 'GET', path: objectPath(type, ref), signal: opts.signal, ownConnection: opts.ownConnection, notFoundAsUndefined: true });
}

/** Creates an object (409 AlreadyExists if it is there). */
export function createObject(kc: ClusterConfig, type: ResourceType, obj: KubeObject, opts: { signal?: AbortSignal; ownConnection?: boolean } = {}): Promise<KubeObject> {
  checkKind(type, obj);
  const namespace = obj.metadata?.namespace;
  if (type.namespaced && !namespace) throw new Error(`${type.kind} ${obj.metadata?.name ?? ''}: namespace required`);
  return request(kc, {
    method: 'POST',
    path: resourcePath(type, { namespace }),
    body: obj,
    signal: opts.signal,
    ownConnection: opts.ownConnection,
  });
}

/** Replaces an object; its metadata.resourceVersion makes this fail with 409 if it changed meanwhile. */
export function replaceObject(kc: ClusterConfig, type: ResourceType, obj: KubeObject, opts: { signal?: AbortSignal; ownConnection?: boolean } = {}): Promise<KubeObject> {
  checkKind(type, obj);
  return request(kc, { method: 'PUT', path: objectPath(type, refOf(type, obj)), body: obj, signal: opts.signal, ownConnection: opts.ownConnection });
}
