// The ServiceMonitor `<name>` (Prometheus Operator, monitoring.coreos.com/v1)
// when spec.server.metrics.serviceMonitor.enabled: it selects the instance's
// Service by the instance's labels in its own namespace and scrapes its
// `metrics` port. Desired whatever the cluster has; the reconciler applies it
// only where the CRD is installed (operator.ts discovers it at start).
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { serverMetricsPort } from './chatcli.ts';
import { METRICS_PORT_NAME, selectorLabels, serviceName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

export const SERVICE_MONITOR_API_VERSION = 'monitoring.coreos.com/v1';
export const SERVICE_MONITOR_KIND = 'ServiceMonitor';

export function desiredServiceMonitor(instance: DefaultedChatCLIInstance): KubeObject | undefined {
  const wanted = instance.spec.server.metrics?.serviceMonitor;
  if (wanted?.enabled !== true || serverMetricsPort(instance.spec.server) === undefined) return undefined;
  const meta = instance.metadata;
  const metadata = ownedMeta(meta, serviceName(meta), meta.namespace);
  if (wanted.labels) metadata.labels = { ...wanted.labels, ...metadata.labels };
  return {
    apiVersion: SERVICE_MONITOR_API_VERSION,
    kind: SERVICE_MONITOR_KIND,
    metadata,
    spec: {
      selector: { matchLabels: selectorLabels(meta) },
      namespaceSelector: { matchNames: [meta.namespace] },
      endpoints: [{ port: METRICS_PORT_NAME, path: '/metrics', scheme: 'http', ...(wanted.interval ? { interval: wanted.interval } : {}) }],
    },
  };
}
