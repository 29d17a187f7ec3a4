// metav1.Condition bookkeeping, as apimachinery's meta.SetStatusCondition does
// it: a condition's lastTransitionTime records when its status last flipped, so
// it moves only when `status` changes; reason, message and observedGeneration
// are updated in place; a condition keeps its position in the list.
import type { Condition } from '../api/chatcliinstance.ts';
import { MAX_MESSAGE_LENGTH } from './condition-types.ts';

/** What a decision about one condition yields; the list bookkeeping adds the time. */
export type Verdict = Pick<Condition, 'status' | 'reason' | 'message'>;

/** A condition as a decision states it, before lastTransitionTime is known. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Returns a new list; `existing` is not modified. */
export function setCondition(existing: readonly Condition[], next: ConditionUpdate, now: string): Condition[] {
  const index = existing.findIndex((c) => c.type === next.type);
  const previous = existing[index];
  const condition: Condition = {
    type: next.type,
    status: next.status,
    ...(next.observedGeneration === undefined ? {} : { observedGeneration: next.observedGeneration }),
    lastTransitionTime: previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : now,
    reason: next.reason,
    message: next.message,
  };
  if (previous === undefined) return [...existing, condition];
  return existing.map((c, i) => (i === index ? condition : c));
}

/**
 * A timestamp as metav1.Time serializes it (RFC 3339, whole seconds), so that a
 * time we write reads back unchanged.
 */
export function conditionTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Cuts a message to MAX_MESSAGE_LENGTH, saying so. */
export function clipMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  const marker = ' ... (truncated)';
  return message.slice(0, MAX_MESSAGE_LENGTH - marker.length) + marker;
}
