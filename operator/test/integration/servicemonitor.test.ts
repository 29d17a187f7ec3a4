// spec.server.metrics.serviceMonitor on a real kube-apiserver, the operator
// running as its own ServiceAccount (config/rbac/role.yaml): without the
// Prometheus Operator's CRD the instance still reconciles (the ServiceMonitor is
// left out, and a Warning says why); with the CRD (a structural stand-in for
// prometheus-operator's, same group, version and names) installed before the
// operator starts, the ServiceMonitor is made selecting the instance's Service
// and its metrics port, follows the spec, and goes when turned off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { usePlane } from '../support/cluster.ts';
import { waitForCrd } from '../../hack/controlplane/wait.ts';
import { eventually, getJson, installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');

const SERVICE_MONITOR_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
  },
};

interface ServiceMonitor {
  metadata: { labels: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: { port: string; path: string; interval?: string }[] };
}

const applyInstance = (ns: string, spec: object) =>
  plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'chat', namespace: ns }, spec }));
const reconciled = async (ns: string) => {
  const i = await getJson<{ metadata: { generation: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } }>(plane(), ['chatcliinstance', 'chat', '-n', ns]);
  return i?.status?.observedGeneration === i?.metadata.generation && i?.status?.conditions?.find((c) => c.type === 'ReconcileSucceeded')?.status === 'True';
};
/** What the operator logged it found at start (operator.ts discoverOptionalTypes). */
const optionalKinds = (op: RunningOperator) => {
  const line = op.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg?: string; found?: string[]; absent?: string[] }).find((l) => l.msg === 'optional kinds');
  return { found: line?.found, absent: line?.absent };
};
const monitored = { provider: 'OPENAI', server: { metrics: { port: 9191, serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prometheus' } } } } };

describe('a ServiceMonitor per instance', () => {
  let op: RunningOperator | undefined;
  let kubeconfig = '';
  before(async () => {
    kubeconfig = await installOperator(plane());
  }, { timeout: 120_000 });
  after(async () => {
    await op?.stop('SIGTERM');
  });

  it('without the CRD: the instance reconciles without it, a Warning KindNotInstalled says why, and nothing fails', { timeout: 120_000 }, async () => {
    op = await startOperator(kubeconfig);
    await plane().kubectl(['create', 'namespace', 'no-prometheus']);
    await applyInstance('no-prometheus', monitored);
    await eventually('reconciled', () => reconciled('no-prometheus'), 60_000);
    assert.ok(await getJson(plane(), ['deployment', 'chat', '-n', 'no-prometheus']));
    await eventually('the KindNotInstalled Event', async () =>
      /KindNotInstalled/.test(await plane().kubectl(['get', 'events', '-n', 'no-prometheus', '--field-selector=involvedObject.name=chat'])), 30_000);
    const note = await plane().kubectl(['get', 'events', '-n', 'no-prometheus', '--field-selector=reason=KindNotInstalled', '-o', 'jsonpath={.items[0].message}']);
    assert.match(note, /ServiceMonitor chat \(monitoring\.coreos\.com\/v1\)/);
    assert.deepEqual(optionalKinds(op), { found: [], absent: ['ServiceMonitor.monitoring.coreos.com/v1'] });
    await op.stop('SIGTERM');
  });

  it('with the CRD installed before the operator starts: the ServiceMonitor selects the Service\'s metrics port, follows the spec, and goes when turned off', { timeout: 180_000 }, async () => {
    await plane().kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(SERVICE_MONITOR_CRD));
    await waitForCrd(plane().kubectl, SERVICE_MONITOR_CRD.metadata.name);
    op = await startOperator(kubeconfig);
    assert.deepEqual(optionalKinds(op), { found: ['ServiceMonitor.monitoring.coreos.com/v1'], absent: [] });
    // The instance made before the CRD existed gets its ServiceMonitor now.
    let sm: ServiceMonitor | undefined;
    await eventually('the ServiceMonitor of the earlier instance', async () => (sm = await getJson<ServiceMonitor>(plane(), ['servicemonitor', 'chat', '-n', 'no-prometheus'])) !== undefined, 60_000);
    const svc = await getJson<{ metadata: { labels: Record<string, string> }; spec: { ports: { name: string; port: number }[] } }>(plane(), ['service', 'chat', '-n', 'no-prometheus']);
    for (const [k, v] of Object.entries(sm!.spec.selector.matchLabels)) assert.equal(svc?.metadata.labels[k], v, `the Service carries ${k}=${v}`);
    assert.deepEqual(sm!.spec.namespaceSelector.matchNames, ['no-prometheus']);
    assert.deepEqual(sm!.spec.endpoints, [{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '15s' }]);
    assert.equal(svc?.spec.ports.find((p) => p.name === 'metrics')?.port, 9191);
    assert.equal(sm!.metadata.labels.release, 'prometheus');
    assert.equal(sm!.metadata.ownerReferences?.[0]?.kind, 'ChatCLIInstance');

    await applyInstance('no-prometheus', { ...monitored, server: { metrics: { port: 9191, serviceMonitor: { enabled: true, interval: '1m' } } } });
    await eventually('the interval followed', async () => (await getJson<ServiceMonitor>(plane(), ['servicemonitor', 'chat', '-n', 'no-prometheus']))?.spec.endpoints[0]?.interval === '1m', 60_000);

    await applyInstance('no-prometheus', { provider: 'OPENAI', server: { metrics: { port: 9191, serviceMonitor: { enabled: false } } } });
    await eventually('the ServiceMonitor deleted', async () => (await getJson(plane(), ['servicemonitor', 'chat', '-n', 'no-prometheus'])) === undefined, 60_000);
    await eventually('reconciled', () => reconciled('no-prometheus'), 30_000);
    assert.equal(await op.stop('SIGTERM'), 0);
    op = undefined;
  });
});
