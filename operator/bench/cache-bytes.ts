// Bytes per cached object: each kind the operator caches, listed from the API
// server as its informers list it, measured whole and as the operator's caches
// keep it (src/reconciler/cache-shape.ts), as JSON and as V8 heap.
//   node bench/cache-bytes.ts [--kubeconfig PATH]   (default: KUBECONFIG)
// make bench runs it after convergence on the largest plane and on the full plane.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { LABEL_MANAGED_BY, OPERATOR_NAME } from '../src/desired/names.ts';
import { WATCHABLE_NAMESPACES_SELECTOR } from '../src/desired/tenancy.ts';
import { cacheShapeOf } from '../src/reconciler/cache-shape.ts';
import { INSTANCES, servedTypes, PODS } from '../src/reconciler/types.ts';
// The owned kinds a plane without the Prometheus Operator's CRDs serves.
const OWNED_TYPES = servedTypes([]);
import { loadKubeConfig, request, resourcePath, type ClusterConfig, type KubeObject, type ResourceType } from '../src/runtime/kube.ts';
import { Namespaces } from '../src/runtime/resources.ts';
import { stripManagedFields } from '../src/runtime/informer.ts';
import { jsonBytes } from '../src/runtime/shape.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface CacheBytes {
  resource: string;
  objects: number;
  /** Averages per object, in bytes: as served, without managedFields only (the informers' default), as the operator caches it. */
  jsonWhole: number;
  jsonStripped: number;
  jsonCached: number;
  heapWhole: number;
  heapStripped: number;
  heapCached: number;
}

/** Heap bytes per item that `make` holds (what stays after a full GC). */
function heapPerItem(make: () => unknown[]): number {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = make();
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  return held.length === 0 ? 0 : Math.max(0, Math.round((after - before) / held.length));
}

/** What the operator watches, with the selector it watches it with and its cache transform. */
function watched(): { type: ResourceType; labelSelector?: string; shape: (o: KubeObject) => KubeObject }[] {
  const managed = `${LABEL_MANAGED_BY}=${OPERATOR_NAME}`;
  return [
    { type: INSTANCES, shape: cacheShapeOf(INSTANCES, 'primary') },
    ...[...OWNED_TYPES, PODS].map((type) => ({ type, labelSelector: managed, shape: cacheShapeOf(type, 'owned') })),
    { type: Namespaces, labelSelector: WATCHABLE_NAMESPACES_SELECTOR, shape: cacheShapeOf(Namespaces, 'watched') },
  ];
}

export async function measureCacheBytes(kc: ClusterConfig): Promise<CacheBytes[]> {
  const out: CacheBytes[] = [];
  for (const { type, labelSelector, shape } of watched()) {
    const list = await request<{ items?: KubeObject[] }>(kc, { method: 'GET', path: resourcePath(type), query: { labelSelector } });
    const items = (list.items ?? []).map((o) => ({ ...o, apiVersion: type.apiVersion, kind: type.kind }));
    if (items.length === 0) continue;
    const text = JSON.stringify(items);
    const sum = (f: (o: KubeObject) => number) => items.reduce((n, o) => n + f(o), 0);
    out.push({
      resource: `${type.plural}${labelSelector ? ` (${labelSelector})` : ''}`,
      objects: items.length,
      jsonWhole: Math.round(sum(jsonBytes) / items.length),
      jsonStripped: Math.round(sum((o) => jsonBytes(stripManagedFields(o))) / items.length),
      jsonCached: Math.round(sum((o) => jsonBytes(shape(o))) / items.length),
      // Parsed afresh each time, as an informer parses what the server sends.
      heapWhole: heapPerItem(() => JSON.parse(text) as KubeObject[]),
      heapStripped: heapPerItem(() => (JSON.parse(text) as KubeObject[]).map(stripManagedFields)),
      heapCached: heapPerItem(() => (JSON.parse(text) as KubeObject[]).map(shape)),
    });
  }
  return out;
}

/** A markdown table of the figures. */
export function cacheBytesTable(rows: CacheBytes[]): string {
  return [
    '| resource | objects | JSON bytes/object: served / no managedFields / cached | V8 heap bytes/object: served / no managedFields / cached |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.resource} | ${r.objects} | ${r.jsonWhole} / ${r.jsonStripped} / ${r.jsonCached} | ${r.heapWhole} / ${r.heapStripped} / ${r.heapCached} |`),
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { kubeconfig: { type: 'string' } } });
  const rows = await measureCacheBytes(loadKubeConfig({ kubeconfigPath: values.kubeconfig }));
  console.log(cacheBytesTable(rows));
}
