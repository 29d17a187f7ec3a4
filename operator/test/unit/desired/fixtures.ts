// Defaulted instances for the desired-state tests, defaulted exactly as the API
// server would (withDefaults runs the server's algorithm on the CRD schema).
import type { ChatCLIInstance, ChatCLIInstanceSpec, DefaultedChatCLIInstance, Provider } from '../../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../../src/api/defaults.ts';

export const FIXED_UID = '6f1c2b9e-0000-4000-8000-000000000001';

/** A spec as a user writes it: the fields with defaults may be left out. */
type SpecInput = { provider: Provider } & Record<string, unknown>;

export function defaulted(raw: ChatCLIInstance): DefaultedChatCLIInstance {
  return withDefaults(raw);
}

/** A defaulted instance `chat` in `default` (with a uid, as read from the API server). */
export function instance(spec: SpecInput, meta: { name?: string; namespace?: string; uid?: string | null } = {}): DefaultedChatCLIInstance {
  const uid = meta.uid === null ? undefined : (meta.uid ?? FIXED_UID);
  return defaulted({
    apiVersion: 'chatcli.diillson.com/v1alpha1',
    kind: 'ChatCLIInstance',
    metadata: { name: meta.name ?? 'chat', namespace: meta.namespace ?? 'default', ...(uid ? { uid } : {}) },
    spec: spec as unknown as ChatCLIInstanceSpec,
  });
}
