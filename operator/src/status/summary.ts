// A one-line account of a status for Events and logs: the Available message,
// then whatever else is failing, e.g.
// "1/2 replicas ready; pod chat-7d9-x: container chatcli cannot pull image "...""
import type { ChatCLIInstanceStatus } from '../api/chatcliinstance.ts';
import { ConditionType } from './condition-types.ts';

export function statusSummary(status: ChatCLIInstanceStatus): string {
  const conditions = status.conditions ?? [];
  const available = conditions.find((c) => c.type === ConditionType.Available);
  const failing = conditions.filter((c) => c.type !== ConditionType.Available && c.status === 'False').map((c) => c.message);
  return [available?.message ?? 'availability not yet known', ...failing].join('; ');
}
