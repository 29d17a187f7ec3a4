// The chart's PrometheusRule (templates/prometheusrule.yaml) as `helm template`
// renders it: valid for promtool, each alert firing on the inputs of
// prometheus-rules.promtool.yaml and silent where it must page no one (a
// scale-up, a handover, a drained burst), every alert documented in the
// README, every metric it reads one the operator exports.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR, RELEASE_NAME, RELEASE_NAMESPACE, helmRunner, type Helm } from '../../hack/helm/helm.ts';
import { promtoolRunner, type Promtool } from '../../hack/promtool/promtool.ts';
import { PACKAGE_DIR } from '../unit/api/samples.ts';
import { PROMETHEUS_SERIES, exportedSeriesNames, metricNamesIn } from '../support/operator-metrics.ts';

interface Rule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
interface PrometheusRule { kind: string; metadata: { name: string; labels: Record<string, string> }; spec: { groups: { name: string; rules: Rule[] }[] } }
interface PromtoolTests { tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }

const CASES = new URL('prometheus-rules.promtool.yaml', import.meta.url).pathname;
const README = join(PACKAGE_DIR, '..', 'README.md');

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

describe("the chart's PrometheusRule", () => {
  let helm: Helm;
  let promtool: Promtool;
  let dir: string;
  before(async () => {
    helm = await helmRunner((l) => console.error(l));
    promtool = await promtoolRunner((l) => console.error(l));
    dir = await mkdtemp(join(tmpdir(), 'chatcli-rules-'));
  }, { timeout: 3_600_000 }); // a cold promtool build took 53 min on a loaded machine (hack/promtool)

  async function render(set: string[] = []): Promise<PrometheusRule | undefined> {
    const out = await helm(['template', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, ...set.flatMap((s) => ['--set', s])]);
    return parseAllDocuments(out).map((d) => d.toJS() as PrometheusRule).find((o) => o?.kind === 'PrometheusRule');
  }
  const rulesOf = (r: PrometheusRule) => r.spec.groups.flatMap((g) => g.rules);

  it('promtool test rules: each alert fires on its inputs, and pages no one for a scale-up, a handover or a drained burst', { timeout: 120_000 }, async () => {
    const rule = await render(['prometheusRule.enabled=true']);
    assert.ok(rule, 'prometheusRule.enabled renders a PrometheusRule');
    await writeFile(join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
    assert.match(await promtool(['check', 'rules', 'rules.yaml'], { cwd: dir }), /SUCCESS: 6 rules found/);
    await copyFile(CASES, join(dir, 'tests.yaml'));
    assert.match(await promtool(['test', 'rules', 'tests.yaml'], { cwd: dir }), /SUCCESS/);
  });

  it('every alert has a case where it fires and one where it does not, a severity, and a runbook in the README', async () => {
    const rules = rulesOf((await render(['prometheusRule.enabled=true']))!);
    const cases = (parse(await readFile(CASES, 'utf8')) as PromtoolTests).tests.flatMap((t) => t.alert_rule_test ?? []);
    const headings = new Set((await readFile(README, 'utf8')).split('\n').filter((l) => l.startsWith('#')).map((l) => anchorOf(l.replace(/^#+/, ''))));
    assert.deepEqual(rules.map((r) => r.alert), ['ChatCLIOperatorDown', 'ChatCLIOperatorNoLeader', 'ChatCLIOperatorReconcileErrors',
      'ChatCLIInstanceNotReady', 'ChatCLIOperatorWorkQueueBackingUp', 'ChatCLIOperatorLeaderFlapping']);
    for (const r of rules) {
      assert.ok(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length > 0), `${r.alert} fires in a case`);
      assert.ok(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length === 0), `${r.alert} stays silent in a case`);
      assert.match(r.labels.severity ?? '', /^(critical|warning)$/, r.alert);
      assert.ok(r.annotations.summary && r.annotations.description, `${r.alert}: summary and description`);
      const [, anchor] = /^https:\/\/\S+\/README\.md#(\S+)$/.exec(r.annotations.runbook_url ?? '') ?? [];
      assert.equal(anchor, r.alert.toLowerCase(), `${r.alert}: runbook_url`);
      assert.ok(headings.has(anchor), `README has a section #${anchor}`);
    }
  });

  it('reads only metrics the operator exports (from its registry), and up', async () => {
    const exported = await exportedSeriesNames();
    for (const r of rulesOf((await render(['prometheusRule.enabled=true']))!)) {
      const names = metricNamesIn(r.expr);
      assert.ok(names.length > 0, `${r.alert} reads a metric`);
      for (const n of names) assert.ok(exported.has(n) || PROMETHEUS_SERIES.has(n), `${r.alert}: ${n} is exported by the operator`);
      assert.ok(/job="chatcli-operator-metrics"/.test(r.expr), `${r.alert} selects the operator's job`);
    }
  });

  it('is off by default; its labels, job, delay and extra alert labels are the values; no leader alerts without leader election', async () => {
    assert.equal(await render(), undefined);
    const rule = (await render(['prometheusRule.enabled=true', 'prometheusRule.labels.release=prometheus', 'prometheusRule.job=ops/chatcli',
      'prometheusRule.instanceNotReadyFor=1h', 'prometheusRule.additionalLabels.team=platform', 'prometheusRule.additionalLabels.severity=page',
      'prometheusRule.runbookUrl=https://docs.example.com/chatcli.md']))!;
    assert.equal(rule.metadata.labels.release, 'prometheus');
    for (const r of rulesOf(rule)) {
      assert.match(r.expr, /job="ops\/chatcli"/, r.alert);
      assert.deepEqual([r.labels.team, r.labels.severity], ['platform', 'page'], r.alert);
      assert.equal(r.annotations.runbook_url, `https://docs.example.com/chatcli.md#${r.alert.toLowerCase()}`);
    }
    assert.equal(rulesOf(rule).find((r) => r.alert === 'ChatCLIInstanceNotReady')?.for, '1h');
    const single = (await render(['prometheusRule.enabled=true', 'replicas=1', 'leaderElection.enabled=false']))!;
    assert.deepEqual(rulesOf(single).map((r) => r.alert).filter((a) => a.includes('Leader')), []);
    const named = (await render(['prometheusRule.enabled=true', 'fullnameOverride=chat-ops']))!;
    assert.match(rulesOf(named)[0]!.expr, /job="chat-ops-metrics"/, "the job follows the metrics Service's name");
  });
});
