// What a Deployment's own conditions say went wrong, as its controller writes
// them (pkg/controller/deployment/util, replicaset): pods it cannot create and
// a rollout it gave up on. Read by Available and PodsHealthy alike.
import type { DeploymentConditionView } from './views.ts';

const REPLICA_FAILURE = 'ReplicaFailure';
const PROGRESSING = 'Progressing';
export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';
/** The ReplicaSet controller's reason when the API server refuses a pod. */
const FAILED_CREATE = 'FailedCreate';

/** ReplicaFailure=True: the ReplicaSet controller's FailedCreate, with the API server's refusal as message. */
export function replicaFailure(conditions: readonly DeploymentConditionView[] | undefined): DeploymentConditionView | undefined {
  return conditions?.find((c) => c.type === REPLICA_FAILURE && c.status === 'True');
}

/** Progressing=False: the rollout exceeded its deadline (or its ReplicaSet could not be made). */
export function progressingFalse(conditions: readonly DeploymentConditionView[] | undefined): DeploymentConditionView | undefined {
  return conditions?.find((c) => c.type === PROGRESSING && c.status === 'False');
}

/** "the Deployment cannot create pods: FailedCreate: pods "chat-5d9c-x" is forbidden: ..." */
export function replicaFailureWords(c: DeploymentConditionView): string {
  const what = c.reason === FAILED_CREATE ? 'the Deployment cannot create pods' : 'the Deployment reports a replica failure';
  return `${what}: ${conditionWords(c)}`;
}

/** "FailedCreate: pods "chat-5d9c-x" is forbidden: ..." */
export function conditionWords(c: DeploymentConditionView): string {
  return [c.reason, c.message].filter(Boolean).join(': ') || `${c.type}=${c.status}`;
}
