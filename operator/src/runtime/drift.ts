// Whether an object as cached already carries every field we would apply, so
// that an unchanged world costs no write at all (server-side apply of an
// unchanged object is a no-op on the server, but still a request).
//
// `desired` is compared as a subset of `live`: fields the server or other
// controllers added are ignored; a field we set that someone changed or removed
// is drift. A zero scalar or empty list we send (false, 0, "", []) matches an
// absent field, because the API server omits such Go zero values on output; an
// object we send (even `{}`, as in `emptyDir: {}`) must be there.

export function coversDesired(desired: unknown, live: unknown): boolean {
  if (live === undefined || live === null) return isZero(desired);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return desired.length === 0 && Array.isArray(live) && live.length === 0;
    return desired.every((item, i) => coversDesired(item, live[i]));
  }
  if (isObject(desired)) {
    if (!isObject(live)) return false;
    return Object.entries(desired).every(([key, value]) => coversDesired(value, live[key]));
  }
  return desired === live || String(desired) === String(live);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  return Array.isArray(v) && v.length === 0;
}
