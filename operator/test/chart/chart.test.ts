// The Helm chart (charts/chatcli-operator) without a cluster: helm lint, values
// refused by name, every value reaching the objects, and one source: config/
// is what the chart renders with default values, and kustomize builds
// config/default into the same objects that helm template gives.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { ensureBinaries } from '../../hack/controlplane/controlplane.ts';
import { CHART_DIR, RELEASE_NAME, RELEASE_NAMESPACE, helmRunner, type Helm } from '../../hack/helm/helm.ts';
import { renderConfig } from '../../hack/helm/render-config.ts';
import { parseOperatorFlags } from '../../src/reconciler/operator.ts';
import { LOG_LEVELS } from '../../src/runtime/log.ts';
import { CHART_CRD_TEMPLATE, CRD_FILE } from '../../src/api/crd.ts';
import { PACKAGE_DIR } from '../unit/api/samples.ts';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };
type Pod = {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown> & { containers: (Record<string, unknown> & { args: string[]; image: string })[] };
};

const key = (o: Obj) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const objects = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((o) => o !== null);
const byKey = (list: Obj[]) => new Map(list.map((o) => [key(o), o]));
const packageVersion = (JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;

describe('the Helm chart', () => {
  let helm: Helm;
  let valuesDir: string;
  before(async () => {
    helm = await helmRunner((l) => console.error(l));
    valuesDir = await mkdtemp(join(tmpdir(), 'chatcli-chart-values-'));
  }, { timeout: 1_200_000 });

  /** helm template with default values, or these values (a values file). */
  async function template(values?: unknown, extra: string[] = []): Promise<Obj[]> {
    const args = ['template', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, ...extra];
    if (values !== undefined) {
      const file = join(valuesDir, `values-${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(file, JSON.stringify(values));
      args.push('-f', file);
    }
    return objects(await helm(args));
  }
  const deploymentOf = (list: Obj[]) => list.find((o) => o.kind === 'Deployment') as unknown as Obj & { spec: { replicas: number; template: Pod } };

  it('helm lint --strict passes, with default values and with every option on', { timeout: 60_000 }, async () => {
    const out = await helm(['lint', '--strict', CHART_DIR]);
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    const file = join(valuesDir, 'all-on.yaml');
    await writeFile(file, JSON.stringify({ metrics: { serviceMonitor: { enabled: true } }, leaderElection: { enabled: true }, priorityClassName: 'system-cluster-critical',
      networkPolicy: { enabled: true }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
      extraEnv: [{ name: 'A', value: 'b' }], extraVolumes: [{ name: 'v', emptyDir: {} }], extraVolumeMounts: [{ name: 'v', mountPath: '/v' }], revisionHistoryLimit: 3,
      prometheusRule: { enabled: true, labels: { release: 'prometheus' } }, grafanaDashboard: { enabled: true } }));
    assert.match(await helm(['lint', '--strict', CHART_DIR, '-f', file]), /0 chart\(s\) failed/);
  });

  it("is versioned as the operator (package.json), and the image tag defaults to that version, never latest", async () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { apiVersion: string; version: string; appVersion: string };
    assert.deepEqual([chart.apiVersion, chart.version, chart.appVersion], ['v2', packageVersion, packageVersion]);
    const pod = deploymentOf(await template()).spec.template;
    assert.equal(pod.spec.containers[0]!.image, `ghcr.io/chatcli-operator/chatcli-operator:${packageVersion}`);
    await assert.rejects(template({ image: { tag: 'latest' } }), /\/image\/tag/);
  });

  it('the CRD is a template (helm upgrade brings it): config/crd/bases\' CRD, kept on uninstall, with crds.enabled and crds.keep', async () => {
    const crdOf = (list: Obj[]) => list.filter((o) => o.kind === 'CustomResourceDefinition');
    const fromSource = parse(readFileSync(join(PACKAGE_DIR, CRD_FILE), 'utf8')) as Obj;
    const [crd, ...more] = crdOf(await template());
    assert.equal(more.length, 0);
    const { labels, annotations, ...metadata } = crd!.metadata;
    assert.deepEqual({ ...crd, metadata }, fromSource, `${CHART_CRD_TEMPLATE} renders ${CRD_FILE} (run \`npm run manifests\` when this fails)`);
    assert.deepEqual(annotations, { 'helm.sh/resource-policy': 'keep' });
    assert.equal(labels?.['app.kubernetes.io/name'], 'chatcli-operator');
    assert.equal(crdOf(await template({ crds: { enabled: false } })).length, 0);
    const [notKept] = crdOf(await template({ crds: { keep: false }, commonAnnotations: { owner: 'platform' } }));
    assert.deepEqual(notKept!.metadata.annotations, { owner: 'platform' });
    await assert.rejects(template({ crds: { enabled: 'yes' } }), /crds\/enabled/);
    // Nothing in crds/: Helm would install it once and never upgrade it.
    assert.equal(existsSync(join(CHART_DIR, 'crds')), false);
  });

  it('config/{rbac,manager,policy} are what the chart renders with default values (run `npm run manifests` when this fails)', { timeout: 60_000 }, async () => {
    for (const [file, text] of await renderConfig(helm)) {
      assert.equal(readFileSync(join(PACKAGE_DIR, file), 'utf8'), text, `${file} is stale`);
    }
  });

  it('kustomize build config/default gives the objects helm template gives for default values, plus the namespace', { timeout: 120_000 }, async () => {
    const bin = await ensureBinaries((l) => console.error(l));
    const { execFile } = await import('node:child_process');
    const kustomized = await new Promise<string>((resolve, reject) =>
      execFile(join(bin, 'kubectl'), ['kustomize', join(PACKAGE_DIR, 'config', 'default')], { maxBuffer: 64 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out))));
    const fromKustomize = byKey(objects(kustomized));
    const fromHelm = byKey(await template(undefined, ['--skip-tests']));
    // The CRD's labels and keep policy are Helm's alone (checked above).
    const crd = fromHelm.get('CustomResourceDefinition /chatcliinstances.chatcli.diillson.com');
    if (crd) crd.metadata = { name: crd.metadata.name };
    const onlyKustomize = [...fromKustomize.keys()].filter((k) => !fromHelm.has(k));
    assert.deepEqual(onlyKustomize, [`Namespace /${RELEASE_NAMESPACE}`], 'only the namespace, which Helm leaves to --create-namespace');
    assert.deepEqual([...fromHelm.keys()].filter((k) => !fromKustomize.has(k)), []);
    for (const [k, o] of fromHelm) assert.deepEqual(fromKustomize.get(k), o, k);
    // The CRD, 8 objects of the operator (with the PodDisruptionBudget of its two
    // replicas), and the admission policies (6) with their bindings (6).
    assert.equal(fromHelm.size, 21, [...fromHelm.keys()].join(', '));
  });

  it("the flags' defaults in values.yaml are the operator's own", async () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { logLevel: string; maxConcurrentReconciles: number; watchNamespacePolicy: string };
    const defaults = parseOperatorFlags([]);
    assert.equal(values.maxConcurrentReconciles, defaults.maxConcurrentReconciles);
    assert.equal(values.watchNamespacePolicy, defaults.watchNamespacePolicy);
    assert.equal(values.logLevel, 'info');
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as { properties: { logLevel: { enum: string[] }; watchNamespacePolicy: { enum: string[] } } };
    assert.deepEqual(schema.properties.logLevel.enum, [...LOG_LEVELS]);
    assert.deepEqual(schema.properties.watchNamespacePolicy.enum, ['label', 'any']);
    // What the rendered args say, the operator parses back to the same values.
    const args = deploymentOf(await template()).spec.template.spec.containers[0]!.args;
    const parsed = parseOperatorFlags(args.slice(1));
    assert.deepEqual([parsed.leaderElect, parsed.leaderElectionNamespace, parsed.maxConcurrentReconciles, parsed.watchNamespacePolicy, parsed.logLevel],
      [true, RELEASE_NAMESPACE, 16, 'label', 'info']);
  });

  it('every value reaches the objects', { timeout: 60_000 }, async () => {
    const values = {
      image: { repository: 'registry.example.com/team/chatcli-operator', tag: '0.2.0-rc.1', pullPolicy: 'Always', pullSecrets: [{ name: 'regcred' }] },
      replicas: 3,
      logLevel: 'debug',
      maxConcurrentReconciles: 4,
      watchNamespacePolicy: 'any',
      extraArgs: ['--sync-period=1h'],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '512Mi' } },
      podSecurityContext: { runAsNonRoot: true, runAsUser: 1001, fsGroup: 1001 },
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['ops'] }] }] } } },
      priorityClassName: 'system-cluster-critical',
      metrics: { service: { enabled: true, annotations: { 'prometheus.io/scrape': 'true' } }, serviceMonitor: { enabled: true, labels: { release: 'prometheus' }, interval: '15s', scrapeTimeout: '5s' } },
      admissionPolicy: { enabled: false },
      commonLabels: { team: 'platform' },
      commonAnnotations: { owner: 'platform@example.com' },
      podLabels: { 'sidecar.istio.io/inject': 'false' },
      podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' },
      serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } },
    };
    const list = await template(values);
    const d = deploymentOf(list);
    const pod = d.spec.template;
    const c = pod.spec.containers[0]!;
    assert.equal(d.spec.replicas, 3);
    assert.equal(c.image, 'registry.example.com/team/chatcli-operator:0.2.0-rc.1');
    assert.equal(c.imagePullPolicy, 'Always');
    assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'regcred' }]);
    assert.deepEqual(c.args, ['run', '--leader-elect', `--leader-election-namespace=${RELEASE_NAMESPACE}`, '--log-level=debug',
      '--max-concurrent-reconciles=4', '--watch-namespace-policy=any', '--sync-period=1h']);
    assert.deepEqual(c.resources, values.resources);
    // Helm merges maps with the defaults (a key is removed by setting it to null).
    assert.deepEqual(pod.spec.securityContext, { runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' }, ...values.podSecurityContext });
    assert.deepEqual(c.securityContext, { capabilities: { drop: ['ALL'] }, ...values.securityContext });
    assert.deepEqual(pod.spec.nodeSelector, values.nodeSelector);
    assert.deepEqual(pod.spec.tolerations, values.tolerations);
    assert.deepEqual(pod.spec.affinity, values.affinity);
    assert.equal(pod.spec.priorityClassName, 'system-cluster-critical');
    assert.deepEqual(pod.metadata.labels, { 'app.kubernetes.io/name': 'chatcli-operator', 'sidecar.istio.io/inject': 'false' });
    assert.deepEqual(pod.metadata.annotations, values.podAnnotations);
    for (const o of list) {
      assert.equal(o.metadata.labels?.team, 'platform', key(o));
      assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'chatcli-operator', key(o));
      assert.equal(o.metadata.annotations?.owner, 'platform@example.com', key(o));
    }
    const sa = list.find((o) => o.kind === 'ServiceAccount')!;
    assert.equal(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::1:role/x');
    const svc = list.find((o) => o.kind === 'Service')!;
    assert.equal(svc.metadata.annotations?.['prometheus.io/scrape'], 'true');
    const sm = list.find((o) => o.kind === 'ServiceMonitor') as Obj & { spec: { endpoints: { port: string; interval: string; scrapeTimeout: string }[]; selector: unknown } };
    assert.equal(sm.metadata.labels?.release, 'prometheus');
    assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '5s', honorLabels: true }]);
    assert.deepEqual(sm.spec.selector, { matchLabels: { 'app.kubernetes.io/name': 'chatcli-operator' } });
    assert.equal(list.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy')).length, 0, 'admissionPolicy.enabled=false');
  });

  it('one replica without leader election: no --leader-elect, no leader-election Role; no metrics Service when off', async () => {
    const list = await template({ replicas: 1, leaderElection: { enabled: false }, metrics: { service: { enabled: false } } });
    assert.deepEqual(deploymentOf(list).spec.template.spec.containers[0]!.args.filter((a) => a.startsWith('--leader')), []);
    assert.deepEqual(list.filter((o) => o.kind === 'Role' || o.kind === 'Service').map(key), []);
  });

  it('the admission policy is refused on a Kubernetes older than 1.32, saying which value turns it off', async () => {
    await assert.rejects(template(undefined, ['--kube-version', '1.31.0']), /admissionPolicy\.enabled: .*1\.32 or later.*admissionPolicy\.enabled=false/);
    const list = await template({ admissionPolicy: { enabled: false } }, ['--kube-version', '1.31.0']);
    assert.ok(list.some((o) => o.kind === 'Deployment'));
  });

  it('image.digest pins the image as repository@digest, the tag ignored; a tag may carry a digest too', async () => {
    const digest = `sha256:${'ab12'.repeat(16)}`;
    const image = async (values: unknown) => deploymentOf(await template(values)).spec.template.spec.containers[0]!.image;
    assert.equal(await image({ image: { digest } }), `ghcr.io/chatcli-operator/chatcli-operator@${digest}`);
    assert.equal(await image({ image: { tag: '9.9.9', digest } }), `ghcr.io/chatcli-operator/chatcli-operator@${digest}`);
    assert.equal(await image({ image: { tag: `0.2.0@${digest}` } }), `ghcr.io/chatcli-operator/chatcli-operator:0.2.0@${digest}`);
    const test = (await template({ image: { digest } })).find((o) => o.kind === 'Pod') as unknown as Pod;
    assert.equal(test.spec.containers[0]!.image, `ghcr.io/chatcli-operator/chatcli-operator@${digest}`, 'the helm test pod runs the same image');
  });

  it('a PodDisruptionBudget of minAvailable 1 for more than one replica, none for one; maxUnavailable instead when set', async () => {
    const pdbOf = (list: Obj[]) => list.find((o) => o.kind === 'PodDisruptionBudget') as (Obj & { spec: Record<string, unknown> }) | undefined;
    assert.deepEqual(pdbOf(await template())?.spec, { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'chatcli-operator' } } });
    assert.equal(pdbOf(await template({ replicas: 1 })), undefined);
    assert.equal(pdbOf(await template({ podDisruptionBudget: { enabled: false } })), undefined);
    assert.deepEqual(pdbOf(await template({ replicas: 3, podDisruptionBudget: { maxUnavailable: '50%' } }))?.spec,
      { maxUnavailable: '50%', selector: { matchLabels: { 'app.kubernetes.io/name': 'chatcli-operator' } } });
  });

  it('topology spread, extra env, volumes and mounts, revisionHistoryLimit reach the Deployment; unset, none of them is there', async () => {
    const spread = [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { x: 'y' } } }];
    const values = {
      topologySpreadConstraints: spread,
      extraEnv: [{ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/ca/ca.crt' }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      extraVolumes: [{ name: 'ca', configMap: { name: 'corporate-ca' } }],
      extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ca', readOnly: true }],
      revisionHistoryLimit: 2,
    };
    const d = deploymentOf(await template(values)) as ReturnType<typeof deploymentOf> & { spec: { revisionHistoryLimit?: number } };
    const pod = d.spec.template.spec;
    const c = pod.containers[0]!;
    assert.equal(d.spec.revisionHistoryLimit, 2);
    assert.deepEqual(pod.topologySpreadConstraints, [{ ...spread[0], labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'chatcli-operator' } } }, spread[1]]);
    assert.deepEqual(c.env, [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, ...values.extraEnv]);
    assert.deepEqual(pod.volumes, values.extraVolumes);
    assert.deepEqual(c.volumeMounts, values.extraVolumeMounts);
    const plain = deploymentOf(await template()) as ReturnType<typeof deploymentOf> & { spec: { revisionHistoryLimit?: number } };
    assert.equal(plain.spec.revisionHistoryLimit, undefined);
    for (const k of ['topologySpreadConstraints', 'volumes']) assert.equal(plain.spec.template.spec[k], undefined, k);
    assert.equal(plain.spec.template.spec.containers[0]!.volumeMounts, undefined);
  });

  it('networkPolicy: off by default; on, egress to the API server ports only (no DNS) and ingress to metrics and health', async () => {
    assert.equal((await template()).find((o) => o.kind === 'NetworkPolicy'), undefined);
    type Np = Obj & { spec: { podSelector: unknown; policyTypes: string[]; ingress: unknown[]; egress: unknown[] } };
    const np = (await template({ networkPolicy: { enabled: true } })).find((o) => o.kind === 'NetworkPolicy') as Np;
    assert.deepEqual(np.spec, {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'chatcli-operator' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ port: 'metrics', protocol: 'TCP' }, { port: 'health', protocol: 'TCP' }] }],
      egress: [{ ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] }],
    });
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }];
    const extraEgress = [{ to: [{ ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ port: 5432 }] }];
    const custom = (await template({ networkPolicy: { enabled: true, apiServer: { ports: [6443], cidrs: ['10.0.0.10/32'] }, ingressFrom: from, extraEgress } }))
      .find((o) => o.kind === 'NetworkPolicy') as Np;
    assert.deepEqual(custom.spec.ingress, [{ ports: [{ port: 'metrics', protocol: 'TCP' }, { port: 'health', protocol: 'TCP' }], from }]);
    assert.deepEqual(custom.spec.egress, [{ ports: [{ port: 6443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.0.0.10/32' } }] }, ...extraEgress]);
  });

  it('serviceAccount.create=false runs as serviceAccount.name; rbac.create=false renders no RBAC', async () => {
    const list = await template({ serviceAccount: { create: false, name: 'platform-operator' }, rbac: { create: false } });
    assert.deepEqual(list.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind)).map(key), []);
    assert.equal(deploymentOf(list).spec.template.spec.serviceAccountName, 'platform-operator');
    const own = await template({ serviceAccount: { name: 'platform-operator' } });
    assert.equal(own.find((o) => o.kind === 'ServiceAccount')?.metadata.name, 'platform-operator');
    type Binding = Obj & { subjects: { name: string }[] };
    assert.deepEqual(own.filter((o) => o.kind.endsWith('Binding') && !o.kind.startsWith('Validating')).map((o) => (o as Binding).subjects[0]!.name), ['platform-operator', 'platform-operator']);
  });

  it('nameOverride, fullnameOverride and namespaceOverride name every object, label and reference', async () => {
    const list = await template({ nameOverride: 'chatops', fullnameOverride: 'platform-chatops', namespaceOverride: 'ops' });
    const d = deploymentOf(list);
    assert.equal(d.metadata.name, 'platform-chatops');
    assert.deepEqual((d.spec as unknown as { selector: unknown }).selector, { matchLabels: { 'app.kubernetes.io/name': 'chatops' } });
    assert.ok(d.spec.template.spec.containers[0]!.args.includes('--leader-election-namespace=ops'));
    assert.equal(d.spec.template.spec.serviceAccountName, 'platform-chatops');
    for (const o of list) {
      assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'chatops', key(o));
      if (!o.kind.startsWith('Cluster') && !o.kind.startsWith('Validating') && o.kind !== 'CustomResourceDefinition') assert.equal(o.metadata.namespace, 'ops', key(o));
    }
    // The CRD's name is its API group's, whatever the overrides.
    assert.deepEqual(list.filter((o) => !o.kind.startsWith('Validating') && o.kind !== 'CustomResourceDefinition').map((o) => o.metadata.name).sort(),
      ['platform-chatops', 'platform-chatops', 'platform-chatops', 'platform-chatops', 'platform-chatops', 'platform-chatops-leader-election', 'platform-chatops-leader-election',
        'platform-chatops-metrics', 'platform-chatops-test-metrics']);
    const onlyName = deploymentOf(await template({ nameOverride: 'chatops' }));
    assert.equal(onlyName.metadata.name, 'chatops');
  });

  it('admissionPolicy.validationActions reaches every binding; Deny by default', async () => {
    type Binding = Obj & { spec: { validationActions: string[] } };
    const actions = async (values?: unknown) => (await template(values)).filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding').map((o) => (o as Binding).spec.validationActions);
    assert.deepEqual(await actions(), Array.from({ length: 6 }, () => ['Deny']));
    assert.deepEqual(await actions({ admissionPolicy: { validationActions: ['Warn', 'Audit'] } }), Array.from({ length: 6 }, () => ['Warn', 'Audit']));
  });

  it('helm test: a pod of the operator image, restricted, GETs /metrics through the metrics Service; none without that Service', async () => {
    const test = (await template()).find((o) => o.kind === 'Pod') as unknown as Pod & { metadata: { name: string; annotations: Record<string, string> } };
    assert.equal(test.metadata.name, 'chatcli-operator-test-metrics');
    assert.equal(test.metadata.annotations['helm.sh/hook'], 'test');
    const c = test.spec.containers[0]! as Pod['spec']['containers'][0] & { command: string[]; securityContext: unknown };
    assert.equal(c.image, `ghcr.io/chatcli-operator/chatcli-operator:${packageVersion}`);
    assert.deepEqual(c.command, ['/nodejs/bin/node', '-e']);
    assert.equal(c.args[1], `http://chatcli-operator-metrics.${RELEASE_NAMESPACE}.svc:8080/metrics`);
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.deepEqual(test.spec.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    assert.equal((await template({ metrics: { service: { enabled: false } } })).find((o) => o.kind === 'Pod'), undefined);
    assert.equal((await template({ tests: { enabled: false } })).find((o) => o.kind === 'Pod'), undefined);
  });

  it('helm test script: 0 for the Service serving the operator metrics, 1 for another answer', { timeout: 30_000 }, async () => {
    const test = (await template()).find((o) => o.kind === 'Pod') as unknown as Pod;
    const script = test.spec.containers[0]!.args[0]!;
    const { createServer } = await import('node:http');
    const { execFile } = await import('node:child_process');
    const run = (url: string) => new Promise<number>((resolve) => execFile(process.execPath, ['-e', script, url], (err) => resolve(err ? (err.code as number) : 0)));
    const server = createServer((req, res) => {
      if (req.url === '/metrics') res.end('# TYPE chatcli_operator_managed_instances gauge\nchatcli_operator_managed_instances 0\n');
      else { res.statusCode = 404; res.end('no'); }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      assert.equal(await run(`http://127.0.0.1:${port}/metrics`), 0);
      assert.equal(await run(`http://127.0.0.1:${port}/other`), 1);
    } finally {
      server.close();
    }
  });

  it("kubeVersion is the operator's minimum (1.30); the admission policy needs 1.32", async () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { kubeVersion: string };
    assert.equal(chart.kubeVersion, '>=1.30.0-0');
    await assert.rejects(template({ admissionPolicy: { enabled: false } }, ['--kube-version', '1.29.9']), /kubeVersion/);
  });

  describe('values.schema.json refuses bad values, naming the field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['a replica count that is a string', { replicas: 'two' }, /\/replicas/],
      ['a misspelt value', { replica: 2 }, /replica/],
      ['an unknown log level', { logLevel: 'verbose' }, /\/logLevel/],
      ['a watch-namespace policy other than label or any', { watchNamespacePolicy: 'all' }, /\/watchNamespacePolicy/],
      ['no concurrency', { maxConcurrentReconciles: 0 }, /\/maxConcurrentReconciles/],
      ['a pull policy Kubernetes does not know', { image: { pullPolicy: 'Sometimes' } }, /\/image\/pullPolicy/],
      ['a pull secret without a name', { image: { pullSecrets: [{}] } }, /\/image\/pullSecrets\/0/],
      ['a toleration with an unknown effect', { tolerations: [{ key: 'k', effect: 'NoRun' }] }, /\/tolerations\/0\/effect/],
      ['a node selector value that is not a string', { nodeSelector: { zone: 1 } }, /\/nodeSelector\/zone/],
      ['a resource quantity that is not one', { resources: { limits: { memory: 'lots' } } }, /\/resources\/limits\/memory/],
      ['two active operators without leader election', { leaderElection: { enabled: false }, replicas: 2 }, /\/replicas/],
      ['a ServiceMonitor without the Service it scrapes', { metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } }, /\/metrics\/service\/enabled/],
      ['a pod label that would replace the selector', { podLabels: { 'app.kubernetes.io/name': 'x' } }, /\/podLabels\/app\.kubernetes\.io~1name/],
      ['a flag that is not one', { extraArgs: ['sync-period=1h'] }, /\/extraArgs\/0/],
      ['a digest that is not sha256:<64 hex>', { image: { digest: 'sha256:abc' } }, /\/image\/digest/],
      ['a digest in the repository', { image: { repository: `ghcr.io/x/y@sha256:${'a'.repeat(64)}` } }, /\/image\/repository/],
      ['a tag with a malformed digest', { image: { tag: '0.2.0@sha256:xyz' } }, /\/image\/tag/],
      ['an unknown validation action', { admissionPolicy: { validationActions: ['Block'] } }, /\/admissionPolicy\/validationActions\/0/],
      ['Deny with Warn, which Kubernetes refuses', { admissionPolicy: { validationActions: ['Deny', 'Warn'] } }, /\/admissionPolicy\/validationActions/],
      ['no ServiceAccount to run as', { serviceAccount: { create: false } }, /\/serviceAccount\/name/],
      ['an extra variable replacing POD_NAME', { extraEnv: [{ name: 'POD_NAME', value: 'x' }] }, /\/extraEnv\/0\/name/],
      ['a volume mount without a path', { extraVolumeMounts: [{ name: 'v' }] }, /\/extraVolumeMounts\/0/],
      ['a spread constraint without a topology key', { topologySpreadConstraints: [{ maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' }] }, /\/topologySpreadConstraints\/0/],
      ['a disruption budget that is no count or percentage', { podDisruptionBudget: { minAvailable: 'half' } }, /\/podDisruptionBudget\/minAvailable/],
      ['an API server port that is not one', { networkPolicy: { enabled: true, apiServer: { ports: [70000] } } }, /\/networkPolicy\/apiServer\/ports\/0/],
      ['a negative revision history', { revisionHistoryLimit: -1 }, /\/revisionHistoryLimit/],
      ['a name that is no DNS label', { fullnameOverride: 'Chat_Ops' }, /\/fullnameOverride/],
      ['a scrape interval that is no duration', { metrics: { serviceMonitor: { enabled: false, interval: 'often' } } }, /\/metrics\/serviceMonitor\/interval/],
      ['an alert delay that is no duration', { prometheusRule: { enabled: true, instanceNotReadyFor: 'soon' } }, /\/prometheusRule\/instanceNotReadyFor/],
      ['a runbook URL with its own anchor', { prometheusRule: { runbookUrl: 'https://example.com/README.md#ops' } }, /\/prometheusRule\/runbookUrl/],
      ['a dashboard namespace that is no DNS label', { grafanaDashboard: { enabled: true, namespace: 'Monitoring' } }, /\/grafanaDashboard\/namespace/],
    ];
    for (const [what, values, field] of cases) {
      it(what, async () => {
        await assert.rejects(template(values), (err: Error) => {
          assert.match(err.message, /values don't meet the specifications of the schema/);
          assert.match(err.message, field);
          return true;
        });
      });
    }
  });
});

describe('the Helm chart with Helm 3', () => {
  let helm3: Helm;
  let helm4: Helm;
  before(async () => {
    [helm3, helm4] = [await helmRunner((l) => console.error(l), 3), await helmRunner((l) => console.error(l), 4)];
  }, { timeout: 1_200_000 });
  const render = async (helm: Helm, extra: string[] = []) =>
    objects(await helm(['template', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, ...extra]));

  it('helm 3 lints it and renders the very objects helm 4 renders', { timeout: 60_000 }, async () => {
    assert.match(await helm3(['version', '--short']), /^v3\./);
    assert.match(await helm3(['lint', '--strict', CHART_DIR]), /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.deepEqual(await render(helm3), await render(helm4));
    const knobs = ['--set', 'replicas=1,leaderElection.enabled=false,logLevel=debug,metrics.serviceMonitor.enabled=true,admissionPolicy.enabled=false,nodeSelector.zone=a',
      '--set', 'prometheusRule.enabled=true,grafanaDashboard.enabled=true'];
    assert.deepEqual(await render(helm3, knobs), await render(helm4, knobs));
  });

  it('helm 3 refuses bad values by field too', async () => {
    await assert.rejects(render(helm3, ['--set', 'watchNamespacePolicy=all']), /\/watchNamespacePolicy/);
    await assert.rejects(render(helm3, ['--set', 'leaderElection.enabled=false,replicas=2']), /\/replicas/);
  });
});
