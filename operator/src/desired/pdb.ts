// The PodDisruptionBudget `<name>` (policy/v1), when more than one replica can
// run: a node drain then evicts the server pods one at a time, so the instance
// keeps serving. maxUnavailable rather than minAvailable, so a drain is never
// blocked outright, whatever count the autoscaler has chosen.
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { autoscaled } from './hpa.ts';
import { disruptionBudgetName, selectorLabels } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

/** How many server pods a voluntary disruption (a drain) may take at once. */
export const MAX_UNAVAILABLE = 1;

/** The most replicas the spec lets run: spec.replicas, or the autoscaler's maximum. */
export function mostReplicas(instance: DefaultedChatCLIInstance): number {
  const { autoscaling, replicas } = instance.spec;
  return autoscaled(instance.spec) ? autoscaling!.maxReplicas! : replicas;
}

export function desiredDisruptionBudget(instance: DefaultedChatCLIInstance): KubeObject | undefined {
  if (mostReplicas(instance) <= 1) return undefined;
  const meta = instance.metadata;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMeta(meta, disruptionBudgetName(meta), meta.namespace),
    spec: { maxUnavailable: MAX_UNAVAILABLE, selector: { matchLabels: selectorLabels(meta) } },
  };
}
