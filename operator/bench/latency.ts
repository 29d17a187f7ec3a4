// Scenario 5: create -> Available=True, per instance, on a full plane (the
// Deployment controller, the scheduler and kwok's fake kubelet run, so pods do
// become ready). Instances are created at a steady rate, each timed from the
// moment its create was sent to the moment the benchmark saw Available=True.
import { percentile, round } from './lib/machine.ts';
import { sleep } from './lib/operator-process.ts';
import type { BenchPlane } from './lib/plane.ts';
import type { InstanceTracker } from './lib/tracker.ts';
import { create, createAll, instances, namespaceNames, namespaceObjects, type Sample } from './lib/workload.ts';
import { keyOf } from './scale.ts';

export interface LatencyResult {
  instances: number;
  perSecond: number;
  samples: string[];
  p50Seconds: number;
  p95Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
}

const TIMEOUT_MS = 10 * 60_000;

export async function runLatency(
  bp: BenchPlane,
  tracker: InstanceTracker,
  opts: { count: number; perSecond: number; namespaces: number; samples: Sample[] },
): Promise<LatencyResult> {
  const ns = namespaceNames('latency', opts.namespaces);
  await createAll(bp.admin, namespaceObjects(ns), 8);
  const list = instances(opts.count, 'lat', ns, opts.samples);
  const sentAt = new Map<string, number>();
  const started = performance.now();
  const creates: Promise<unknown>[] = [];
  for (const [i, instance] of list.entries()) {
    // A steady schedule, not a steady gap: a slow create does not push the rest back.
    await sleep(Math.max(0, started + (i * 1000) / opts.perSecond - performance.now()));
    sentAt.set(keyOf(instance), performance.now());
    creates.push(create(bp.admin, instance));
  }
  await Promise.all(creates);
  const keys = list.map(keyOf);
  await tracker.waitFor(keys, (k) => tracker.availableAt(k) !== undefined, TIMEOUT_MS);
  const seconds = keys.map((k) => (tracker.availableAt(k)! - sentAt.get(k)!) / 1000);
  return {
    instances: opts.count,
    perSecond: opts.perSecond,
    samples: opts.samples.map((s) => s.name),
    p50Seconds: round(percentile(seconds, 50), 3),
    p95Seconds: round(percentile(seconds, 95), 3),
    p99Seconds: round(percentile(seconds, 99), 3),
    maxSeconds: round(Math.max(...seconds), 3),
  };
}
