// PodsHealthy: failures seen on the instance's pods that keep the server from
// running, named by pod, container and image, so `kubectl describe` on the
// instance says why it is not Available without a hunt through pods.
import { PodsReason } from './condition-types.ts';
import { clipMessage, type Verdict } from './conditions.ts';
import type { ContainerStatusView, PodView } from './views.ts';

// Waiting reasons set by the kubelet (pkg/kubelet/images, kuberuntime).
const IMAGE_PULL_WAITING_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CRASH_LOOP_WAITING_REASON = 'CrashLoopBackOff';
const CONFIG_ERROR_WAITING_REASON = 'CreateContainerConfigError';

/** Most telling first: a config error (missing Secret) explains a pull or crash less often than the reverse. */
const REASON_PRIORITY: readonly string[] = [PodsReason.ContainerConfigError, PodsReason.ImagePullFailed, PodsReason.CrashLoop];

/** Problems listed in a message before "and N more": one per replica is rarely news. */
const MAX_LISTED_PROBLEMS = 3;

export interface PodProblem {
  reason: string;
  /** "pod chat-5d9c-x: container chatcli ..." */
  description: string;
}

export function podProblems(pods: readonly PodView[]): PodProblem[] {
  return pods
    .filter((pod) => pod.metadata?.deletionTimestamp == null) // going away: not news
    .map((pod) => ({ name: pod.metadata?.name ?? '(unnamed)', pod }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) // stable messages, no status churn
    .flatMap(({ name, pod }) =>
      [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].flatMap((container) => {
        const problem = containerProblem(container);
        return problem === undefined ? [] : [{ reason: problem.reason, description: `pod ${name}: ${problem.description}` }];
      }),
    );
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

/** `pods` undefined: the reconciler could not list them. */
export function podsHealthyVerdict(pods: readonly PodView[] | undefined): Verdict {
  if (pods === undefined) {
    return { status: 'Unknown', reason: PodsReason.PodsNotChecked, message: 'the pods could not be listed' };
  }
  const problems = podProblems(pods);
  if (problems.length === 0) {
    return { status: 'True', reason: PodsReason.NoFailuresSeen, message: `no image pull, crash-loop or container config failure on ${pods.length} ${pods.length === 1 ? 'pod' : 'pods'}` };
  }
  // Sorting is stable: within one reason, pods stay in name order.
  const ordered = [...problems].sort((a, b) => REASON_PRIORITY.indexOf(a.reason) - REASON_PRIORITY.indexOf(b.reason));
  const listed = ordered.slice(0, MAX_LISTED_PROBLEMS).map((p) => p.description);
  const more = ordered.length - listed.length;
  const message = listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
  return { status: 'False', reason: ordered[0]?.reason ?? PodsReason.CrashLoop, message: clipMessage(message) };
}
