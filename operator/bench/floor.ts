// Scenario 1, the floor: no operator. A plain client creates the n instances and
// every object they become (the same number and kinds), with raw JSON POSTs, as
// fast as the API server takes them. Each concurrency is tried on fresh
// namespaces; the fastest is the floor every operator time is divided by.
import { INSTANCES } from '../src/reconciler/types.ts';
import { request, resourcePath } from '../src/runtime/kube.ts';
import type { BenchPlane } from './lib/plane.ts';
import { round } from './lib/machine.ts';
import { createAll, instances, namespaceNames, namespaceObjects, objectsOf, relabeled, type Sample } from './lib/workload.ts';

export interface FloorResult {
  instances: number;
  /** Objects the instances become (not counting the instances). */
  objects: number;
  concurrency: number;
  seconds: number;
  /** Every concurrency tried. */
  tries: { concurrency: number; seconds: number }[];
}

// The objects keep their shape but not the operator's label: no operator must
// ever select them, in this run or a later one on the same plane.
const FLOOR_MANAGED_BY = 'chatcli-bench-floor';

export async function runFloor(bp: BenchPlane, n: number, concurrencies: number[], samples: Sample[], namespaces: number): Promise<FloorResult> {
  const tries: FloorResult['tries'] = [];
  let objects = 0;
  for (const concurrency of concurrencies) {
    const ns = namespaceNames(`floor-c${concurrency}`, namespaces);
    await createAll(bp.admin, namespaceObjects(ns), 8);
    const list = instances(n, `f${concurrency}`, ns, samples);
    const byInstance = list.map((i) => [i, ...relabeled(objectsOf([i]), FLOOR_MANAGED_BY)]);
    objects = byInstance.reduce((sum, group) => sum + group.length - 1, 0);
    const started = performance.now();
    await createAll(bp.admin, byInstance.flat(), concurrency);
    tries.push({ concurrency, seconds: round((performance.now() - started) / 1000, 3) });
    // The instances go (no finalizer: no operator saw them); their objects stay, unselected.
    for (const namespace of ns) {
      await request(bp.admin, { method: 'DELETE', path: resourcePath(INSTANCES, { namespace }) });
    }
  }
  const best = tries.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { instances: n, objects, concurrency: best.concurrency, seconds: best.seconds, tries };
}
