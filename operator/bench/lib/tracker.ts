// Watches every ChatCLIInstance and notes, per instance, when the benchmark saw
// its status first catch up with its spec (status.observedGeneration ==
// metadata.generation) and first report Available=True. Times are this
// process's clock, so they compare directly with the moment a create was sent.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, request, resourcePath, type KubeObject } from '../../src/runtime/kube.ts';
import { watchOnce } from '../../src/runtime/watch.ts';
import { INSTANCES } from '../../src/reconciler/types.ts';
import { sleep } from './operator-process.ts';
import { ProgressError, progressWatch, verdictText, type WaitLimits } from './progress.ts';

interface Seen {
  observedAt?: number;
  availableAt?: number;
}

export interface InstanceTracker {
  /** When the status of `key` ("namespace/name") was first written for its generation. */
  observedAt(key: string): number | undefined;
  availableAt(key: string): number | undefined;
  /**
   * Resolves once every key passes `done`. Rejects with a ProgressError after
   * `timeoutMs`, or when no further key has passed for `stallMs`.
   */
  waitFor(keys: string[], done: (key: string) => boolean, limits: WaitLimits): Promise<void>;
}

interface Status {
  observedGeneration?: number;
  conditions?: { type: string; status: string }[];
}

/** Watches until `stopped` aborts. */
export async function trackInstances(kc: KubeConfig, stopped: AbortSignal): Promise<InstanceTracker> {
  const seen = new Map<string, Seen>();
  const note = (o: KubeObject) => {
    const key = `${o.metadata?.namespace}/${o.metadata?.name}`;
    const s = seen.get(key) ?? {};
    const status = (o.status ?? {}) as Status;
    const now = performance.now();
    if (s.observedAt === undefined && status.observedGeneration !== undefined && status.observedGeneration === o.metadata?.generation) s.observedAt = now;
    if (s.availableAt === undefined && status.conditions?.some((c) => c.type === 'Available' && c.status === 'True')) s.availableAt = now;
    seen.set(key, s);
  };
  const list = await firstList(kc);
  list.items.forEach(note);
  let resourceVersion = list.metadata.resourceVersion;
  let failure: unknown;
  void (async () => {
    while (!stopped.aborted) {
      try {
        await watchOnce(kc, {
          path: resourcePath(INSTANCES),
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 3600,
          idleTimeoutMs: 120_000,
          signal: stopped,
          onEvent: (e) => {
            resourceVersion = e.object.metadata?.resourceVersion ?? resourceVersion;
            if (e.type === 'ADDED' || e.type === 'MODIFIED') note(e.object);
          },
        });
      } catch (err) {
        // A benchmark that missed events would report wrong times: stop, do not relist.
        if (!stopped.aborted) failure = err;
        return;
      }
    }
  })();

  return {
    observedAt: (key) => seen.get(key)?.observedAt,
    availableAt: (key) => seen.get(key)?.availableAt,
    waitFor: async (keys, done, limits) => {
      const watch = progressWatch(limits, performance.now());
      for (;;) {
        if (failure) throw new Error(`instance watch failed: ${String(failure)}`);
        const pending = keys.filter((k) => !done(k));
        if (pending.length === 0) return;
        const verdict = watch(keys.length - pending.length, performance.now());
        if (!verdict.going) throw new ProgressError(verdict.why, `${pending.length} of ${keys.length} instances not done: ${verdictText(verdict)} (e.g. ${pending[0]})`);
        await sleep(50);
      }
    },
  };
}

type InstanceList = { metadata: { resourceVersion: string }; items: KubeObject[] };

/** A CRD just established can answer 429 "storage is (re)initializing" for a moment. */
async function firstList(kc: KubeConfig): Promise<InstanceList> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      return await request<InstanceList>(kc, { method: 'GET', path: resourcePath(INSTANCES) });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 429) || performance.now() > deadline) throw err;
      await sleep(500);
    }
  }
}
