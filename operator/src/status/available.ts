// Available: is every desired replica ready and up to date? Mirrors what
// `kubectl rollout status` waits for, plus readiness of every replica.
import { AvailableReason } from './condition-types.ts';
import type { Verdict } from './conditions.ts';
import type { DeploymentConditionView, DeploymentView } from './views.ts';

// The Deployment controller's condition for a stalled rollout.
const PROGRESSING = 'Progressing';
const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

export function availableVerdict(desired: number, deployment: DeploymentView | undefined): Verdict {
  if (deployment === undefined) {
    return notAvailable(AvailableReason.DeploymentMissing, `0/${desired} replicas ready; the Deployment does not exist yet`);
  }
  const status = deployment.status ?? {};
  const ready = status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const current = status.replicas ?? 0;
  const counts = `${ready}/${desired} replicas ready`;

  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  if (!observed) {
    return notAvailable(AvailableReason.RolloutInProgress, `${counts}; the Deployment controller has not yet observed the latest spec`);
  }
  // The API server defaults spec.replicas to 1; a differing value means our
  // apply has not landed yet, or someone scaled it and the next reconcile reverts it.
  const deploymentReplicas = deployment.spec?.replicas ?? 1;
  if (deploymentReplicas !== desired) {
    return notAvailable(AvailableReason.RolloutInProgress, `${counts}; the Deployment asks for ${deploymentReplicas} replicas, not yet updated`);
  }
  if (updated === desired && current === desired && ready === desired) {
    return desired === 0
      ? { status: 'True', reason: AvailableReason.ScaledToZero, message: 'scaled to zero: 0/0 replicas ready' }
      : { status: 'True', reason: AvailableReason.AllReplicasReady, message: counts };
  }
  const stalled = progressDeadlineExceeded(status.conditions);
  if (stalled !== undefined) {
    const detail = stalled.message ? `: ${stalled.message}` : '';
    return notAvailable(AvailableReason.ProgressDeadlineExceeded, `${counts}; the rollout exceeded its progress deadline${detail}`);
  }
  if (updated < desired) {
    return notAvailable(AvailableReason.RolloutInProgress, `${counts}; ${updated}/${desired} replicas updated`);
  }
  if (current > desired) {
    return notAvailable(AvailableReason.RolloutInProgress, `${counts}; ${current - desired} old ${plural(current - desired, 'replica')} pending termination`);
  }
  return notAvailable(AvailableReason.ReplicasNotReady, counts);
}

function notAvailable(reason: string, message: string): Verdict {
  return { status: 'False', reason, message };
}

function progressDeadlineExceeded(conditions: readonly DeploymentConditionView[] | undefined): DeploymentConditionView | undefined {
  return conditions?.find((c) => c.type === PROGRESSING && c.status === 'False' && c.reason === PROGRESS_DEADLINE_EXCEEDED);
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
