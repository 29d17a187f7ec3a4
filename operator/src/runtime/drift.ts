// Whether an object as cached already carries every field we would apply, so
// that an unchanged world costs no write at all (server-side apply of an
// unchanged object is a no-op on the server, but still a request).
//
// `desired` is compared as a subset of `live`: fields the server or other
// controllers added are ignored; a field we set that someone changed or removed
// is drift. Values are compared as the API server stores them:
// - a zero scalar or empty list we send (false, 0, "", []) matches an absent
//   field, because the API server omits such Go zero values on output; an
//   object we send (even `{}`, as in `emptyDir: {}`) must be there;
// - a resource quantity (under resources.requests/limits, or a sizeLimit) is
//   stored in canonical form ("0.5" comes back as "500m", "1024Mi" as "1Gi"),
//   so quantities compare by value. Elsewhere strings compare exactly: "0.5" and
//   "500m" in a ConfigMap's data are two different values.
import { compareQuantities, parseQuantity } from '../api/quantity.ts';

export function coversDesired(desired: unknown, live: unknown, path: readonly string[] = []): boolean {
  if (live === undefined || live === null) return isZero(desired);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return desired.length === 0 && Array.isArray(live) && live.length === 0;
    return desired.every((item, i) => coversDesired(item, live[i], [...path, String(i)]));
  }
  if (isObject(desired)) {
    if (!isObject(live)) return false;
    return Object.entries(desired).every(([key, value]) => coversDesired(value, live[key], [...path, key]));
  }
  if (desired === live || String(desired) === String(live)) return true;
  return isQuantityPath(path) && sameQuantity(desired, live);
}

/** resources.{requests,limits}.<resource> (containers, claims, pod overhead) and emptyDir's sizeLimit. */
function isQuantityPath(path: readonly string[]): boolean {
  const [parent, list] = [path.at(-2), path.at(-3)];
  return path.at(-1) === 'sizeLimit' || (list === 'resources' && (parent === 'requests' || parent === 'limits'));
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) return false;
  const [qa, qb] = [parseQuantity(String(a)), parseQuantity(String(b))];
  return qa !== undefined && qb !== undefined && compareQuantities(qa, qb) === 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  return Array.isArray(v) && v.length === 0;
}
