// The Helm chart (charts/chatcli-operator) without a cluster: helm lint, values
// refused by name, every value reaching the objects, and one source: config/
// is what the chart renders with default values, and kustomize builds
// config/default into the same objects that helm template gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
import { CHART_CRD_FILE } from '../../src/api/crd.ts';
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
    await writeFile(file, JSON.stringify({ metrics: { serviceMonitor: { enabled: true } }, leaderElection: { enabled: true }, priorityClassName: 'system-cluster-critical' }));
    assert.match(await helm(['lint', '--strict', CHART_DIR, '-f', file]), /0 chart\(s\) failed/);
  });

  it("is versioned as the operator (package.json), and the image tag defaults to that version, never latest", async () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { apiVersion: string; version: string; appVersion: string };
    assert.deepEqual([chart.apiVersion, chart.version, chart.appVersion], ['v2', packageVersion, packageVersion]);
    const pod = deploymentOf(await template()).spec.template;
    assert.equal(pod.spec.containers[0]!.image, `ghcr.io/chatcli-operator/chatcli-operator:${packageVersion}`);
    await assert.rejects(template({ image: { tag: 'latest' } }), /\/image\/tag/);
  });

  it('ships the CRD generated from src/api in crds/ (Helm installs it before the templates, and never deletes it)', async () => {
    const crd = readFileSync(join(PACKAGE_DIR, CHART_CRD_FILE), 'utf8');
    assert.match(crd, /^# Generated from operator\/src\/api\/chatcliinstance.ts by `npm run manifests`/);
    const rendered = await helm(['template', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--include-crds']);
    assert.ok(objects(rendered).some((o) => o.kind === 'CustomResourceDefinition' && o.metadata.name === 'chatcliinstances.chatcli.diillson.com'));
  });

  it('config/{rbac,manager,policy} are what the chart renders with default values (run `npm run manifests` when this fails)', { timeout: 60_000 }, async () => {
    for (const [file, text] of await renderConfig(helm)) {
      assert.equal(readFileSync(join(PACKAGE_DIR, file), 'utf8'), text, `${file} is stale`);
    }
  });

  it('kustomize build config/default gives the objects helm template gives for default values, plus the CRD and the namespace', { timeout: 120_000 }, async () => {
    const bin = await ensureBinaries((l) => console.error(l));
    const { execFile } = await import('node:child_process');
    const kustomized = await new Promise<string>((resolve, reject) =>
      execFile(join(bin, 'kubectl'), ['kustomize', join(PACKAGE_DIR, 'config', 'default')], { maxBuffer: 64 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out))));
    const fromKustomize = byKey(objects(kustomized));
    const fromHelm = byKey(await template(undefined, ['--include-crds']));
    const onlyKustomize = [...fromKustomize.keys()].filter((k) => !fromHelm.has(k));
    assert.deepEqual(onlyKustomize, [`Namespace /${RELEASE_NAMESPACE}`], 'only the namespace, which Helm leaves to --create-namespace');
    assert.deepEqual([...fromHelm.keys()].filter((k) => !fromKustomize.has(k)), []);
    for (const [k, o] of fromHelm) assert.deepEqual(fromKustomize.get(k), o, k);
    // The CRD, 7 objects of the operator, and the admission policies (3) with their bindings (3).
    assert.equal(fromHelm.size, 14, [...fromHelm.keys()].join(', '));
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
    assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }]);
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
      ['a scrape interval that is no duration', { metrics: { serviceMonitor: { enabled: false, interval: 'often' } } }, /\/metrics\/serviceMonitor\/interval/],
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
    objects(await helm(['template', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--include-crds', ...extra]));

  it('helm 3 lints it and renders the very objects helm 4 renders', { timeout: 60_000 }, async () => {
    assert.match(await helm3(['version', '--short']), /^v3\./);
    assert.match(await helm3(['lint', '--strict', CHART_DIR]), /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.deepEqual(await render(helm3), await render(helm4));
    const knobs = ['--set', 'replicas=1,leaderElection.enabled=false,logLevel=debug,metrics.serviceMonitor.enabled=true,admissionPolicy.enabled=false,nodeSelector.zone=a'];
    assert.deepEqual(await render(helm3, knobs), await render(helm4, knobs));
  });

  it('helm 3 refuses bad values by field too', async () => {
    await assert.rejects(render(helm3, ['--set', 'watchNamespacePolicy=all']), /\/watchNamespacePolicy/);
    await assert.rejects(render(helm3, ['--set', 'leaderElection.enabled=false,replicas=2']), /\/replicas/);
  });
});
