// The Service `<name>`: gRPC on the server port, metrics on 9090; ClusterIP
// unless the spec asks for NodePort or LoadBalancer (node ports are then left
// to the API server to allocate).
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { GRPC_PORT_NAME, METRICS_PORT, METRICS_PORT_NAME, selectorLabels, serviceName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

export function desiredService(instance: DefaultedChatCLIInstance): KubeObject {
  const meta = instance.metadata;
  const metadata = ownedMeta(meta, serviceName(meta), meta.namespace);
  const annotations = instance.spec.service?.annotations;
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations, ...metadata.annotations };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: instance.spec.service?.type ?? 'ClusterIP',
      selector: selectorLabels(meta),
      ports: [
        { name: GRPC_PORT_NAME, port: instance.spec.server.port, targetPort: GRPC_PORT_NAME, protocol: 'TCP' },
        { name: METRICS_PORT_NAME, port: METRICS_PORT, targetPort: METRICS_PORT_NAME, protocol: 'TCP' },
      ],
    },
  };
}
