// The ServiceAccount `<name>`: the pods' identity, which the watcher RBAC binds
// and a cloud's workload identity maps to a cloud role (spec.serviceAccount.annotations).
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { serviceAccountName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

export function desiredServiceAccount(instance: DefaultedChatCLIInstance): KubeObject {
  const metadata = ownedMeta(instance.metadata, serviceAccountName(instance.metadata), instance.metadata.namespace);
  const annotations = instance.spec.serviceAccount?.annotations;
  // The API refuses keys under the operator's domain, so none of its own is overwritten.
  if (annotations !== undefined && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations, ...metadata.annotations };
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata };
}
