// Small helpers shared by the runtime's integration tests.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { createObject } from '../../../src/runtime/apply.ts';
import type { KubeObject } from '../../../src/runtime/kube.ts';
import { ConfigMaps, Namespaces } from '../../../src/runtime/resources.ts';

/** Retries `check` until it stops throwing, or rethrows its last error after the timeout. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** Creates a namespace with a unique name and returns that name. */
export async function freshNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await createObject(kc, Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

export function configMap(namespace: string, name: string, labels: Record<string, string>, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: ConfigMaps.apiVersion, kind: ConfigMaps.kind, metadata: { namespace, name, labels }, data };
}
