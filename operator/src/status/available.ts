// Available: are the replicas serving? From the Deployment's own conditions
// first (pods it cannot create, a rollout it gave up on), then its counts. A
// rollout, a scale-up or a template change that keeps the replicas ready before
// it serving is not an outage: READY stays true through it (servingFloor).
import { AvailableReason } from './condition-types.ts';
import { clipMessage, type Verdict } from './conditions.ts';
import { conditionWords, PROGRESS_DEADLINE_EXCEEDED, progressingFalse, replicaFailure, replicaFailureWords } from './deployment-conditions.ts';
import type { DeploymentView, IntOrPercent } from './views.ts';

/** The API server's default rolling-update budget, for a Deployment read without its strategy. */
const DEFAULT_BUDGET = '25%';

/** What the instance's last status said. */
export interface PreviousAvailability {
  /** Available was True. */
  available: boolean;
  /** Available was True for a rollout or scale then under way (ServingDuringRollout). */
  duringRollout: boolean;
  readyReplicas: number;
  /** The Deployment's pods then (status.replicas). */
  replicas: number;
}

export function availableVerdict(desired: number, deployment: DeploymentView | undefined, previous?: PreviousAvailability): Verdict {
  if (deployment === undefined) {
    return notAvailable(AvailableReason.DeploymentMissing, `0/${desired} replicas ready; the Deployment does not exist yet`);
  }
  const status = deployment.status ?? {};
  const ready = status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const current = status.replicas ?? 0;
  const counts = `${ready}/${desired} replicas ready`;

  const failure = replicaFailure(status.conditions);
  if (failure !== undefined) {
    return notAvailable(AvailableReason.ReplicaFailure, `${counts}; ${replicaFailureWords(failure)}`);
  }
  const stalled = progressingFalse(status.conditions);
  if (stalled !== undefined) {
    return stalled.reason === PROGRESS_DEADLINE_EXCEEDED
      ? notAvailable(AvailableReason.ProgressDeadlineExceeded, `${counts}; the rollout exceeded its progress deadline${stalled.message ? `: ${stalled.message}` : ''}`)
      : notAvailable(AvailableReason.RolloutFailed, `${counts}; the rollout failed: ${conditionWords(stalled)}`);
  }

  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  // The API server defaults spec.replicas to 1; a differing value means our
  // apply has not landed yet, or someone scaled it and the next reconcile reverts it.
  const deploymentReplicas = deployment.spec?.replicas ?? 1;
  if (observed && deploymentReplicas === desired && updated === desired && current === desired && ready === desired) {
    return desired === 0
      ? { status: 'True', reason: AvailableReason.ScaledToZero, message: 'scaled to zero: 0/0 replicas ready' }
      : { status: 'True', reason: AvailableReason.AllReplicasReady, message: counts };
  }

  const progress = !observed
    ? 'the Deployment controller has not yet observed the latest spec'
    : deploymentReplicas !== desired
      ? `the Deployment asks for ${deploymentReplicas} replicas, not yet updated`
      : updated < desired
        ? `${updated}/${desired} replicas updated`
        : current > desired
          ? `${current - desired} old ${plural(current - desired, 'replica')} pending termination`
          : undefined;

  // Under way: the Deployment is changing, the instance had another size at its
  // last status (a scale whose pods exist but are not ready yet), or a change
  // that kept it serving has not finished. Otherwise a replica lost is news.
  const underWay = progress !== undefined || previous?.replicas !== desired || previous.duringRollout;
  if (previous?.available && underWay) {
    const floor = servingFloor(desired, previous.readyReplicas, maxUnavailable(deployment, desired));
    if (ready >= floor) {
      const under = progress === undefined ? `${desired - ready} not ready yet` : `rollout in progress: ${progress}`;
      return { status: 'True', reason: AvailableReason.ServingDuringRollout, message: `${counts}; ${under}; serving meanwhile (at least ${floor} ready)` };
    }
  }
  return progress === undefined ? notAvailable(AvailableReason.ReplicasNotReady, counts) : notAvailable(AvailableReason.RolloutInProgress, `${counts}; ${progress}`);
}

/**
 * How many replicas must stay ready for an instance that was Available to stay
 * so while a rollout or scale is under way: no fewer than were ready at its
 * last status, but never more than the Deployment's own rolling update keeps
 * of what is asked (desired - `budget`, its maxUnavailable); at least one
 * unless none is asked for. Readiness can thus drift down from one status to
 * the next only as far as the Deployment itself lets it.
 */
export function servingFloor(desired: number, previouslyReady: number, budget: number): number {
  if (desired === 0) return 0;
  return Math.max(1, Math.min(previouslyReady, desired - budget));
}

/**
 * The Deployment controller's maxUnavailable for `replicas`
 * (deploymentutil.MaxUnavailable with ResolveFenceposts): a percentage rounds
 * down, maxSurge's rounds up, both 0 means 1; Recreate keeps none, so 0.
 */
export function maxUnavailable(deployment: DeploymentView, replicas: number): number {
  const strategy = deployment.spec?.strategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || replicas === 0) return 0;
  const surge = scaled(strategy?.rollingUpdate?.maxSurge ?? DEFAULT_BUDGET, replicas, true);
  const unavailable = scaled(strategy?.rollingUpdate?.maxUnavailable ?? DEFAULT_BUDGET, replicas, false);
  return Math.min(surge === 0 && unavailable === 0 ? 1 : unavailable, replicas);
}

function scaled(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  if (percent === null) return Number.parseInt(value, 10) || 0;
  const exact = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function notAvailable(reason: string, message: string): Verdict {
  return { status: 'False', reason, message: clipMessage(message) };
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
