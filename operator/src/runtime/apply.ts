// Writing objects: server-side apply (the operator owns exactly the fields it
// sends, under one field manager, and leaves everyone else's alone), status
// apply, delete that is idempotent, a merge patch, and a JSON patch that edits
// a list whoever owns its entries (finalizers); plus the plain
// get/create/replace the runtime itself needs (leases, events). Bodies go out
// as raw JSON (JSON is YAML, so apply-patch+yaml accepts it) and come back
// untouched.
import type { ClusterConfig } from './kubeconfig.ts';
import { handOverToApplyPatch } from './managed-fields.ts';
import { ApiError, isNotFound, objectPath, request, resourcePath, type KubeObject, type ObjectRef, type ResourceType } from './kube.ts';

export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json';

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
 * A JSON merge patch (RFC 7386). With `resourceVersion` the patch only applies
 * to that version (409 Conflict otherwise). A list in it replaces the whole
 * list: to take one entry out, removeFromList.
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

/** One operation of a JSON patch (RFC 6902); `path` is a JSON pointer (RFC 6901). */
export type JsonPatchOperation =
  | { op: 'test' | 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/**
 * A JSON patch (RFC 6902). The API server applies it to the object as it is
 * and refuses the whole patch when a `test` fails (422): tests make it a
 * precondition on what the caller read.
 */
export function patchJson(
  kc: ClusterConfig,
  type: ResourceType,
  ref: ObjectRef,
  operations: readonly JsonPatchOperation[],
  opts: { subresource?: string; signal?: AbortSignal } = {},
): Promise<KubeObject> {
  return request(kc, {
    method: 'PATCH',
    path: objectPath(type, ref, opts.subresource),
    body: operations,
    contentType: JSON_PATCH_CONTENT_TYPE,
    signal: opts.signal,
  });
}

/** A JSON pointer (RFC 6901) to the field at these keys: `['metadata', 'finalizers']` -> `/metadata/finalizers`. */
export function jsonPointer(keys: readonly (string | number)[]): string {
  return keys.map((k) => `/${String(k).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * The JSON patch that removes every `value` from the string list at `keys` of
 * `current`, as read: it tests the uid, the resourceVersion and the list
 * itself, then removes each entry at its index (the highest first, so the
 * lower ones stay where they were). Undefined when the list does not hold the
 * value. What controller-runtime's RemoveFinalizer + Update does, without
 * sending the whole object.
 */
export function listRemovalPatch(current: KubeObject, keys: readonly string[], value: string): JsonPatchOperation[] | undefined {
  let list: unknown = current;
  for (const k of keys) list = (list as Record<string, unknown> | undefined)?.[k];
  if (!Array.isArray(list)) return undefined;
  const at = list.flatMap((v, i) => (v === value ? [i] : [])).reverse();
  if (at.length === 0) return undefined;
  const { uid, resourceVersion } = current.metadata ?? {};
  if (!uid || !resourceVersion) throw new Error(`${current.kind ?? 'object'} ${current.metadata?.name ?? ''}: a list edit needs the uid and resourceVersion it was read at`);
  return [
    { op: 'test', path: '/metadata/uid', value: uid },
    { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'test', path: jsonPointer(keys), value: list },
    ...at.map((i): JsonPatchOperation => ({ op: 'remove', path: jsonPointer([...keys, i]) })),
  ];
}

/**
 * Removes `value` from the string list at `keys` (say `metadata.finalizers`)
 * of the object `current` was read from, whoever else owns the entry: a
 * server-side apply that stops declaring it only drops this manager's claim,
 * and the value stays while another manager (a GitOps tool that applied a
 * manifest listing it, a `kubectl create`) holds it too. Resolves to the
 * object as the server now has it, or undefined when the list as read did not
 * hold the value. Throws the server's answer when the object changed since it
 * was read (isChangedSinceRead: read it again and retry) or is gone (404).
 */
export async function removeFromList(
  kc: ClusterConfig,
  type: ResourceType,
  current: KubeObject,
  keys: readonly string[],
  value: string,
  opts: { signal?: AbortSignal } = {},
): Promise<KubeObject | undefined> {
  const patch = listRemovalPatch(current, keys, value);
  if (!patch) return undefined;
  return patchJson(kc, type, refOf(type, current), patch, opts);
}

/**
 * The object changed since the caller read it: a JSON patch `test` failed
 * (422), or a resourceVersion precondition did not hold (409 Conflict).
 */
export const isChangedSinceRead = (err: unknown): boolean => err instanceof ApiError && (err.status === 409 || err.status === 422);

/** Reads one object from the server (not the cache); undefined when it does not exist. */
export async function getObject(
  kc: ClusterConfig,
  type: ResourceType,
  ref: ObjectRef,
  opts: { signal?: AbortSignal; ownConnection?: boolean } = {},
): Promise<KubeObject | undefined> {
  return request<KubeObject | undefined>(kc, { method: 'GET', path: objectPath(type, ref), signal: opts.signal, ownConnection: opts.ownConnection, notFoundAsUndefined: true });
}

/**
 * Creates an object (409 AlreadyExists if it is there: the one answer that
 * proves, with no read, that an object of that name exists). `fieldManager`
 * names the managedFields entry the create makes; its operation is `Update`,
 * not `Apply` (see handOverToApply).
 */
export function createObject(
  kc: ClusterConfig,
  type: ResourceType,
  obj: KubeObject,
  opts: { signal?: AbortSignal; ownConnection?: boolean; fieldManager?: string } = {},
): Promise<KubeObject> {
  checkKind(type, obj);
  const namespace = obj.metadata?.namespace;
  if (type.namespaced && !namespace) throw new Error(`${type.kind} ${obj.metadata?.name ?? ''}: namespace required`);
  return request(kc, {
    method: 'POST',
    path: resourcePath(type, { namespace }),
    ...(opts.fieldManager ? { query: { fieldManager: opts.fieldManager } } : {}),
    body: obj,
    signal: opts.signal,
    ownConnection: opts.ownConnection,
  });
}

/**
 * Reads the object and hands the fields `fieldManager` holds through a create
 * or update over to its apply (handOverToApplyPatch), once, before an apply
 * that may stop declaring some of them. Only the object of `uid`. Resolves to
 * the object as patched, or undefined when there was nothing to hand over (or
 * the object is gone or replaced: the apply that follows, by uid, says so).
 * Throws the server's answer when the object changed since the read
 * (isChangedSinceRead: the caller retries).
 */
export async function handOverToApply(
  kc: ClusterConfig,
  type: ResourceType,
  ref: ObjectRef,
  fieldManager: string,
  opts: { uid?: string; signal?: AbortSignal } = {},
): Promise<KubeObject | undefined> {
  const current = await getObject(kc, type, ref, { signal: opts.signal });
  if (!current || (opts.uid && current.metadata?.uid !== opts.uid)) return undefined;
  const patch = handOverToApplyPatch(current, fieldManager);
  return patch && patchJson(kc, type, ref, patch, { signal: opts.signal });
}

/** Replaces an object; its metadata.resourceVersion makes this fail with 409 if it changed meanwhile. */
export function replaceObject(kc: ClusterConfig, type: ResourceType, obj: KubeObject, opts: { signal?: AbortSignal; ownConnection?: boolean } = {}): Promise<KubeObject> {
  checkKind(type, obj);
  return request(kc, { method: 'PUT', path: objectPath(type, refOf(type, obj)), body: obj, signal: opts.signal, ownConnection: opts.ownConnection });
}
