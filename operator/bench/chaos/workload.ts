// What users do while the chaos runs: instances (the four seed samples in
// turn, over namespaces) created over the first seconds of the window, some
// updated (watcher targets moved to another namespace, watcher off, replicas,
// image tag), some deleted (a few while their creation is still being
// reconciled). The plan is a pure function of the seed; running it sends each
// step straight to the API server (never through the fault proxy), retrying
// until the server takes it, since the API server and etcd restart meanwhile.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { INSTANCES } from '../../src/reconciler/types.ts';
import { deleteObject, patchMerge } from '../../src/runtime/apply.ts';
import { ApiError, isAlreadyExists } from '../../src/runtime/kube.ts';
import { TARGET_NAMESPACES, create, instances, type Sample } from '../lib/workload.ts';
import type { Random } from './random.ts';

export type UpdateKind = 'move-targets' | 'watcher-off' | 'replicas' | 'image-tag';
export const UPDATE_KINDS: readonly UpdateKind[] = ['move-targets', 'watcher-off', 'replicas', 'image-tag'];

export interface WorkloadOptions {
  instances: number;
  namespaces: string[];
  samples: Sample[];
  /** Creates are spread evenly over this long from the window's start. */
  createOverMs: number;
  windowMs: number;
  updates: number;
  deletes: number;
  /** Of the deletes, how many follow their create within a second (its reconcile still in flight). */
  inflightDeletes: number;
}

export interface Step {
  /** ms from the window's start. */
  at: number;
  key: string;
  op: 'create' | 'update' | 'delete';
  instance?: ChatCLIInstance;
  update?: UpdateKind;
  patch?: Record<string, unknown>;
  /** A delete sent while the instance's creation is still being reconciled. */
  inflight?: boolean;
}

export const keyOf = (i: ChatCLIInstance): string => `${i.metadata.namespace}/${i.metadata.name}`;

/** The steps, in time order; the same seed gives the same plan. */
export function planWorkload(random: Random, opts: WorkloadOptions): Step[] {
  const list = instances(opts.instances, 'chaos', opts.namespaces, opts.samples);
  const createAt = (i: number) => Math.round((i * opts.createOverMs) / Math.max(1, opts.instances));
  const steps: Step[] = list.map((instance, i) => ({ at: createAt(i), key: keyOf(instance), op: 'create', instance }));
  const order = random.shuffle(list.map((_, i) => i));
  const deleted = order.slice(0, Math.min(opts.deletes, list.length));
  const updated = order.slice(deleted.length, deleted.length + opts.updates);
  const late = (i: number) => Math.round(random.between(Math.max(createAt(i) + 2_000, opts.createOverMs / 2), opts.windowMs * 0.9));
  deleted.forEach((i, n) => {
    const inflight = n < opts.inflightDeletes;
    steps.push({ at: inflight ? createAt(i) + random.int(0, 1_000) : late(i), key: keyOf(list[i]!), op: 'delete', inflight });
  });
  // The kinds in turn, each to the next instance it suits (more replicas need no
  // ReadWriteOnce claim: the API refuses that, and the PVC's access modes are immutable).
  const pending = [...updated];
  for (let n = 0; pending.length > 0; n++) {
    const kind = UPDATE_KINDS[n % UPDATE_KINDS.length]!;
    const at = pending.findIndex((i) => suits(kind, list[i]!));
    if (at < 0) continue;
    const [i] = pending.splice(at, 1) as [number];
    steps.push({ at: late(i), key: keyOf(list[i]!), op: 'update', update: kind, patch: { spec: updatePatch(kind, list[i]!) } });
  }
  return steps.sort((a, b) => a.at - b.at);
}

const suits = (kind: UpdateKind, i: ChatCLIInstance): boolean => kind !== 'replicas' || !i.spec.persistence?.enabled;

/** The spec change of each kind of update, as a JSON merge patch of the spec. */
export function updatePatch(kind: UpdateKind, instance: ChatCLIInstance): Record<string, unknown> {
  const watcher = instance.spec.watcher;
  const moved = (ns: string) => TARGET_NAMESPACES[(TARGET_NAMESPACES.indexOf(ns) + 1) % TARGET_NAMESPACES.length]!;
  switch (kind) {
    case 'move-targets':
      if (watcher?.targets?.length) return { watcher: { enabled: true, targets: watcher.targets.map((t) => ({ ...t, namespace: moved(t.namespace) })) } };
      if (watcher?.namespace) return { watcher: { enabled: true, namespace: moved(watcher.namespace) } };
      return { watcher: { enabled: true, targets: [{ deployment: 'moved', namespace: TARGET_NAMESPACES.at(-1)! }] } };
    case 'watcher-off':
      return { watcher: { enabled: false } };
    case 'replicas':
      return { replicas: 3 };
    case 'image-tag':
      return { image: { tag: 'v1.57.1' } };
  }
}

export interface WorkloadRecord {
  /** Keys that should exist at the end, and those that should not. */
  live: Set<string>;
  deleted: Set<string>;
  /** Attempts the API server did not take the first time (restarts, etcd down). */
  retries: number;
  /** When each step was taken by the server (ms from the window's start). */
  done: { step: Step; at: number }[];
  failures: string[];
}

const GIVE_UP_MS = 180_000;

/**
 * Runs the plan from `start` (performance.now() of the window's start). Steps of
 * one key run in order (an update never overtakes its create); different keys
 * run side by side.
 */
export async function runWorkload(kc: KubeConfig, steps: Step[], start: number): Promise<WorkloadRecord> {
  const record: WorkloadRecord = { live: new Set(), deleted: new Set(), retries: 0, done: [], failures: [] };
  const chains = new Map<string, Promise<void>>();
  const run = async (step: Step): Promise<void> => {
    const wait = start + step.at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const ok = await persist(record, `${step.op} ${step.key}`, () => send(kc, step));
    if (!ok) return;
    record.done.push({ step, at: Math.round(performance.now() - start) });
    if (step.op === 'create') record.live.add(step.key);
    if (step.op === 'delete') {
      record.live.delete(step.key);
      record.deleted.add(step.key);
    }
  };
  for (const step of steps) chains.set(step.key, (chains.get(step.key) ?? Promise.resolve()).then(() => run(step)));
  await Promise.all(chains.values());
  return record;
}

async function send(kc: KubeConfig, step: Step): Promise<void> {
  const [namespace, name] = step.key.split('/') as [string, string];
  switch (step.op) {
    case 'create':
      try {
        await create(kc, step.instance as never);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err; // a retry of a create the server had taken
      }
      return;
    case 'update':
      await patchMerge(kc, INSTANCES, { namespace, name }, step.patch!);
      return;
    case 'delete':
      await deleteObject(kc, INSTANCES, { namespace, name });
  }
}

/** Retries what the server could not take (unreachable, 5xx, 429, timeouts); a refusal (4xx) is a failure. */
async function persist(record: WorkloadRecord, what: string, fn: () => Promise<void>): Promise<boolean> {
  const deadline = performance.now() + GIVE_UP_MS;
  for (;;) {
    try {
      await fn();
      return true;
    } catch (err) {
      const refused = err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429 && err.status !== 408;
      if (refused || performance.now() > deadline) {
        record.failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
      record.retries++;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
