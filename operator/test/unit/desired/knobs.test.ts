// The instance knobs in the desired state: what each one puts where, what the
// operator keeps for itself, and the objects that come and go with them
// (HorizontalPodAutoscaler, PodDisruptionBudget, the sessions claim).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PodDisruptionBudget, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { ChatCLIInstanceSpec } from '../../../src/api/chatcliinstance.ts';
import { envConfigData } from '../../../src/desired/configmap.ts';
import { ENV, OPERATOR_ENV_NAMES } from '../../../src/desired/chatcli.ts';
import { replicasHandover } from '../../../src/desired/hpa.ts';
import { desiredObjects, objectsToPrune, refOf } from '../../../src/desired/index.ts';
import { OPERATOR_POD_LABEL_KEYS, instanceLabels } from '../../../src/desired/names.ts';
import { computeStatus } from '../../../src/status/compute.ts';
import { instance } from './fixtures.ts';
import { claimOf, containerOf, deploymentOf, findObject } from './support.ts';

const kinds = (spec: Parameters<typeof instance>[0]) => desiredObjects(instance(spec)).map((o) => o.kind);
const autoscaling = (a: Record<string, unknown> = {}) => ({ enabled: true, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70, ...a });
const podSpecOf = (spec: Parameters<typeof instance>[0]) => deploymentOf(instance(spec)).spec?.template.spec;

describe('autoscaling', () => {
  it('an enabled autoscaler gets a HorizontalPodAutoscaler <name> and the Deployment declares no replicas', () => {
    const inst = instance({ provider: 'OPENAI', replicas: 3, autoscaling: autoscaling({ targetMemoryUtilizationPercentage: 80 }) });
    const hpa = findObject(desiredObjects(inst), 'HorizontalPodAutoscaler', 'chat') as unknown as V2HorizontalPodAutoscaler;
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat' });
    assert.equal(hpa.spec?.minReplicas, 2);
    assert.equal(hpa.spec?.maxReplicas, 5);
    assert.deepEqual(hpa.spec?.metrics?.map((m) => [m.resource?.name, m.resource?.target.type, m.resource?.target.averageUtilization]), [
      ['cpu', 'Utilization', 70],
      ['memory', 'Utilization', 80],
    ]);
    assert.equal('replicas' in (deploymentOf(inst).spec ?? {}), false);
  });

  it('a disabled (or absent) autoscaler: no HorizontalPodAutoscaler, and spec.replicas on the Deployment', () => {
    for (const spec of [{ provider: 'OPENAI' as const, replicas: 3 }, { provider: 'OPENAI' as const, replicas: 3, autoscaling: autoscaling({ enabled: false }) }]) {
      assert.equal(kinds(spec).includes('HorizontalPodAutoscaler'), false);
      assert.equal(deploymentOf(instance(spec)).spec?.replicas, 3);
    }
  });

  it('switching autoscaling off prunes the HorizontalPodAutoscaler', () => {
    const on = desiredObjects(instance({ provider: 'OPENAI', autoscaling: autoscaling() }));
    const off = desiredObjects(instance({ provider: 'OPENAI' }));
    assert.deepEqual(objectsToPrune(on.map(refOf), off).map((r) => r.kind), ['HorizontalPodAutoscaler', 'PodDisruptionBudget']);
  });

  it('the replicas hand-over holds the live count, only for a Deployment that declares none', () => {
    const scaled = deploymentOf(instance({ provider: 'OPENAI', autoscaling: autoscaling() }));
    const fixed = deploymentOf(instance({ provider: 'OPENAI', replicas: 2 }));
    const asObject = (d: typeof scaled) => d as unknown as Parameters<typeof replicasHandover>[0];
    assert.deepEqual(replicasHandover(asObject(scaled), { spec: { replicas: 4 } }), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'chat', namespace: 'default' },
      spec: { replicas: 4 },
    });
    assert.equal(replicasHandover(asObject(fixed), { spec: { replicas: 4 } }), undefined, 'declares its replicas: nothing to hand over');
    assert.equal(replicasHandover(asObject(scaled), undefined), undefined, 'nothing live yet');
    assert.equal(replicasHandover(findObject(desiredObjects(instance({ provider: 'OPENAI' })), 'Service'), { spec: { replicas: 4 } }), undefined);
  });

  it('Available counts what the Deployment asks for while autoscaled (the autoscaler\'s choice), spec.replicas otherwise', () => {
    const deployment = { metadata: { generation: 1 }, spec: { replicas: 4 }, status: { observedGeneration: 1, replicas: 4, readyReplicas: 4, updatedReplicas: 4 } };
    const view = (spec: Record<string, unknown>) => ({ metadata: { namespace: 'default', generation: 1 }, spec: { replicas: 1, ...spec } });
    const scaled = computeStatus({ instance: view({ autoscaling: { enabled: true, minReplicas: 2 } }), deployment, pods: [], secretKeys: {}, now: '2026-01-01T00:00:00Z' });
    assert.equal(scaled.ready, true);
    const fixed = computeStatus({ instance: view({}), deployment, pods: [], secretKeys: {}, now: '2026-01-01T00:00:00Z' });
    assert.equal(fixed.ready, false, 'the Deployment asks for 4, the spec for 1');
  });
});

describe('PodDisruptionBudget', () => {
  it('exists only when more than one replica can run: replicas above 1, or an autoscaler maximum above 1', () => {
    const cases: [Record<string, unknown>, boolean][] = [
      [{ replicas: 0 }, false],
      [{ replicas: 1 }, false],
      [{ replicas: 2 }, true],
      [{ replicas: 1, autoscaling: autoscaling({ minReplicas: 1, maxReplicas: 1 }) }, false],
      [{ replicas: 1, autoscaling: autoscaling({ minReplicas: 1, maxReplicas: 3 }) }, true],
      [{ replicas: 5, autoscaling: autoscaling({ minReplicas: 1, maxReplicas: 1 }) }, false],
    ];
    for (const [spec, expected] of cases) assert.equal(kinds({ provider: 'OPENAI', ...spec }).includes('PodDisruptionBudget'), expected, JSON.stringify(spec));
  });

  it('lets a drain take one server pod at a time, selected like the Deployment\'s', () => {
    const pdb = findObject(desiredObjects(instance({ provider: 'OPENAI', replicas: 3 })), 'PodDisruptionBudget', 'chat') as V1PodDisruptionBudget;
    assert.equal(pdb.apiVersion, 'policy/v1');
    assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'chatcli', 'app.kubernetes.io/instance': 'chat' } } });
  });
});

describe('persistence access modes and existingClaim', () => {
  const strategy = (persistence: Record<string, unknown>) => deploymentOf(instance({ provider: 'OPENAI', persistence })).spec?.strategy?.type;

  it('Recreate on a claim one node mounts at a time (ReadWriteOnce, the default, or ReadWriteOncePod); RollingUpdate on ReadWriteMany or without a claim', () => {
    assert.equal(strategy({ enabled: true }), 'Recreate');
    assert.equal(strategy({ enabled: true, accessModes: ['ReadWriteOncePod'] }), 'Recreate');
    assert.equal(strategy({ enabled: true, accessModes: ['ReadWriteMany'] }), 'RollingUpdate');
    assert.equal(strategy({ enabled: true, accessModes: ['ReadWriteOnce', 'ReadWriteMany'] }), 'RollingUpdate');
    assert.equal(strategy({ enabled: false }), 'RollingUpdate');
    assert.equal(strategy({ enabled: true, existingClaim: 'mine' }), 'Recreate');
  });

  it('the claim asks for the access modes of the spec', () => {
    assert.deepEqual(claimOf(instance({ provider: 'OPENAI', persistence: { enabled: true } }))?.spec?.accessModes, ['ReadWriteOnce']);
    assert.deepEqual(claimOf(instance({ provider: 'OPENAI', persistence: { enabled: true, accessModes: ['ReadWriteMany'] } }))?.spec?.accessModes, ['ReadWriteMany']);
  });

  it('an existingClaim is mounted and no claim is made', () => {
    const inst = instance({ provider: 'OPENAI', persistence: { enabled: true, existingClaim: 'team-sessions', size: '9Gi' } });
    assert.equal(claimOf(inst), undefined);
    const volume = deploymentOf(inst).spec?.template.spec?.volumes?.find((v) => v.name === 'sessions');
    assert.deepEqual(volume, { name: 'sessions', persistentVolumeClaim: { claimName: 'team-sessions' } });
  });
});

describe('environment', () => {
  it('ONE list of what the operator sets: every variable it can put in the ConfigMap or on the container is in OPERATOR_ENV_NAMES', () => {
    const specs = [
      { provider: 'OLLAMA' as const, model: 'm', server: { token: { name: 't', key: 'k' } }, watcher: { enabled: true, deployment: 'd', namespace: 'default' } },
      { provider: 'OPENAI' as const, persistence: { enabled: true }, watcher: { enabled: true, targets: [{ deployment: 'd', namespace: 'default' }] } },
      {
        provider: 'OPENAI' as const,
        server: {
          security: {
            jwt: { secret: { name: 'j', key: 'k' }, issuer: 'i', audience: 'a' }, rateLimit: { rps: 1, burst: 2 },
            maxRecvMsgSize: 1, maxSendMsgSize: 1, maxConcurrentStreams: 1, auditLog: { enabled: true },
          },
        },
      },
    ];
    for (const spec of specs) {
      const inst = instance(spec);
      for (const name of Object.keys(envConfigData(inst))) assert.ok(OPERATOR_ENV_NAMES.includes(name), name);
      for (const e of containerOf(inst).env ?? []) assert.ok(OPERATOR_ENV_NAMES.includes(e.name), e.name);
    }
    assert.deepEqual([...OPERATOR_ENV_NAMES].sort(), Object.values(ENV).sort());
  });

  it('the API refuses in spec.env exactly that list (its CEL rule is generated from it)', () => {
    const items = ChatCLIInstanceSpec.properties.env.items as unknown as { 'x-kubernetes-validations': { rule: string }[] };
    const rule = items['x-kubernetes-validations'].find((r) => r.rule.includes('self.name in'))?.rule ?? '';
    const named = [...rule.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(named.sort(), [...OPERATOR_ENV_NAMES].sort());
  });

  it('spec.env comes after the token; envFrom sources come before apiKeys and the operator\'s ConfigMap, which win on a duplicate name', () => {
    const c = containerOf(instance({
      provider: 'STACKSPOT',
      apiKeys: { name: 'creds' },
      server: { token: { name: 'auth', key: 'token' } },
      env: [{ name: 'STACKSPOT_REALM', value: 'r' }, { name: 'AGENT', valueFrom: { configMapKeyRef: { name: 'a', key: 'id' } } }],
      envFrom: [{ configMapRef: { name: 'tuning' } }, { prefix: 'X_', secretRef: { name: 'extra', optional: true } }],
    }));
    assert.deepEqual(c.env?.map((e) => e.name), ['CHATCLI_SERVER_TOKEN', 'STACKSPOT_REALM', 'AGENT']);
    assert.deepEqual(c.env?.[2], { name: 'AGENT', valueFrom: { configMapKeyRef: { name: 'a', key: 'id' } } });
    assert.deepEqual(c.envFrom, [
      { configMapRef: { name: 'tuning' } },
      { prefix: 'X_', secretRef: { name: 'extra', optional: true } },
      { secretRef: { name: 'creds' } },
      { configMapRef: { name: 'chat' } },
    ]);
  });
});

describe('pod placement and metadata', () => {
  it('nodeSelector, tolerations, affinity, priorityClassName and imagePullSecrets reach the pod spec as given', () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
    const pod = podSpecOf({
      provider: 'OPENAI',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ai', effect: 'NoSchedule' }],
      affinity,
      priorityClassName: 'high',
      imagePullSecrets: [{ name: 'ghcr' }],
    });
    assert.deepEqual(pod?.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.deepEqual(pod?.tolerations, [{ key: 'dedicated', operator: 'Equal', value: 'ai', effect: 'NoSchedule' }]);
    assert.deepEqual(pod?.affinity, affinity);
    assert.equal(pod?.priorityClassName, 'high');
    assert.deepEqual(pod?.imagePullSecrets, [{ name: 'ghcr' }]);
  });

  it('none of them appear when the spec leaves them out', () => {
    const pod = podSpecOf({ provider: 'OPENAI' }) ?? {};
    for (const field of ['nodeSelector', 'tolerations', 'affinity', 'topologySpreadConstraints', 'priorityClassName', 'imagePullSecrets']) assert.equal(field in pod, false, field);
  });

  it('a topology spread constraint without a selector counts the instance\'s own pods (less matchLabelKeys); one with a selector is kept', () => {
    const zone = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' };
    const pod = podSpecOf({
      provider: 'OPENAI',
      topologySpreadConstraints: [
        zone,
        { ...zone, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['app.kubernetes.io/instance'] },
        { ...zone, topologyKey: 'rack', labelSelector: { matchLabels: { tier: 'chat' } } },
      ],
    });
    assert.deepEqual(pod?.topologySpreadConstraints?.map((c) => c.labelSelector), [
      { matchLabels: { 'app.kubernetes.io/name': 'chatcli', 'app.kubernetes.io/instance': 'chat' } },
      { matchLabels: { 'app.kubernetes.io/name': 'chatcli' } },
      { matchLabels: { tier: 'chat' } },
    ]);
  });

  it('podLabels and podAnnotations join the operator\'s own on the pod template, never replacing them', () => {
    const d = deploymentOf(instance({ provider: 'OPENAI', podLabels: { team: 'platform' }, podAnnotations: { 'prometheus.io/scrape': 'true' } }));
    const meta = d.spec?.template.metadata;
    assert.deepEqual(meta?.labels, { team: 'platform', ...instanceLabels({ name: 'chat', namespace: 'default' }) });
    assert.equal(meta?.annotations?.['prometheus.io/scrape'], 'true');
    assert.ok(meta?.annotations?.['chatcli.diillson.com/config-hash']);
    assert.deepEqual(d.spec?.selector.matchLabels, { 'app.kubernetes.io/name': 'chatcli', 'app.kubernetes.io/instance': 'chat' });
    for (const key of Object.keys(d.spec?.selector.matchLabels ?? {})) assert.ok(OPERATOR_POD_LABEL_KEYS.includes(key), `selector label ${key} is reserved`);
  });
});

describe('Service', () => {
  it('ClusterIP by default; NodePort or LoadBalancer with the annotations the spec gives', () => {
    const service = (spec: Record<string, unknown>) => findObject(desiredObjects(instance({ provider: 'OPENAI', ...spec })), 'Service') as V1Service;
    assert.equal(service({}).spec?.type, 'ClusterIP');
    assert.equal(service({}).metadata?.annotations, undefined);
    assert.equal(service({ service: { type: 'NodePort' } }).spec?.type, 'NodePort');
    const lb = service({ service: { type: 'LoadBalancer', annotations: { 'example.com/internal': 'true' } } });
    assert.equal(lb.spec?.type, 'LoadBalancer');
    assert.deepEqual(lb.metadata?.annotations, { 'example.com/internal': 'true' });
    assert.equal(lb.spec?.ports?.some((p) => 'nodePort' in p), false, 'node ports are the API server\'s to allocate');
  });
});
