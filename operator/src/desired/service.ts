// The Service `<name>`: gRPC on the server port, metrics on spec.server.metrics.port
// (9090; none when 0); ClusterIP
// unless the spec asks for NodePort or LoadBalancer (node ports are then left
// to the API server to allocate).
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { serverMetricsPort } from './chatcli.ts';
import { GRPC_PORT_NAME, METRICS_PORT_NAME, selectorLabels, serviceName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

export function desiredService(instance: DefaultedChatCLIInstance): KubeObject {
  const meta = instance.metadata;
  const metadata = ownedMeta(meta, serviceName(meta), meta.namespace);
  const annotations = instance.spec.service?.annotations;
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations, ...metadata.annotations };
  const metricsPort = serverMetricsPort(instance.spec.server);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: instance.spec.service?.type ?? 'ClusterIP',
      selector: selectorLabels(meta),
      ports: [
        { name: GRPC_PORT_NAME, port: instance.spec.server.port, targetPort: GRPC_PORT_NAME, protocol: 'TCP' },
        ...(metricsPort === undefined ? [] : [{ name: METRICS_PORT_NAME, port: metricsPort, targetPort: METRICS_PORT_NAME, protocol: 'TCP' }]),
      ],
    },
  };
}
