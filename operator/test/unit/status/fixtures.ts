// Cluster objects as the reconciler reads them, typed with client-node's own
// types: the tests thereby also prove those objects fit the status views.
import type { V1ContainerStatus, V1Deployment, V1DeploymentCondition, V1DeploymentStrategy, V1Pod } from '@kubernetes/client-node';
import type { ChatCLIInstance, ChatCLIInstanceSpec, ChatCLIInstanceStatus } from '../../../src/api/chatcliinstance.ts';

export const NOW = '2026-01-02T03:04:05Z';
export const LATER = '2026-01-02T03:09:05Z';
export const NAMESPACE = 'default';

export function instance(opts: { generation?: number; spec?: Partial<ChatCLIInstanceSpec>; status?: ChatCLIInstanceStatus } = {}): ChatCLIInstance {
  return {
    apiVersion: 'chatcli.diillson.com/v1alpha1',
    kind: 'ChatCLIInstance',
    metadata: { name: 'chat', namespace: NAMESPACE, generation: opts.generation ?? 1 },
    spec: { replicas: 1, provider: 'OPENAI', ...opts.spec },
    ...(opts.status === undefined ? {} : { status: opts.status }),
  };
}

export interface DeploymentState {
  desired: number;
  ready?: number;
  updated?: number;
  current?: number;
  generation?: number;
  observedGeneration?: number;
  conditions?: V1DeploymentCondition[];
  strategy?: V1DeploymentStrategy;
}

/** A Deployment whose counts default to "all `desired` replicas ready and up to date". */
export function deployment(s: DeploymentState): V1Deployment {
  const generation = s.generation ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'chat', namespace: NAMESPACE, generation },
    spec: { replicas: s.desired, selector: { matchLabels: { 'app.kubernetes.io/instance': 'chat' } }, template: {}, ...(s.strategy === undefined ? {} : { strategy: s.strategy }) },
    status: {
      replicas: s.current ?? s.desired,
      readyReplicas: s.ready ?? s.desired,
      updatedReplicas: s.updated ?? s.desired,
      availableReplicas: s.ready ?? s.desired,
      observedGeneration: s.observedGeneration ?? generation,
      ...(s.conditions === undefined ? {} : { conditions: s.conditions }),
    },
  };
}

export function container(overrides: Partial<V1ContainerStatus> = {}): V1ContainerStatus {
  return { name: 'chatcli', image: 'ghcr.io/diillson/chatcli:latest', imageID: '', ready: false, restartCount: 0, ...overrides };
}

export function pod(name: string, ...containerStatuses: V1ContainerStatus[]): V1Pod {
  return { metadata: { name, namespace: NAMESPACE }, status: { phase: 'Pending', containerStatuses } };
}

export function waiting(reason: string, message?: string): Partial<V1ContainerStatus> {
  return { state: { waiting: { reason, ...(message === undefined ? {} : { message }) } } };
}
