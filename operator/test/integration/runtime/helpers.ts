// Small helpers shared by the runtime's integration tests.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { createObject } from '../../../src/runtime/apply.ts';
import type { KubeObject } from '../../../src/runtime/kube.ts';
import { ConfigMaps, Namespaces } from '../../../src/runtime/resources.ts';

export { retrying as eventually } from '../../support/wait.ts';

/** Creates a namespace with a unique name and returns that name. */
export async function freshNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await createObject(kc, Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

export function configMap(namespace: string, name: string, labels: Record<string, string>, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: ConfigMaps.apiVersion, kind: ConfigMaps.kind, metadata: { namespace, name, labels }, data };
}
