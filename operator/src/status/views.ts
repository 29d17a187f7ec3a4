// The parts of cluster objects the status computation reads. They are
// structural subsets of the API types, so a client-node V1Deployment / V1Pod, or
// the plain JSON an informer holds, can be passed as is: the reconciler gathers,
// this layer decides.
import type { ChatCLIInstanceSpec, ChatCLIInstanceStatus } from '../api/chatcliinstance.ts';

export interface InstanceView {
  metadata: { namespace: string; generation?: number };
  spec: { replicas?: number; autoscaling?: { enabled?: boolean; minReplicas?: number } } & Pick<ChatCLIInstanceSpec, 'apiKeys' | 'server' | 'env' | 'envFrom'>;
  status?: ChatCLIInstanceStatus;
}

/**
 * The image's release lacks the instance's provider: its tag names a supported
 * ChatCLI release older than the one that added it (the reconciler asks
 * src/desired/chatcli.ts providerNotInImage).
 */
export interface ProviderGapView {
  provider: string;
  tag: string;
  since: string;
}

export interface DeploymentConditionView {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** An int or a percentage ("25%"), as apimachinery's IntOrString. */
export type IntOrPercent = number | string;

export interface DeploymentView {
  metadata?: { generation?: number };
  spec?: {
    replicas?: number;
    /** Absent: the API server's default, RollingUpdate with 25% / 25%. */
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: readonly DeploymentConditionView[];
  };
}

export interface ContainerStatusView {
  name: string;
  image: string;
  restartCount: number;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode: number; reason?: string } };
}

/** A pod condition: PodScheduled (the scheduler's verdict), Ready. */
export interface PodConditionView {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PodView {
  // Date in client-node objects, a string in raw JSON: only its presence matters.
  metadata?: { name?: string; deletionTimestamp?: unknown };
  status?: {
    conditions?: readonly PodConditionView[];
    initContainerStatuses?: readonly ContainerStatusView[];
    containerStatuses?: readonly ContainerStatusView[];
  };
}

/** A Secret as read; only its name and key names are used. */
export interface SecretView {
  metadata?: { name?: string };
  data?: Readonly<Record<string, string>>;
  stringData?: Readonly<Record<string, string>>;
}

/**
 * The keys present in each referenced Secret that exists, by Secret name; a
 * referenced Secret absent from the record was not found. Key names only:
 * values never reach the status layer.
 */
export type SecretKeysByName = Readonly<Record<string, readonly string[]>>;

// The same parts as paths (src/runtime/shape.ts), so that a cache can keep
// exactly these and nothing else. A field read above and missing here is lost
// by the cache: test/unit/reconciler/cache-shape.test.ts computes the status
// from whole and from shaped objects and wants the same answer.

const CONTAINER_STATUS_PATHS = ['name', 'image', 'restartCount', 'state.waiting.reason', 'state.waiting.message', 'lastState.terminated.exitCode', 'lastState.terminated.reason'];

/** What PodView reads of a Pod. */
export const POD_VIEW_PATHS: readonly string[] = [
  'metadata.name',
  'metadata.deletionTimestamp',
  'status.conditions[].type', 'status.conditions[].status', 'status.conditions[].reason', 'status.conditions[].message',
  ...['initContainerStatuses', 'containerStatuses'].flatMap((list) => CONTAINER_STATUS_PATHS.map((p) => `status.${list}[].${p}`)),
];

/** What DeploymentView reads of a Deployment's status (its metadata.generation and spec stay with the rest). */
export const DEPLOYMENT_STATUS_PATHS: readonly string[] = [
  'replicas', 'readyReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration',
  'conditions[].type', 'conditions[].status', 'conditions[].reason', 'conditions[].message',
];
