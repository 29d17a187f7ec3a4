// The HorizontalPodAutoscaler `<name>` (autoscaling/v2), when autoscaling is
// enabled: it scales the Deployment, whose spec.replicas the operator then
// stops declaring (deployment.ts). replicasHandover() keeps the count through
// that switch.
import type { DefaultedChatCLIInstance, DefaultedSpec } from '../api/chatcliinstance.ts';
import { autoscalerName, deploymentName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

/** Whether an autoscaler, not spec.replicas, sets the Deployment's replica count. */
export function autoscaled(spec: DefaultedSpec): boolean {
  return spec.autoscaling?.enabled === true && spec.autoscaling.maxReplicas !== undefined;
}

export function desiredAutoscaler(instance: DefaultedChatCLIInstance): KubeObject | undefined {
  const autoscaling = instance.spec.autoscaling;
  if (!autoscaling || !autoscaled(instance.spec)) return undefined;
  const meta = instance.metadata;
  const target = (name: 'cpu' | 'memory', averageUtilization: number | undefined) =>
    averageUtilization === undefined ? [] : [{ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } }];
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: ownedMeta(meta, autoscalerName(meta), meta.namespace),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName(meta) },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas!,
      metrics: [...target('cpu', autoscaling.targetCPUUtilizationPercentage), ...target('memory', autoscaling.targetMemoryUtilizationPercentage)],
    },
  };
}

/**
 * What to apply, under REPLICAS_HANDOVER_MANAGER, just before applying a
 * Deployment that no longer declares spec.replicas: the count it has now. Were
 * the operator's apply the field's only owner, dropping it would reset the
 * count to the API server's default (1) until the autoscaler scaled it back;
 * with a second owner holding the current value the field simply stays. The
 * autoscaler takes it over with its next write to the scale subresource.
 * Switching autoscaling off needs nothing: the operator's forced apply of
 * spec.replicas takes the field back from every other owner in one write.
 * Undefined when there is nothing to hand over.
 */
export function replicasHandover(desired: KubeObject, live: unknown): KubeObject | undefined {
  if (desired.kind !== 'Deployment' || (desired.spec as { replicas?: number } | undefined)?.replicas !== undefined) return undefined;
  const replicas = (live as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
  if (typeof replicas !== 'number') return undefined;
  const { name, namespace } = desired.metadata;
  return { apiVersion: desired.apiVersion, kind: desired.kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { replicas } };
}
