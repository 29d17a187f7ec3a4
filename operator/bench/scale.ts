// Scenario 2 (scale) and 3 (API efficiency while converging): n instances
// created as fast as a client can, timed from the first create until every one
// has its status written for its generation (api mode has no Deployment
// controller, so that is status.observedGeneration == metadata.generation, not
// Available) and every object it becomes exists. The API server's own request
// counters say what it took.
import type { ChatCLIInstance } from '../src/api/chatcliinstance.ts';
import { OWNED_TYPES } from '../src/reconciler/types.ts';
import { request, resourcePath, type KubeObject } from '../src/runtime/kube.ts';
import { difference, requestCounts, serverEventCount, writes, type RequestCounts } from './lib/apiserver-metrics.ts';
import { round } from './lib/machine.ts';
import type { OperatorProcess } from './lib/operator-process.ts';
import { sleep } from './lib/operator-process.ts';
import type { BenchPlane } from './lib/plane.ts';
import type { InstanceTracker } from './lib/tracker.ts';
import { createAll, instances, namespaceNames, namespaceObjects, objectsOf, type Sample } from './lib/workload.ts';

export interface ScaleResult {
  instances: number;
  objects: number;
  concurrency?: number;
  /** Sending the n creates. */
  createSeconds: number;
  /** First create -> last status written. */
  statusSeconds: number;
  /** First create -> status written and every object present (the convergence time). */
  seconds: number;
  /** Requests by verb and resource, without the benchmark's own n instance creates and the API server's own Events. */
  requests: RequestCounts;
  /** Events the API server's ClusterIP repair recorded meanwhile (left out of requests). */
  serverEvents: number;
  operatorWrites: number;
  writesPerInstance: number;
  objectsPerInstance: number;
  operatorCpuSeconds: number;
}

const CLIENT_CONCURRENCY = 16;
const TIMEOUT_MS = 20 * 60_000;

export async function runScale(
  bp: BenchPlane,
  op: OperatorProcess,
  tracker: InstanceTracker,
  opts: { n: number; prefix: string; namespaces: number; samples: Sample[] },
): Promise<ScaleResult> {
  const ns = namespaceNames(opts.prefix, opts.namespaces);
  await createAll(bp.admin, namespaceObjects(ns), 8);
  const list = instances(opts.n, opts.prefix, ns, opts.samples);
  const expected = objectsOf(list);
  const keys = list.map(keyOf);

  const cpuBefore = (await op.usage()).cpuSeconds;
  const serverEventsBefore = await serverEventCount(bp.admin);
  const before = await requestCounts(bp.plane);
  const started = performance.now();
  await createAll(bp.admin, list, CLIENT_CONCURRENCY);
  const created = performance.now();
  await tracker.waitFor(keys, (k) => tracker.observedAt(k) !== undefined, TIMEOUT_MS);
  const requests = difference(await requestCounts(bp.plane), before);
  const serverEvents = (await serverEventCount(bp.admin)) - serverEventsBefore;
  const cpuAfter = (await op.usage()).cpuSeconds;
  const statusDone = Math.max(...keys.map((k) => tracker.observedAt(k)!));
  // Objects are checked after the counters are read, so these lists are not counted.
  const objectsDone = Math.max(statusDone, await allExist(bp, expected));

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
  };
}

export const keyOf = (i: ChatCLIInstance): string => `${i.metadata.namespace}/${i.metadata.name}`;

/** Polls (whole-cluster lists per kind) until every expected object exists; returns when it first saw them all. */
async function allExist(bp: BenchPlane, expected: KubeObject[]): Promise<number> {
  const deadline = performance.now() + TIMEOUT_MS;
  for (;;) {
    const seenAt = performance.now();
    const present = new Set<string>();
    for (const type of OWNED_TYPES) {
      const list = await request<{ items: KubeObject[] }>(bp.admin, { method: 'GET', path: resourcePath(type) });
      for (const o of list.items) present.add(`${type.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
    }
    const missing = expected.filter((o) => !present.has(`${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`));
    if (missing.length === 0) return seenAt;
    if (performance.now() > deadline) {
      const m = missing[0]!;
      throw new Error(`${missing.length} objects still missing, e.g. ${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`);
    }
    await sleep(1000);
  }
}
