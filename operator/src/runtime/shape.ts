// Cache shaping: an informer keeps, for each object, only what its readers
// use (controller-runtime's cache TransformFunc). A Pod as the server sends it
// is several kilobytes; the few fields a status computation reads are a few
// hundred bytes. Generic: the reconciler says which fields, per kind.
import { holdsByUpdate } from './managed-fields.ts';
import type { KubeObject } from './kube.ts';

type Tree = { [key: string]: Tree | true };

/**
 * A function that copies only the listed paths of an object. A path is dotted
 * ("metadata.name"); "[]" steps into every item of a list
 * ("status.containerStatuses[].state.waiting.reason"). A path that ends on an
 * object or list keeps it whole. Absent fields stay absent; a value that is not
 * the object or list a path expects is kept as is.
 */
export function projection(paths: readonly string[]): (obj: KubeObject) => KubeObject {
  const tree: Tree = {};
  for (const path of paths) {
    let node = tree;
    const steps = path.split('.').flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), '[]'] : [s]));
    steps.forEach((step, i) => {
      if (i === steps.length - 1) {
        node[step] = true;
        return;
      }
      const next = node[step];
      if (next === true) return; // an ancestor is already kept whole
      node = node[step] = next ?? {};
    });
  }
  return (obj) => pick(obj, tree) as KubeObject;
}

function pick(value: unknown, tree: Tree | true): unknown {
  if (tree === true) return value;
  const items = tree['[]'];
  if (items !== undefined) return Array.isArray(value) ? value.map((v) => pick(v, items)) : value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(tree)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = pick(v, sub);
  }
  return out;
}

/** Annotations that only clients read, never a controller: kubectl's client-side apply copy of the whole object. */
const CLIENT_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** The object without metadata.managedFields (often its largest part) and kubectl's last-applied-configuration (a second copy of it). */
export function withoutBookkeeping(obj: KubeObject): KubeObject {
  const meta = obj.metadata;
  if (!meta || (!meta.managedFields && !CLIENT_ANNOTATIONS.some((a) => meta.annotations?.[a] !== undefined))) return obj;
  const { managedFields: _dropped, ...metadata } = meta;
  // A new object rather than `delete`, which leaves V8 a slower, larger dictionary.
  if (metadata.annotations) metadata.annotations = Object.fromEntries(Object.entries(metadata.annotations).filter(([k]) => !CLIENT_ANNOTATIONS.includes(k)));
  return { ...obj, metadata };
}

export interface CacheShape {
  /** Keep only these paths of the object (see projection); default: all of it. */
  keep?: readonly string[];
  /** Keep only these paths of its status ([]: no status); default: all of it. */
  status?: readonly string[];
  /**
   * Mark objects on which this field manager holds fields through a create or
   * update (a managedFields entry of operation Update): they keep
   * `managedFields: [{manager, operation: 'Update'}]`, one array shared by all,
   * without the fields themselves. A reader knows, with no read, which objects
   * still need a hand-over to apply (apply.ts handOverToApply).
   */
  updatesBy?: string;
}

/**
 * One copy of each string the caches hold. JSON.parse makes a new string for
 * every value, and the caches repeat the same values thousands of times
 * (apiVersions, labels, an instance's name and uid in each of its objects,
 * images, condition messages): with 1000 instances, 7 of 36 MiB of heap were
 * such copies. The table is dropped whole when it reaches its limit, so values
 * seen once (timestamps) cannot make it grow without end; objects keep the
 * copies they were given.
 */
const INTERN_LIMIT = 100_000;
/** Longer strings are rare, and seldom repeated. */
const INTERN_MAX_LENGTH = 4096;
let interned = new Map<string, string>();

function intern(value: string): string {
  if (value.length > INTERN_MAX_LENGTH) return value;
  const found = interned.get(value);
  if (found !== undefined) return found;
  if (interned.size >= INTERN_LIMIT) interned = new Map();
  interned.set(value, value);
  return value;
}

/**
 * Replaces, in place, every string value in the object by its one copy (see
 * intern); keys already are (JSON.parse shares them). The resourceVersion,
 * new with every write, is left as is. Takes objects fresh from a response.
 */
export function internStrings<T>(value: T): T {
  internIn(value, false);
  return value;
}

function internIn(value: unknown, isMetadata: boolean): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string') value[i] = intern(v);
      else internIn(v, false);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    const v = obj[key];
    if (typeof v === 'string') {
      if (!(isMetadata && key === 'resourceVersion')) obj[key] = intern(v);
    } else internIn(v, key === 'metadata');
  }
}

/** Strings in the intern table (for tests and measurement). */
export function internedCount(): number {
  return interned.size;
}

/**
 * An informer transform: the object without bookkeeping (withoutBookkeeping),
 * then cut down to `keep`, its status to `status`, and its strings interned
 * (internStrings). apiVersion, kind and the metadata an informer itself needs
 * (name, namespace, uid, resourceVersion) are always kept.
 */
export function cacheTransform(shape: CacheShape = {}): (obj: KubeObject) => KubeObject {
  const keep = shape.keep && projection(['apiVersion', 'kind', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.resourceVersion', ...shape.keep]);
  const status = shape.status && shape.status.length > 0 ? projection(shape.status) : undefined;
  const manager = shape.updatesBy;
  const updateMark = manager && Object.freeze([Object.freeze({ manager, operation: 'Update' })]);
  return (obj) => {
    let out = withoutBookkeeping(obj);
    if (keep) out = keep(out);
    if (shape.status && out.status !== undefined) {
      const { status: full, ...rest } = out;
      out = status ? { ...rest, status: status(full as KubeObject) } : rest;
    }
    out = internStrings(out);
    if (updateMark && holdsByUpdate(obj, manager)) out = { ...out, metadata: { ...out.metadata, managedFields: updateMark as unknown[] } };
    return out;
  };
}

/** Bytes of an object as JSON: what the server sends, and a fair proxy for what a cache holds. */
export function jsonBytes(obj: unknown): number {
  return Buffer.byteLength(JSON.stringify(obj));
}
