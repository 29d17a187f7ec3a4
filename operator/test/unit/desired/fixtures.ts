// Defaulted instances for the desired-state tests.
// TODO(switch): use withDefaults() from src/api/defaults.ts once it lands; this
// hand-written defaulting follows the seed's tables until then.
import type { ChatCLIInstance, ChatCLIInstanceSpec, DefaultedChatCLIInstance, DefaultedSpec, Provider } from '../../../src/api/chatcliinstance.ts';

export const FIXED_UID = '6f1c2b9e-0000-4000-8000-000000000001';

/** A spec as a user writes it: the fields with defaults may be left out. */
type SpecInput = { provider: Provider } & Record<string, unknown>;

export function defaulted(raw: ChatCLIInstance): DefaultedChatCLIInstance {
  const s = raw.spec;
  const w = s.watcher;
  const spec: DefaultedSpec = {
    ...s,
    replicas: s.replicas ?? 1,
    image: { repository: 'ghcr.io/diillson/chatcli', tag: 'latest', pullPolicy: 'IfNotPresent', ...s.image },
    server: {
      ...s.server,
      port: s.server?.port ?? 50051,
      ...(s.server?.tls ? { tls: { ...s.server.tls, enabled: s.server.tls.enabled ?? false } } : {}),
    },
    watcher: {
      ...w,
      enabled: w?.enabled ?? false,
      interval: w?.interval ?? '30s',
      window: w?.window ?? '2h',
      maxLogLines: w?.maxLogLines ?? 100,
      maxContextChars: w?.maxContextChars ?? 8000,
      ...(w?.targets
        ? { targets: w.targets.map((t) => ({ ...t, metricsPort: t.metricsPort ?? 0, metricsPath: t.metricsPath ?? '/metrics' })) }
        : {}),
    },
    persistence: { ...s.persistence, enabled: s.persistence?.enabled ?? false, size: s.persistence?.size ?? '1Gi' },
    securityContext: s.securityContext ?? { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  };
  return { ...raw, metadata: { ...raw.metadata, namespace: raw.metadata.namespace || 'default' }, spec };
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
