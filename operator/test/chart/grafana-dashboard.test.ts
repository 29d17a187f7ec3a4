// The chart's Grafana dashboard (dashboards/chatcli-operator.json, in the
// ConfigMap of templates/grafana-dashboard.yaml) as `helm template` renders it:
// JSON Grafana's sidecar can load, every panel with a query, every query valid
// PromQL that names only metrics the operator exports (read from its registry).
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR, RELEASE_NAME, RELEASE_NAMESPACE, helmRunner, type Helm } from '../../hack/helm/helm.ts';
import { promtoolRunner, type Promtool } from '../../hack/promtool/promtool.ts';
import { PROMETHEUS_SERIES, exportedSeriesNames, metricNamesIn } from '../support/operator-metrics.ts';

interface ConfigMap { kind: string; metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> }; data: Record<string, string> }
interface Panel { type: string; title: string; targets?: { expr: string }[]; panels?: Panel[] }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; query?: string | { query: string } }[] } }

describe("the chart's Grafana dashboard", () => {
  let helm: Helm;
  let promtool: Promtool;
  before(async () => {
    helm = await helmRunner((l) => console.error(l));
    promtool = await promtoolRunner((l) => console.error(l));
  }, { timeout: 3_600_000 }); // a cold promtool build took 53 min on a loaded machine (hack/promtool)

  async function render(set: string[] = []): Promise<ConfigMap | undefined> {
    const out = await helm(['template', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, ...set.flatMap((s) => ['--set', s])]);
    return parseAllDocuments(out).map((d) => d.toJS() as ConfigMap).find((o) => o?.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'));
  }
  async function dashboard(): Promise<Dashboard> {
    const cm = (await render(['grafanaDashboard.enabled=true']))!;
    return JSON.parse(cm.data['chatcli-operator.json']!) as Dashboard;
  }
  const panelsOf = (d: Dashboard) => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  /** Every query: the panels', and the job variable's. */
  const queriesOf = (d: Dashboard) => [
    ...panelsOf(d).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ...d.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `variable ${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query!.query })),
  ];

  it('is off by default; on, a ConfigMap with the sidecar label (grafana_dashboard: "1") holding the dashboard; label, annotations and namespace are values', async () => {
    assert.equal(await render(), undefined);
    const cm = (await render(['grafanaDashboard.enabled=true']))!;
    assert.equal(cm.metadata.labels.grafana_dashboard, '1');
    assert.equal(cm.metadata.namespace, RELEASE_NAMESPACE);
    assert.deepEqual(Object.keys(cm.data), ['chatcli-operator.json']);
    const other = (await render(['grafanaDashboard.enabled=true', 'grafanaDashboard.labels.grafana_dashboard=null', 'grafanaDashboard.labels.dashboards=ops',
      'grafanaDashboard.annotations.grafana_folder=Operators', 'grafanaDashboard.namespace=monitoring']))!;
    assert.deepEqual([other.metadata.labels.grafana_dashboard, other.metadata.labels.dashboards], [undefined, 'ops']);
    assert.equal(other.metadata.annotations?.grafana_folder, 'Operators');
    assert.equal(other.metadata.namespace, 'monitoring');
  });

  it('parses, and has panels for reconciles, the work queue, instances ready, API requests and memory', async () => {
    const d = await dashboard();
    assert.equal(d.uid, 'chatcli-operator');
    const all = queriesOf(d).map((q) => q.expr).join('\n');
    for (const metric of ['chatcli_operator_reconciliations_total', 'workqueue_depth', 'chatcli_operator_instance_ready',
      'rest_client_requests_total', 'rest_client_request_duration_seconds_bucket', 'process_resident_memory_bytes']) {
      assert.ok(all.includes(metric), `a panel shows ${metric}`);
    }
  });

  it('every panel has a query, and every query names only metrics the operator exports (from its registry), or up', async () => {
    const d = await dashboard();
    const exported = await exportedSeriesNames();
    for (const p of panelsOf(d)) assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" has a query`);
    for (const { where, expr } of queriesOf(d)) {
      const names = metricNamesIn(expr);
      assert.ok(names.length > 0, `${where} names a metric: ${expr}`);
      for (const n of names) assert.ok(exported.has(n) || PROMETHEUS_SERIES.has(n), `${where}: ${n} is not exported by the operator`);
    }
  });

  it('every panel query is valid PromQL (promtool check rules, Grafana variables given values)', { timeout: 60_000 }, async () => {
    const d = await dashboard();
    const rules = panelsOf(d).flatMap((p) => p.targets ?? []).map((t, i) => ({
      record: `dashboard:query_${i}`,
      expr: t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.+'),
    }));
    const dir = await mkdtemp(join(tmpdir(), 'chatcli-dashboard-'));
    await writeFile(join(dir, 'queries.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    assert.match(await promtool(['check', 'rules', 'queries.yaml'], { cwd: dir }), new RegExp(`SUCCESS: ${rules.length} rules found`));
  });
});
