// The caches keep only what the reconciler reads (src/reconciler/cache-shape.ts).
// Proven by reading both ways: the status computed from whole objects and from
// shaped ones is the same, drift detection sees the same drift, and the labels
// that route events to instances are still there; and the shaped objects are
// measured, so losing the savings shows too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCLIInstance } from '../../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../../src/api/defaults.ts';
import { desiredObjects } from '../../../src/desired/index.ts';
import { instanceKeyFromLabels } from '../../../src/desired/names.ts';
import { isWatchable } from '../../../src/desired/tenancy.ts';
import { cacheShapeOf } from '../../../src/reconciler/cache-shape.ts';
import { INSTANCES, PODS, typeOf } from '../../../src/reconciler/types.ts';
import { coversDesired } from '../../../src/runtime/drift.ts';
import type { KubeObject } from '../../../src/runtime/kube.ts';
import { Deployments, Namespaces } from '../../../src/runtime/resources.ts';
import { jsonBytes } from '../../../src/runtime/shape.ts';
import { computeStatus } from '../../../src/status/compute.ts';
import type { DeploymentView, PodView } from '../../../src/status/views.ts';
import { KNOB_FILES, SAMPLE_FILES, readSample } from '../api/samples.ts';

const UID = '0b7c6a52-1d7e-4f39-9a55-000000000042';
const clone = <T>(v: T): T => structuredClone(v);

function sampleInstance(file: string): ChatCLIInstance {
  const raw = readSample(file);
  return { ...raw, metadata: { namespace: 'default', ...raw.metadata, uid: UID, generation: 3, resourceVersion: '900' } } as unknown as ChatCLIInstance;
}

/** What the API server and other controllers add to an object we applied. */
function asServed(desired: unknown, i: number): KubeObject {
  const obj = desired as KubeObject;
  const served = clone(obj) as KubeObject & { metadata: Record<string, unknown> };
  Object.assign(served.metadata, {
    uid: `uid-${i}`,
    resourceVersion: String(1000 + i),
    generation: 2,
    creationTimestamp: '2026-01-02T03:04:05Z',
    managedFields: [{ manager: 'chatcli-operator', operation: 'Apply', apiVersion: obj.apiVersion, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { '.': {} } } }],
    annotations: { ...(obj.metadata?.annotations ?? {}), 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(obj), 'deployment.kubernetes.io/revision': '4' },
  });
  if (obj.kind === 'Deployment') {
    const spec = served.spec as Record<string, unknown> & { template: { spec: Record<string, unknown> } };
    Object.assign(spec, { progressDeadlineSeconds: 600, revisionHistoryLimit: 10 });
    Object.assign(spec.template.spec, { dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 });
    served.status = deploymentStatus('available');
  } else if (obj.kind === 'PersistentVolumeClaim') {
    served.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } };
  } else if (obj.kind === 'Service') {
    served.status = { loadBalancer: {} };
  } else if (obj.kind === 'HorizontalPodAutoscaler') {
    served.status = { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } } }] };
  }
  return served;
}

function deploymentStatus(kind: 'available' | 'rolling' | 'stalled'): Record<string, unknown> {
  const condition = (type: string, status: string, reason: string, message: string) =>
    ({ type, status, reason, message, lastUpdateTime: '2026-01-02T03:04:05Z', lastTransitionTime: '2026-01-02T03:04:05Z' });
  if (kind === 'available') {
    return { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1,
      conditions: [condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'), condition('Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "chat-5d9c" has successfully progressed.')] };
  }
  if (kind === 'rolling') return { observedGeneration: 1, replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1, conditions: [] };
  return { observedGeneration: 2, replicas: 1, updatedReplicas: 1, unavailableReplicas: 1,
    conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "chat-5d9c" has timed out progressing.')] };
}

/** A pod as a kubelet reports it, with container statuses in the given states. */
function pod(name: string, labels: Record<string, string>, states: { init?: Record<string, unknown>[]; main: Record<string, unknown>[] }, deleting = false): KubeObject {
  const containerStatus = (s: Record<string, unknown>, i: number) => ({
    name: `c${i}`, image: `ghcr.io/diillson/chatcli:v1.${i}`, imageID: `ghcr.io/diillson/chatcli@sha256:${'ab'.repeat(32)}`,
    containerID: `containerd://${'cd'.repeat(32)}`, ready: false, started: false, restartCount: 3,
    allocatedResources: { cpu: '100m', memory: '128Mi' }, resources: { requests: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [{ name: 'sessions', mountPath: '/home/chatcli/.chatcli/sessions' }], user: { linux: { uid: 1000, gid: 1000, supplementalGroups: [1000] } },
    ...s,
  });
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '77', generateName: 'chat-5d9c-', labels,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'chat-5d9c', uid: 'rs', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {} } } }],
      ...(deleting ? { deletionTimestamp: '2026-01-02T03:04:05Z', deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      containers: [{ name: 'c0', image: 'ghcr.io/diillson/chatcli:v1.0', args: ['serve', '--port', '50051'], ports: [{ containerPort: 50051, name: 'grpc' }],
        env: Array.from({ length: 12 }, (_, i) => ({ name: `CHATCLI_SETTING_${i}`, value: `value-${i}` })),
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
        securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'sessions', mountPath: '/home/chatcli/.chatcli/sessions' }, { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        readinessProbe: { grpc: { port: 50051 }, periodSeconds: 10 }, livenessProbe: { grpc: { port: 50051 }, periodSeconds: 20 } }],
      volumes: [{ name: 'sessions', emptyDir: {} }, { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } }],
      nodeName: 'node-1', serviceAccountName: 'chat', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: {
      phase: 'Pending', hostIP: '10.0.0.2', podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }], qosClass: 'Burstable', startTime: '2026-01-02T03:04:05Z',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-02T03:04:05Z' })),
      ...(states.init ? { initContainerStatuses: states.init.map(containerStatus) } : {}),
      containerStatuses: states.main.map(containerStatus),
    },
  };
}

describe('cache shaping: what the reconciler reads survives', () => {
  const instance = sampleInstance('chatcli_v1alpha1_full.yaml');
  const labels = Object.fromEntries(Object.entries(desiredObjects(withDefaults(instance)).find((o) => o.kind === 'Deployment')!.metadata.labels ?? {}));
  const running = { running: { startedAt: '2026-01-02T03:04:05Z' } };
  const pods = [
    pod('chat-5d9c-aaaaa', labels, { main: [{ state: running }] }),
    pod('chat-5d9c-bbbbb', labels, { main: [{ state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } }, lastState: { terminated: { exitCode: 2, reason: 'Error', startedAt: 'x', finishedAt: 'y', containerID: 'z' } } }] }),
    pod('chat-5d9c-ccccc', labels, { main: [{ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] }),
    pod('chat-5d9c-ddddd', labels, { init: [{ state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "chatcli-api-keys" not found' } } }], main: [{ state: { waiting: { reason: 'PodInitializing' } } }] }),
    pod('chat-5d9c-eeeee', labels, { main: [{ state: { waiting: { reason: 'CreateContainerConfigError', message: "couldn't find key token in Secret default/chatcli-auth" } } }] }),
    pod('chat-5d9c-fffff', labels, { main: [{ state: { waiting: { reason: 'ErrImagePull' } } }] }, true),
  ];
  const shapePod = cacheShapeOf(PODS, 'owned');
  const shapeDeployment = cacheShapeOf(Deployments, 'owned');

  it('the status computed from shaped pods and Deployments is the one computed from whole ones', () => {
    const desiredDeployment = desiredObjects(withDefaults(instance)).find((o) => o.kind === 'Deployment')!;
    for (const kind of ['available', 'rolling', 'stalled'] as const) {
      const deployment = { ...asServed(desiredDeployment, 1), status: deploymentStatus(kind) };
      for (const some of [pods, pods.slice(0, 1), pods.slice(3), []]) {
        const input = { instance: withDefaults(instance), now: '2026-01-02T03:04:05Z' };
        const whole = computeStatus({ ...input, deployment: deployment as DeploymentView, pods: some as PodView[] });
        const shaped = computeStatus({ ...input, deployment: shapeDeployment(deployment) as DeploymentView, pods: some.map(shapePod) as PodView[] });
        assert.deepEqual(shaped, whole, `${kind}, ${some.length} pods`);
      }
    }
    const told = (some: KubeObject[]) => JSON.stringify(computeStatus({ instance: withDefaults(instance), deployment: undefined, pods: some.map(shapePod) as PodView[], now: 'now' }).conditions);
    // The cases above do reach the status.
    assert.match(told(pods.slice(0, 2)), /crash-looping \(restarted 3 times; last exit: Error, code 2\)/);
    assert.match(told(pods), /cannot be created: secret \\"chatcli-api-keys\\" not found.*cannot pull image/);
  });

  it('a shaped pod still names its instance (event routing) and is a small fraction of the whole', () => {
    for (const p of pods) {
      const shaped = shapePod(p);
      assert.deepEqual(instanceKeyFromLabels(shaped.metadata?.labels), instanceKeyFromLabels(p.metadata?.labels));
      assert.ok(instanceKeyFromLabels(shaped.metadata?.labels));
      assert.equal(shaped.metadata?.resourceVersion, p.metadata?.resourceVersion);
      assert.equal(shaped.spec, undefined);
    }
    const sum = (bytes: number[]) => bytes.reduce((x, y) => x + y, 0);
    const whole = sum(pods.map(jsonBytes));
    const shaped = sum(pods.map((p) => jsonBytes(shapePod(p))));
    assert.ok(shaped * 4 < whole, `shaped pods are ${shaped} bytes of ${whole}`);
  });

  it('drift detection on shaped owned objects sees what it sees on whole ones, for every sample', () => {
    for (const file of [...SAMPLE_FILES, ...KNOB_FILES.map((f) => `knobs/${f}`)]) {
      const desired = desiredObjects(withDefaults(sampleInstance(file)));
      desired.forEach((d, i) => {
        const served = asServed(d, i);
        const shaped = cacheShapeOf(typeOf(d), 'owned')(served);
        const what = `${file}: ${d.kind} ${d.metadata.name}`;
        assert.ok(coversDesired(d, served), `${what}: the whole object covers what we apply`);
        assert.ok(coversDesired(d, shaped), `${what}: so does the shaped one`);
        assert.equal(shaped.metadata?.managedFields, undefined);
        assert.equal(shaped.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
        assert.equal(shaped.status === undefined, d.kind !== 'Deployment', `${what}: status kept only for a Deployment`);
        // Someone edits a label we set: drift, seen in both.
        const edited = clone(served);
        const [label] = Object.keys(edited.metadata?.labels ?? {});
        assert.ok(label, `${what} has labels`);
        edited.metadata!.labels![label!] = 'edited';
        assert.equal(coversDesired(d, cacheShapeOf(typeOf(d), 'owned')(edited)), false, `${what}: an edited label is drift`);
      });
    }
  });

  it('instances keep spec, status and finalizers; namespaces keep their labels', () => {
    const served = { ...asServed(instance as unknown as KubeObject, 0), status: { ready: true, conditions: [] } } as KubeObject;
    const shaped = cacheShapeOf(INSTANCES, 'primary')(served);
    const { managedFields: _m, annotations: _a, ...meta } = served.metadata!;
    assert.deepEqual({ ...shaped, metadata: { ...shaped.metadata, annotations: undefined } }, { ...served, metadata: { ...meta, annotations: undefined } });
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', uid: 'u', resourceVersion: '5', labels: { 'chatcli.diillson.com/watchable': 'true' }, annotations: { a: 'b' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    const shapedNs = cacheShapeOf(Namespaces, 'watched')(ns);
    assert.deepEqual(shapedNs, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', uid: 'u', resourceVersion: '5', labels: { 'chatcli.diillson.com/watchable': 'true' } } });
    assert.equal(isWatchable(shapedNs.metadata?.labels), true);
  });
});
