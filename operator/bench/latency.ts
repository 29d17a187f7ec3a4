// Scenario 5: create -> Available=True, per instance, on a full plane (the
// Deployment controller, the scheduler and kwok's fake kubelet run, so pods do
// become ready). Instances are created at a steady rate, each timed from the
// moment its create was sent to the moment the benchmark saw Available=True;
// apart for instances with and without a sessions claim, and broken down into
// the steps between (./lib/phases.ts), each the plane's or the operator's.
import { withDefaults } from '../src/api/defaults.ts';
import { desiredSessionsClaim } from '../src/desired/pvc.ts';
import { difference, requestCounts, writes, type RequestCounts } from './lib/apiserver-metrics.ts';
import { cpuByProgram, cpuSpent, type CpuByProgram } from './lib/cpu-split.ts';
import { percentile, round } from './lib/machine.ts';
import { sleep } from './lib/operator-process.ts';
import { CLAIM_STEPS, NO_CLAIM_STEPS, stepSeconds, trackPhases, type Milestones, type Step } from './lib/phases.ts';
import type { BenchPlane } from './lib/plane.ts';
import type { InstanceTracker } from './lib/tracker.ts';
import { create, createAll, instances, namespaceNames, namespaceObjects, type Sample } from './lib/workload.ts';
import { keyOf } from './scale.ts';

export interface Percentiles {
  instances: number;
  p50Seconds: number;
  p95Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
}

export interface StepFigures {
  name: string;
  whose: Step['whose'];
  /** Instances for which both ends of the step were seen. */
  instances: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
}

export interface LatencyResult extends Percentiles {
  perSecond: number;
  samples: string[];
  withoutClaim?: Percentiles;
  withClaim?: Percentiles;
  steps?: { withoutClaim: StepFigures[]; withClaim: StepFigures[] };
  /** Instances with a claim whose pod the scheduler first found unschedulable, and the first thing it said. */
  unschedulable?: { instances: number; message?: string };
  /** From the first create to the last Available: seconds, CPU seconds per program, and what the API server was asked. */
  window?: { seconds: number; cpuSeconds: CpuByProgram; requests: RequestCounts; writes: number };
}

const TIMEOUT_MS = 10 * 60_000;

export async function runLatency(
  bp: BenchPlane,
  tracker: InstanceTracker,
  opts: { count: number; perSecond: number; namespaces: number; samples: Sample[]; stallSeconds: number },
): Promise<LatencyResult> {
  const ns = namespaceNames('latency', opts.namespaces);
  await createAll(bp.admin, namespaceObjects(ns), 8);
  const list = instances(opts.count, 'lat', ns, opts.samples);
  const stopPhases = new AbortController();
  const phases = await trackPhases(bp.admin, stopPhases.signal);
  try {
    const sentAt = new Map<string, number>();
    const [cpuBefore, requestsBefore] = [await cpuByProgram(), await requestCounts(bp.plane)];
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
    await tracker.waitFor(keys, (k) => tracker.availableAt(k) !== undefined, { timeoutMs: TIMEOUT_MS, stallMs: opts.stallSeconds * 1000 });
    const seconds = (performance.now() - started) / 1000;
    const [cpuAfter, requestsAfter] = [await cpuByProgram(), await requestCounts(bp.plane)];
    if (phases.failure()) throw phases.failure();
    const requests = difference(requestsAfter, requestsBefore);
    const claimed = new Set(list.filter((i) => desiredSessionsClaim(withDefaults(i)) !== undefined).map(keyOf));
    const withClaim = keys.filter((k) => claimed.has(k));
    const withoutClaim = keys.filter((k) => !claimed.has(k));
    const total = (k: string) => (tracker.availableAt(k)! - sentAt.get(k)!) / 1000;
    const steps = (group: string[], which: Step[]) =>
      which.map((step) => stepFigures(step, group.map((k) => stepSeconds(step, phases.of(k), sentAt.get(k)!, tracker.availableAt(k)))));
    const unschedulable = withClaim.map((k) => phases.of(k)).filter((m: Milestones) => m.podUnschedulable !== undefined);
    return {
      ...percentiles(keys.map(total)),
      perSecond: opts.perSecond,
      samples: opts.samples.map((s) => s.name),
      withoutClaim: percentiles(withoutClaim.map(total)),
      withClaim: percentiles(withClaim.map(total)),
      steps: { withoutClaim: steps(withoutClaim, NO_CLAIM_STEPS), withClaim: steps(withClaim, CLAIM_STEPS) },
      unschedulable: { instances: unschedulable.length, message: unschedulable[0]?.unschedulableMessage },
      window: { seconds: round(seconds), cpuSeconds: cpuSpent(cpuAfter, cpuBefore), requests, writes: writes(requests) },
    };
  } finally {
    stopPhases.abort();
  }
}

function percentiles(seconds: number[]): Percentiles {
  return {
    instances: seconds.length,
    p50Seconds: round(percentile(seconds, 50), 3),
    p95Seconds: round(percentile(seconds, 95), 3),
    p99Seconds: round(percentile(seconds, 99), 3),
    maxSeconds: round(seconds.length > 0 ? Math.max(...seconds) : NaN, 3),
  };
}

function stepFigures(step: Step, seconds: (number | undefined)[]): StepFigures {
  const seen = seconds.filter((s): s is number => s !== undefined);
  return {
    name: step.name,
    whose: step.whose,
    instances: seen.length,
    p50Seconds: round(percentile(seen, 50), 3),
    p99Seconds: round(percentile(seen, 99), 3),
    maxSeconds: round(seen.length > 0 ? Math.max(...seen) : NaN, 3),
  };
}
