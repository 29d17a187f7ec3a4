// PodsHealthy: failures seen on the instance's pods, or reported by its
// Deployment, that keep the server from running, named by pod, container and
// image, or in the API server's words when no pod could be made, so `kubectl
// describe` on the instance says why it is not Available without a hunt
// through pods, ReplicaSets and Events.
import { conditionWords, progressingFalse, replicaFailure, replicaFailureWords } from './deployment-conditions.ts';
import { PodsReason } from './condition-types.ts';
import { clipMessage, type Verdict } from './conditions.ts';
import type { ContainerStatusView, DeploymentView, PodView, ProviderGapView } from './views.ts';

// Waiting reasons set by the kubelet (pkg/kubelet/images, kuberuntime).
const IMAGE_PULL_WAITING_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CRASH_LOOP_WAITING_REASON = 'CrashLoopBackOff';
const CONFIG_ERROR_WAITING_REASON = 'CreateContainerConfigError';

// The scheduler's verdict on a pod it cannot place (PodScheduled=False).
const UNSCHEDULABLE = 'Unschedulable';

/**
 * Most telling first: pods that cannot even be created explain everything
 * else; a config error (missing Secret) explains a pull or crash less often
 * than the reverse; a stalled rollout is only the symptom of the others.
 */
const REASON_PRIORITY: readonly string[] = [
  PodsReason.ReplicaFailure, PodsReason.ContainerConfigError, PodsReason.ImagePullFailed, PodsReason.CrashLoop, PodsReason.Unschedulable,
  PodsReason.ProviderNotInImage, PodsReason.ProgressDeadlineExceeded, PodsReason.RolloutFailed,
];

/** Problems listed in a message before "and N more": one per replica is rarely news. */
const MAX_LISTED_PROBLEMS = 3;

export interface PodProblem {
  reason: string;
  /** "pod chat-5d9c-x: container chatcli ..." */
  description: string;
}

export function podProblems(pods: readonly PodView[]): PodProblem[] {
  return livePods(pods).flatMap(({ name, pod }) => {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const unschedulable: PodProblem[] = scheduled?.status === 'False' && scheduled.reason === UNSCHEDULABLE
      ? [{ reason: PodsReason.Unschedulable, description: `pod ${name} cannot be scheduled${scheduled.message ? `: ${scheduled.message}` : ''}` }]
      : [];
    const containers = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].flatMap((container) => {
      const problem = containerProblem(container);
      return problem === undefined ? [] : [{ reason: problem.reason, description: `pod ${name}: ${problem.description}` }];
    });
    return [...containers, ...unschedulable];
  });
}

/** Pods not being deleted (going away: not news), in name order (stable messages, no status churn). */
function livePods(pods: readonly PodView[]): { name: string; pod: PodView }[] {
  return pods
    .filter((pod) => pod.metadata?.deletionTimestamp == null)
    .map((pod) => ({ name: pod.metadata?.name ?? '(unnamed)', pod }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * What the Deployment itself reports: pods it cannot create (the API server's
 * refusal: Pod Security, a missing PriorityClass, a quota), and a rollout it
 * gave up on, which names the pods not ready when nothing else explains it.
 */
function deploymentProblems(deployment: DeploymentView | undefined, pods: readonly PodView[] | undefined): PodProblem[] {
  const conditions = deployment?.status?.conditions;
  const failure = replicaFailure(conditions);
  const stalled = progressingFalse(conditions);
  const problems: PodProblem[] = [];
  if (failure !== undefined) problems.push({ reason: PodsReason.ReplicaFailure, description: replicaFailureWords(failure) });
  if (stalled !== undefined) {
    const notReady = livePods(pods ?? []).filter(({ pod }) => pod.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True').map(({ name }) => name);
    const which = notReady.length > 0 ? `; not ready: ${someNames(notReady)} (kubectl describe pod shows why)` : '';
    problems.push({
      reason: stalled.reason === PodsReason.ProgressDeadlineExceeded ? PodsReason.ProgressDeadlineExceeded : PodsReason.RolloutFailed,
      description: `the Deployment's rollout stalled: ${conditionWords(stalled)}${which}`,
    });
  }
  return problems;
}

function someNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED_PROBLEMS).join(', ');
  return names.length > MAX_LISTED_PROBLEMS ? `${shown} and ${names.length - MAX_LISTED_PROBLEMS} more` : shown;
}

function containerProblem(c: ContainerStatusView): PodProblem | undefined {
  const waiting = c.state?.waiting;
  const reason = waiting?.reason;
  if (reason === undefined) return undefined;
  if (reason === CONFIG_ERROR_WAITING_REASON) {
    // The kubelet's message names the Secret/ConfigMap and key, never a value.
    const detail = waiting?.message ? `: ${waiting.message}` : '';
    return { reason: PodsReason.ContainerConfigError, description: `container ${c.name} cannot be created${detail}` };
  }
  if (IMAGE_PULL_WAITING_REASONS.has(reason)) {
    return { reason: PodsReason.ImagePullFailed, description: `container ${c.name} ${imageTrouble(reason, c.image)}` };
  }
  if (reason === CRASH_LOOP_WAITING_REASON) {
    const last = c.lastState?.terminated;
    const exit = last === undefined ? '' : `; last exit: ${last.reason ?? 'terminated'}, code ${last.exitCode}`;
    return { reason: PodsReason.CrashLoop, description: `container ${c.name} (image "${c.image}") is crash-looping (restarted ${c.restartCount} ${c.restartCount === 1 ? 'time' : 'times'}${exit})` };
  }
  return undefined;
}

// ErrImagePull and ImagePullBackOff alternate while the kubelet retries; one
// wording for both keeps the message from flipping on every retry.
function imageTrouble(reason: string, image: string): string {
  if (reason === 'InvalidImageName') return `has an invalid image name "${image}"`;
  if (reason === 'ErrImageNeverPull') return `cannot start: image "${image}" is not on the node and pullPolicy is Never`;
  return `cannot pull image "${image}"`;
}

/** What the provider gap means for the pods, in words. */
export function providerGapProblem(gap: ProviderGapView): PodProblem {
  return {
    reason: PodsReason.ProviderNotInImage,
    description:
      `spec.provider ${gap.provider}: image tag ${gap.tag} has no such provider (added in ${gap.since}); ` +
      'the server runs but refuses every request that names no provider of its own: set image.tag or spec.provider',
  };
}

/**
 * `pods` undefined: the reconciler could not list them. `providerGap`: the
 * image's release lacks spec.provider (src/desired/chatcli.ts providerNotInImage).
 */
export function podsHealthyVerdict(pods: readonly PodView[] | undefined, deployment?: DeploymentView, providerGap?: ProviderGapView): Verdict {
  const fromSpec = providerGap === undefined ? [] : [providerGapProblem(providerGap)];
  const fromDeployment = deploymentProblems(deployment, pods);
  if (pods === undefined && fromDeployment.length === 0 && fromSpec.length === 0) {
    return { status: 'Unknown', reason: PodsReason.PodsNotChecked, message: 'the pods could not be listed' };
  }
  const fromPods = podProblems(pods ?? []);
  // A stalled rollout is news only when no pod says why.
  const problems = [...fromDeployment.filter((p) => p.reason === PodsReason.ReplicaFailure || fromPods.length === 0), ...fromPods, ...fromSpec];
  if (problems.length === 0) {
    const n = pods?.length ?? 0;
    return { status: 'True', reason: PodsReason.NoFailuresSeen, message: `no pod creation, scheduling, image pull, crash-loop or container config failure on ${n} ${n === 1 ? 'pod' : 'pods'}` };
  }
  // Sorting is stable: within one reason, pods stay in name order.
  const ordered = [...problems].sort((a, b) => REASON_PRIORITY.indexOf(a.reason) - REASON_PRIORITY.indexOf(b.reason));
  const listed = ordered.slice(0, MAX_LISTED_PROBLEMS).map((p) => p.description);
  const more = ordered.length - listed.length;
  const message = listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
  return { status: 'False', reason: ordered[0]?.reason ?? PodsReason.CrashLoop, message: clipMessage(message) };
}
