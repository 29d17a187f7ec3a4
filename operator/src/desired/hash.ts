// The configuration hash on the pod template: the pods read both ConfigMaps only
// at start, so a change to either must roll them. sha256 over canonical JSON
// (keys sorted at every level), so key order never changes the hash.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hash of the env ConfigMap data and the watch-config data (absent = none). */
export function configHash(envData: Record<string, string>, watchData: Record<string, string> | undefined): string {
  const canonical = canonicalJson({ env: envData, watch: watchData ?? null });
  return createHash('sha256').update(canonical).digest('hex');
}
