// The sessions claim `<name>-sessions`, when persistence is enabled and names no
// existingClaim (that claim is the user's: used, never made). It is never
// pruned when persistence is switched off (kinds.ts): user data outlives edits.
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { compareQuantities, parseQuantity } from '../api/quantity.ts';
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

/** The storage a claim requests (spec.resources.requests.storage), as written. */
export function claimRequest(claim: object): string | undefined {
  const spec = (claim as { spec?: { resources?: { requests?: { storage?: string } } } }).spec;
  return spec?.resources?.requests?.storage;
}

/**
 * Claims are never shrunk: the API server refuses a request below the claim's
 * (422), and refusing would hold back the Deployment that mounts it. When the
 * desired size is smaller than what the existing claim requests, the claim is
 * kept as it is: the desired object with the current request, and `kept` says
 * so. A larger size is applied (an expansion).
 */
export function claimNeverShrunk(desired: KubeObject, current: object): { claim: KubeObject; kept?: { requested: string; existing: string } } {
  const want = claimRequest(desired);
  const have = claimRequest(current);
  const [w, h] = [want && parseQuantity(want), have && parseQuantity(have)];
  if (!want || !have || !w || !h || compareQuantities(w, h) >= 0) return { claim: desired };
  return { claim: withClaimRequest(desired, have), kept: { requested: want, existing: have } };
}

/** The claim with another storage request. */
export function withClaimRequest(claim: KubeObject, storage: string): KubeObject {
  const spec = claim.spec as { resources: { requests: { storage: string } } };
  return { ...claim, spec: { ...spec, resources: { ...spec.resources, requests: { ...spec.resources.requests, storage } } } };
}
