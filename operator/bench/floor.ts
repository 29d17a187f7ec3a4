// Scenario 1, the floor: no operator. A plain client creates the n instances and
// every object they become (the same number and kinds), with raw JSON POSTs, as
// fast as the API server takes them. Each concurrency is tried on fresh
// namespaces; the fastest is the floor every operator time is divided by.
// One more try at that concurrency sends the same objects as server-side
// applies instead of POSTs: what the API server charges for apply itself.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ChatCLIInstance } from '../src/api/chatcliinstance.ts';
import { INSTANCES } from '../src/reconciler/types.ts';
import { applyObject } from '../src/runtime/apply.ts';
import { request, resourcePath, type KubeObject } from '../src/runtime/kube.ts';
import { round, underLoad, type Load } from './lib/machine.ts';
import type { BenchPlane } from './lib/plane.ts';
import { createAll, inPool, instances, namespaceNames, namespaceObjects, objectsOf, relabeled, typeOfObject, type Sample } from './lib/workload.ts';

export interface FloorTry {
  concurrency: number;
  seconds: number;
  load: Load;
}

export interface FloorResult {
  instances: number;
  /** Objects the instances become (not counting the instances). */
  objects: number;
  concurrency: number;
  seconds: number;
  /** Every POST concurrency tried. */
  tries: FloorTry[];
  /** The same work as server-side applies, at the best concurrency. */
  apply: FloorTry;
}

// The objects keep their shape but not the operator's label: no operator must
// ever select them, in this run or a later one on the same plane.
const FLOOR_MANAGER = 'chatcli-bench-floor';

type Send = (kc: KubeConfig, objects: KubeObject[], concurrency: number) => Promise<void>;
const sendByPost: Send = createAll;
const sendByApply: Send = (kc, objects, concurrency) =>
  inPool(objects, concurrency, (o) => applyObject(kc, typeOfObject(o), o, { fieldManager: FLOOR_MANAGER, force: true }));

export async function runFloor(bp: BenchPlane, n: number, concurrencies: number[], samples: Sample[], namespaces: number): Promise<FloorResult> {
  let objects = 0;
  const once = async (prefix: string, concurrency: number, send: Send): Promise<FloorTry> => {
    const ns = namespaceNames(`floor-${prefix}`, namespaces);
    await createAll(bp.admin, namespaceObjects(ns), 8);
    const list: ChatCLIInstance[] = instances(n, `f${prefix}`, ns, samples);
    const byInstance = list.map((i) => [i as KubeObject, ...relabeled(objectsOf([i]), FLOOR_MANAGER)]);
    objects = byInstance.reduce((sum, group) => sum + group.length - 1, 0);
    const timed = await underLoad(async () => {
      const started = performance.now();
      await send(bp.admin, byInstance.flat(), concurrency);
      return { seconds: round((performance.now() - started) / 1000, 3) };
    });
    // The instances go (no finalizer: no operator saw them); their objects stay, unselected.
    for (const namespace of ns) await request(bp.admin, { method: 'DELETE', path: resourcePath(INSTANCES, { namespace }) });
    return { concurrency, ...timed };
  };

  const tries: FloorTry[] = [];
  for (const concurrency of concurrencies) tries.push(await once(`c${concurrency}`, concurrency, sendByPost));
  const best = tries.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const apply = await once(`apply-c${best.concurrency}`, best.concurrency, sendByApply);
  return { instances: n, objects, concurrency: best.concurrency, seconds: best.seconds, tries, apply };
}
