// The status of a ChatCLIInstance, computed from what the reconciler saw: a
// pure function, so every verdict is tested without a cluster. Condition types,
// reasons and polarity are documented in ./condition-types.ts.
import type { ChatCLIInstanceStatus, Condition } from '../api/chatcliinstance.ts';
import { availableVerdict, type PreviousAvailability } from './available.ts';
import { AvailableReason, CONDITION_TYPES, ConditionType, ReconcileReason } from './condition-types.ts';
import { clipMessage, findCondition, setCondition, type Verdict } from './conditions.ts';
import { podsHealthyVerdict } from './pods.ts';
import { watcherVerdict, type WatcherView } from './watcher.ts';
import { referencedSecrets, secretsFoundVerdict, secretsVerdictFromPods } from './secrets.ts';
import type { DeploymentView, InstanceView, PodView, ProviderGapView, SecretKeysByName } from './views.ts';

export interface StatusInput {
  /** The instance as read; its previous status supplies lastTransitionTimes. */
  instance: InstanceView;
  /** The instance's Deployment; undefined when it does not exist. */
  deployment: DeploymentView | undefined;
  /** The instance's pods; undefined when they could not be listed. */
  pods?: readonly PodView[];
  /**
   * Key names of the referenced Secrets that exist (see referencedSecrets());
   * undefined when they could not be looked up.
   */
  secretKeys?: SecretKeysByName;
  /**
   * The error that ended this reconcile, as a plain message; undefined when
   * every object was applied. Only then does status.observedGeneration move.
   */
  reconcileError?: string;
  /**
   * Whether the failure includes an object the instance may not take over
   * (reason Conflict rather than ReconcileFailed); only with reconcileError.
   */
  conflict?: boolean;
  /**
   * Why the watcher was granted nothing in some namespaces (tenancy), as a plain
   * message; undefined when every namespace it names was granted.
   */
  notPermitted?: string;
  /**
   * The namespaces the watcher names and those it may not read, with why;
   * undefined when the reconcile could not tell (WatcherReady Unknown).
   */
  watcher?: WatcherView;
  /** The image's release lacks spec.provider (PodsHealthy ProviderNotInImage); undefined when it has it or cannot tell. */
  providerGap?: ProviderGapView;
  /** Now, as conditionTime() formats it. */
  now: string;
}

export function computeStatus(input: StatusInput): ChatCLIInstanceStatus {
  const { instance, deployment, now } = input;
  const generation = instance.metadata.generation;
  const available = availableVerdict(desiredReplicas(instance.spec, deployment), deployment, previousAvailability(instance.status));
  const verdicts: Record<ConditionType, Verdict> = {
    [ConditionType.Available]: available,
    [ConditionType.ReconcileSucceeded]: reconcileVerdict(input.reconcileError, input.conflict === true, input.notPermitted),
    [ConditionType.SecretsFound]: secretsVerdict(input),
    [ConditionType.PodsHealthy]: podsHealthyVerdict(input.pods, deployment, input.providerGap),
    [ConditionType.WatcherReady]: watcherVerdict(input.watcher),
  };

  // Only our own types are kept: the list is ours alone to write.
  const previous = (instance.status?.conditions ?? []).filter((c) => (CONDITION_TYPES as readonly string[]).includes(c.type));
  const conditions = CONDITION_TYPES.reduce<Condition[]>(
    (list, type) => setCondition(list, { type, ...verdicts[type], ...(generation === undefined ? {} : { observedGeneration: generation }) }, now),
    previous,
  );

  const observedGeneration = input.reconcileError === undefined ? generation : instance.status?.observedGeneration;
  return {
    ready: available.status === 'True',
    replicas: deployment?.status?.replicas ?? 0,
    readyReplicas: deployment?.status?.readyReplicas ?? 0,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    conditions,
  };
}

/** Direct lookups when the caller could read Secrets, else what the kubelet says on the pods. */
function secretsVerdict({ instance, secretKeys, pods }: StatusInput): Verdict {
  const refs = referencedSecrets(instance.spec);
  if (secretKeys === undefined && pods !== undefined) return secretsVerdictFromPods(refs, pods, instance.metadata.namespace);
  return secretsFoundVerdict(refs, secretKeys, instance.metadata.namespace);
}

function reconcileVerdict(error: string | undefined, conflict: boolean, notPermitted: string | undefined): Verdict {
  if (error === undefined && notPermitted !== undefined) return { status: 'False', reason: ReconcileReason.TargetNotPermitted, message: clipMessage(notPermitted) };
  if (error === undefined) return { status: 'True', reason: ReconcileReason.ReconcileSucceeded, message: 'every desired object was applied' };
  return {
    status: 'False',
    reason: conflict ? ReconcileReason.Conflict : ReconcileReason.ReconcileFailed,
    message: clipMessage([error || 'the reconcile failed without a message', notPermitted].filter(Boolean).join('; ')),
  };
}

/** What the last status said: READY stays through a rollout only for an instance that was Available. */
function previousAvailability(status: ChatCLIInstanceStatus | undefined): PreviousAvailability {
  const available = findCondition(status?.conditions, ConditionType.Available);
  return {
    available: available?.status === 'True',
    duringRollout: available?.status === 'True' && available.reason === AvailableReason.ServingDuringRollout,
    readyReplicas: status?.readyReplicas ?? 0,
    replicas: status?.replicas ?? 0,
  };
}

/** spec.replicas; while an autoscaler sets the count, the count the Deployment asks for. */
function desiredReplicas(spec: InstanceView['spec'], deployment: DeploymentView | undefined): number {
  if (spec.autoscaling?.enabled) return deployment?.spec?.replicas ?? spec.autoscaling.minReplicas ?? 1;
  return spec.replicas ?? 1;
}
