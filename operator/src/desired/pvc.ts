// The sessions claim `<name>-sessions`, when persistence is enabled and names no
// existingClaim (that claim is the user's: used, never made). It is never
// pruned when persistence is switched off (kinds.ts): user data outlives edits.
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { sessionsClaimName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

export function desiredSessionsClaim(instance: DefaultedChatCLIInstance): KubeObject | undefined {
  const { persistence } = instance.spec;
  if (!persistence.enabled || persistence.existingClaim) return undefined;
  const meta = instance.metadata;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: ownedMeta(meta, sessionsClaimName(meta), meta.namespace),
    spec: {
      accessModes: [...persistence.accessModes],
      resources: { requests: { storage: persistence.size } },
      // Absent means the cluster's default StorageClass.
      ...(persistence.storageClassName ? { storageClassName: persistence.storageClassName } : {}),
    },
  };
}
