// The ServiceAccount `<name>`: the pods' identity, which the watcher RBAC binds.
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { serviceAccountName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';

export function desiredServiceAccount(instance: DefaultedChatCLIInstance): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: ownedMeta(instance.metadata, serviceAccountName(instance.metadata), instance.metadata.namespace),
  };
}
