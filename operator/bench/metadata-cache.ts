// What metadata-only informers would hold, the alternative to proving absence
// with a create (docs/performance.md, "Proving absence"): to tell from a cache
// that no object of a name exists, the operator would have to cache every
// object of each kind it creates, whoever made it, not only its labelled ones.
// On a fresh api-mode plane with N unrelated objects (the benchmark's), lists
// each kind the operator creates as PartialObjectMetadata, cluster-wide, and
// measures the V8 heap that list holds: whole, and shaped as the operator's
// caches shape objects (no managedFields, strings interned).
//   node bench/metadata-cache.ts [--unrelated 5000]
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { OWNED_TYPES } from '../src/reconciler/types.ts';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { resourcePath, type KubeObject } from '../src/runtime/kube.ts';
import { loadKubeConfig, type ClusterConfig } from '../src/runtime/kubeconfig.ts';
import { cacheTransform } from '../src/runtime/shape.ts';
import { startBenchPlane } from './lib/plane.ts';
import { createAll, namespaceNames, namespaceObjects, unrelatedObjects } from './lib/workload.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/** A cluster-wide list as PartialObjectMetadataList: the JSON text of its items. */
async function metadataList(kc: ClusterConfig, path: string): Promise<string> {
  const url = new URL(`${kc.getCurrentCluster()?.server ?? ''}${path}`);
  const opts: RequestOptions = { method: 'GET', hostname: url.hostname, port: url.port, path: url.pathname, headers: { Accept: METADATA_ACCEPT } };
  await kc.applyToHTTPSOptions(opts);
  const body = await new Promise<string>((resolve, reject) => {
    httpsRequest(opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    }).on('error', reject).end();
  });
  const list = JSON.parse(body) as { kind?: string; items?: KubeObject[] };
  if (list.kind !== 'PartialObjectMetadataList') throw new Error(`${path}: served ${list.kind}, not PartialObjectMetadataList`);
  return JSON.stringify(list.items ?? []);
}

/** Heap bytes that `make` holds after a full GC, and how many items. */
function heldBytes(make: () => unknown[]): { bytes: number; items: number } {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = make();
  gc();
  gc();
  return { bytes: Math.max(0, process.memoryUsage().heapUsed - before), items: held.length };
}

const { values } = parseArgs({ options: { unrelated: { type: 'string', default: '5000' } } });
const log = (line: string) => process.stderr.write(`[metadata-cache] ${line}\n`);
const bp = await startBenchPlane('api', { operatorAsAdmin: true, log });
try {
  const other = namespaceNames('unrelated', 10);
  await createAll(bp.admin, namespaceObjects(other), 4);
  log(`creating ${values.unrelated} unrelated objects`);
  await createAll(bp.admin, unrelatedObjects(Number(values.unrelated), other), 32);
  const kc = loadKubeConfig({ kubeconfigPath: bp.plane.kubeconfigPath });
  const shape = cacheTransform();
  const rows: string[] = [];
  let total = { items: 0, whole: 0, shaped: 0, json: 0 };
  for (const type of OWNED_TYPES) {
    const text = await metadataList(kc, resourcePath(type));
    const whole = heldBytes(() => JSON.parse(text) as KubeObject[]);
    const shaped = heldBytes(() => (JSON.parse(text) as KubeObject[]).map(shape));
    total = { items: total.items + whole.items, whole: total.whole + whole.bytes, shaped: total.shaped + shaped.bytes, json: total.json + text.length };
    rows.push(`| ${type.plural} | ${whole.items} | ${(whole.bytes / 1024).toFixed(0)} | ${(shaped.bytes / 1024).toFixed(0)} | ${whole.items ? Math.round(shaped.bytes / whole.items) : 0} |`);
  }
  console.log('| resource | objects | heap KiB as served | heap KiB shaped | shaped bytes/object |');
  console.log('|---|---|---|---|---|');
  console.log(rows.join('\n'));
  console.log(`| all | ${total.items} | ${(total.whole / 1024).toFixed(0)} | ${(total.shaped / 1024).toFixed(0)} | ${Math.round(total.shaped / total.items)} |`);
  console.log(`\nJSON as served: ${(total.json / 1024).toFixed(0)} KiB`);
} finally {
  await bp.plane.stop();
}
