// What the operator exports, read from its metrics registry (not a list kept by
// hand), and which metric names a PromQL expression reads: the chart's alerts
// and dashboard may only name series that exist.
import { createChatCLIOperatorMetrics } from '../../src/reconciler/operator-metrics.ts';

/** Series Prometheus makes itself for every target. */
export const PROMETHEUS_SERIES = new Set(['up']);

/** Every series name the operator process exports (a histogram's _bucket, _sum and _count). */
export async function exportedSeriesNames(): Promise<Set<string>> {
  const metrics = createChatCLIOperatorMetrics({ managedInstances: () => 0 });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const type = String(m.type);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects (Grafana's $variables and
 * label_values() allowed):
 * identifiers outside label matchers, ranges and grouping clauses that call
 * nothing and are no operator keyword.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ')
    // Grafana's label_values(metric, label): the label is none.
    .replace(/\blabel_values\s*\(([^,()]*),\s*\w+\s*\)/g, '($1)');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)) {
    if (!KEYWORDS.has(m[1]!.toLowerCase())) names.add(m[1]!);
  }
  return [...names];
}
