// Whether a freshly computed status differs from the stored one in meaning, so
// the reconciler writes status only when something changed. Key order, absent
// versus undefined fields, and the order of conditions (a list keyed by type)
// carry no meaning; nor do conditions of types we do not write: another
// controller may add its own (server-side apply leaves them alone), and they
// must not make every reconcile look like a change.
import type { ChatCLIInstanceStatus } from '../api/chatcliinstance.ts';
import { CONDITION_TYPES } from './condition-types.ts';

export function statusChanged(previous: ChatCLIInstanceStatus | undefined, next: ChatCLIInstanceStatus): boolean {
  return canonicalJSON(normalized(previous ?? {})) !== canonicalJSON(normalized(next));
}

function normalized(status: ChatCLIInstanceStatus): ChatCLIInstanceStatus {
  const conditions = (status.conditions ?? []).filter((c) => (CONDITION_TYPES as readonly string[]).includes(c.type)).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return { ...status, conditions };
}

/** JSON with object keys sorted at every depth and undefined members dropped. */
function canonicalJSON(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
