// What the benchmark creates: instances (the seed's four samples in turn, spread
// over namespaces), the objects they become, and unrelated objects an operator
// must not pay for. Plus the client that sends them as fast as it is allowed.
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../src/api/defaults.ts';
import { desiredObjects } from '../../src/desired/index.ts';
import { LABEL_MANAGED_BY, WATCHABLE_NAMESPACE_LABEL, WATCHABLE_NAMESPACE_VALUE } from '../../src/desired/names.ts';
import { INSTANCES, servedTypes } from '../../src/reconciler/types.ts';
// The owned kinds a plane without the Prometheus Operator's CRDs serves.
const OWNED_TYPES = servedTypes([]);
import { request, resourcePath, type KubeObject, type ResourceType } from '../../src/runtime/kube.ts';
import { ConfigMaps, Deployments, Namespaces, Secrets, Services } from '../../src/runtime/resources.ts';

const SAMPLES_DIR = fileURLToPath(new URL('../../config/samples', import.meta.url));
/** Where the samples' watcher targets live: they must exist for the watcher Roles. */
export const TARGET_NAMESPACES = ['production', 'batch', 'ml'];
/** The target namespaces opt in to being watched (the operator's default --watch-namespace-policy=label). */
export const TARGET_NAMESPACE_LABELS = { [WATCHABLE_NAMESPACE_LABEL]: WATCHABLE_NAMESPACE_VALUE };

export interface Sample {
  /** "minimal", "single_target", ... from the file name. */
  name: string;
  instance: ChatCLIInstance;
}

export function loadSamples(only?: (s: Sample) => boolean): Sample[] {
  const samples = readdirSync(SAMPLES_DIR)
    .filter((f) => /^chatcli_v1alpha1_.*\.yaml$/.test(f))
    .sort()
    .map((f) => ({
      name: f.replace(/^chatcli_v1alpha1_|\.yaml$/g, ''),
      instance: parse(readFileSync(join(SAMPLES_DIR, f), 'utf8')) as ChatCLIInstance,
    }));
  return only ? samples.filter(only) : samples;
}

export const namespaceNames = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

/**
 * n instances, the samples in turn, round-robin over the namespaces. Names carry
 * the prefix: a single-target watcher Role is named after the instance alone,
 * in the target's namespace, so names must be unique across namespaces.
 */
export function instances(n: number, prefix: string, namespaces: string[], samples: Sample[]): ChatCLIInstance[] {
  return Array.from({ length: n }, (_, i) => {
    const sample = samples[i % samples.length]!;
    const copy = structuredClone(sample.instance);
    copy.metadata = { name: `${prefix}-${sample.name.replace(/_/g, '-')}-${i}`, namespace: namespaces[i % namespaces.length]! };
    return copy;
  });
}

/**
 * Everything these instances become, as an operator would apply it (with an
 * owner reference to a made-up uid: the same bytes, and api mode has no
 * garbage collector to mind).
 */
export function objectsOf(list: ChatCLIInstance[]): KubeObject[] {
  return list.flatMap((i) => {
    const stored = { ...i, metadata: { ...i.metadata, uid: randomUUID() } };
    return desiredObjects(withDefaults(stored, i.metadata.namespace)) as KubeObject[];
  });
}

/**
 * Unrelated objects: ConfigMaps (1 KiB each), Services and Deployments in thirds,
 * without the operator's labels.
 */
export function unrelatedObjects(n: number, namespaces: string[]): KubeObject[] {
  const filler = 'x'.repeat(1024);
  return Array.from({ length: n }, (_, i) => {
    const metadata = { name: `unrelated-${i}`, namespace: namespaces[i % namespaces.length]!, labels: { app: `unrelated-${i}` } };
    switch (i % 3) {
      case 0:
        return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { filler } };
      case 1:
        return { apiVersion: 'v1', kind: 'Service', metadata, spec: { selector: metadata.labels, ports: [{ port: 80 }] } };
      default:
        return {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata,
          spec: {
            replicas: 1,
            selector: { matchLabels: metadata.labels },
            template: { metadata: { labels: metadata.labels }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
          },
        };
    }
  });
}

export function namespaceObjects(names: string[], labels?: Record<string, string>): KubeObject[] {
  return names.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } }));
}

/** The same objects with another managed-by label value, so that no operator's watch selects them. */
export function relabeled(objects: KubeObject[], managedBy: string): KubeObject[] {
  return objects.map((o) => {
    const copy = structuredClone(o);
    if (copy.metadata?.labels?.[LABEL_MANAGED_BY]) copy.metadata.labels[LABEL_MANAGED_BY] = managedBy;
    return copy;
  });
}

const TYPES: ResourceType[] = [INSTANCES, ...OWNED_TYPES, ConfigMaps, Secrets, Services, Deployments, Namespaces];

export function typeOfObject(o: KubeObject): ResourceType {
  const type = TYPES.find((t) => t.apiVersion === o.apiVersion && t.kind === o.kind);
  if (!type) throw new Error(`bench: no resource type for ${o.apiVersion} ${o.kind}`);
  return type;
}

/** POSTs one object; returns what the server stored. */
export async function create(kc: KubeConfig, o: KubeObject): Promise<KubeObject> {
  return await request(kc, { method: 'POST', path: resourcePath(typeOfObject(o), { namespace: o.metadata?.namespace }), body: o });
}

/** Runs fn over items with at most `concurrency` in flight; rejects on the first failure. */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Creates every object, `concurrency` at a time. */
export async function createAll(kc: KubeConfig, objects: readonly KubeObject[], concurrency: number): Promise<void> {
  await inPool(objects, concurrency, (o) => create(kc, o));
}
