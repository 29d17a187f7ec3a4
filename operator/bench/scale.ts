// Scenario 2 (scale) and 3 (API efficiency while converging): n instances
// created as fast as a client can, timed from the first create until every one
// has its status written for its generation (api mode has no Deployment
// controller, so that is status.observedGeneration == metadata.generation, not
// Available) and every object ours would create for it is there: where ours
// puts it, or (another operator) under the same kind and name in another
// namespace, counted as misplaced. The API server's own request counters say
// what it took. A run that makes no progress for the stall window is stopped
// and its figures kept as far as it got.
import type { ChatCLIInstance } from '../src/api/chatcliinstance.ts';
import { servedTypes } from '../src/reconciler/types.ts';
// The owned kinds a plane without the Prometheus Operator's CRDs serves.
const OWNED_TYPES = servedTypes([]);
import { request, resourcePath, type KubeObject } from '../src/runtime/kube.ts';
import { difference, requestCounts, serverEventCount, writes, type RequestCounts } from './lib/apiserver-metrics.ts';
import { round } from './lib/machine.ts';
import { accountObjects, refOf, type ObjectAccount, type ObjectRef } from './lib/object-accounting.ts';
import type { OperatorProcess } from './lib/operator-process.ts';
import { sleep } from './lib/operator-process.ts';
import type { BenchPlane } from './lib/plane.ts';
import { ProgressError, progressWatch, verdictText, type WaitLimits } from './lib/progress.ts';
import type { InstanceTracker } from './lib/tracker.ts';
import { createAll, instances, namespaceNames, namespaceObjects, objectsOf, type Sample } from './lib/workload.ts';

export interface ScaleFigures {
  instances: number;
  objects: number;
  concurrency?: number;
  /** Sending the n creates. */
  createSeconds: number;
  /** First create -> last status written. */
  statusSeconds: number;
  /**
   * First create -> every status written and every expected object found or
   * misplaced (the convergence time). When `stopped`: first create -> the last
   * progress seen, not a convergence time.
   */
  seconds: number;
  /** Requests by verb and resource, without the benchmark's own n instance creates and the API server's own Events. */
  requests: RequestCounts;
  /** Events the API server's ClusterIP repair recorded meanwhile (left out of requests). */
  serverEvents: number;
  operatorWrites: number;
  writesPerInstance: number;
  objectsPerInstance: number;
  operatorCpuSeconds: number;
  /** Instances whose status was written for their generation: all of them unless stopped. */
  statuses: number;
  /** Why the scenario was stopped before it converged (no progress for the stall window, or its deadline). */
  stopped?: string;
}

/** The expected objects (what ours creates) sorted into found, misplaced and missing, at convergence or when stopped. */
export type ScaleResult = ScaleFigures & Omit<ObjectAccount, 'expected'>;

const CLIENT_CONCURRENCY = 16;
const TIMEOUT_MS = 20 * 60_000;

export async function runScale(
  bp: BenchPlane,
  op: OperatorProcess,
  tracker: InstanceTracker,
  opts: { n: number; prefix: string; namespaces: number; samples: Sample[]; stallSeconds: number },
): Promise<ScaleResult> {
  const ns = namespaceNames(opts.prefix, opts.namespaces);
  await createAll(bp.admin, namespaceObjects(ns), 8);
  const list = instances(opts.n, opts.prefix, ns, opts.samples);
  const expected = objectsOf(list);
  const keys = list.map(keyOf);
  const limits: WaitLimits = { timeoutMs: TIMEOUT_MS, stallMs: opts.stallSeconds * 1000 };

  const cpuBefore = (await op.usage()).cpuSeconds;
  const serverEventsBefore = await serverEventCount(bp.admin);
  const before = await requestCounts(bp.plane);
  const started = performance.now();
  await createAll(bp.admin, list, CLIENT_CONCURRENCY);
  const created = performance.now();
  let stopped: string | undefined;
  try {
    await tracker.waitFor(keys, (k) => tracker.observedAt(k) !== undefined, limits);
  } catch (err) {
    if (!(err instanceof ProgressError)) throw err;
    stopped = `statuses: ${err.message}`;
  }
  const requests = difference(await requestCounts(bp.plane), before);
  const serverEvents = (await serverEventCount(bp.admin)) - serverEventsBefore;
  const cpuAfter = (await op.usage()).cpuSeconds;
  const observed = keys.map((k) => tracker.observedAt(k)).filter((t) => t !== undefined);
  const statusDone = Math.max(started, ...observed);
  // Objects are checked after the counters are read, so these lists are not counted.
  // Statuses that stalled: one look at the objects, no second stall window.
  const placed = await placeObjects(bp, expected.map(refOf), stopped ? undefined : limits);
  // Stopped while waiting for statuses: the last status written was its last progress.
  const objectsDone = stopped ? statusDone : Math.max(statusDone, placed.at);
  stopped ??= placed.stopped;
  const { expected: _, ...account } = placed.account;

  // Not the operator's: the benchmark's own creates, and the API server's repair Events.
  const subtract = (key: string, n: number) => {
    requests[key] = (requests[key] ?? 0) - n;
    if (requests[key] === 0) delete requests[key];
  };
  subtract('POST chatcliinstances', opts.n);
  subtract('POST events', serverEvents);
  const operatorWrites = writes(requests);
  return {
    instances: opts.n,
    objects: expected.length,
    createSeconds: round((created - started) / 1000, 3),
    statusSeconds: round((statusDone - started) / 1000, 3),
    seconds: round((objectsDone - started) / 1000, 3),
    requests,
    serverEvents,
    operatorWrites,
    writesPerInstance: round(operatorWrites / opts.n, 3),
    objectsPerInstance: round(expected.length / opts.n),
    operatorCpuSeconds: round(cpuAfter - cpuBefore),
    statuses: observed.length,
    ...(stopped ? { stopped } : {}),
    ...account,
  };
}

export const keyOf = (i: ChatCLIInstance): string => `${i.metadata.namespace}/${i.metadata.name}`;

/**
 * Polls (whole-cluster lists per kind) until every expected object is found or
 * misplaced; returns the account and when it was first complete. Without
 * limits: one look. With them: stops when no further object has turned up for
 * the stall window, or at the deadline; `at` is then the last progress seen.
 */
async function placeObjects(bp: BenchPlane, expected: ObjectRef[], limits: WaitLimits | undefined): Promise<{ account: ObjectAccount; at: number; stopped?: string }> {
  const watch = limits && progressWatch(limits, performance.now());
  for (;;) {
    const at = performance.now();
    const account = accountObjects(expected, await presentObjects(bp));
    if (account.missing === 0 || !watch) return { account, at };
    const verdict = watch(account.found + account.misplaced, performance.now());
    if (!verdict.going) {
      const e = account.missingExamples[0];
      return { account, at: performance.now() - verdict.idleMs, stopped: `objects: ${account.missing} of ${account.expected} missing: ${verdictText(verdict)}${e ? ` (e.g. ${e})` : ''}` };
    }
    await sleep(1000);
  }
}

async function presentObjects(bp: BenchPlane): Promise<ObjectRef[]> {
  const present: ObjectRef[] = [];
  for (const type of OWNED_TYPES) {
    const list = await request<{ items: KubeObject[] }>(bp.admin, { method: 'GET', path: resourcePath(type) });
    for (const o of list.items) present.push({ ...refOf(o), kind: type.kind });
  }
  return present;
}
