// Watches every ChatCLIInstance and notes, per instance, when the benchmark saw
// its status first catch up with its spec (status.observedGeneration ==
// metadata.generation) and first report Available=True. Times are this
// process's clock, so they compare directly with the moment a create was sent.
import type { KubeConfig } from '@kubernetes/client-node';
import { request, resourcePath, type KubeObject } from '../../src/runtime/kube.ts';
import { watchOnce } from '../../src/runtime/watch.ts';
import { INSTANCES } from '../../src/reconciler/types.ts';
import { sleep } from './operator-process.ts';

interface Seen {
  observedAt?: number;
  availableAt?: number;
}

export interface InstanceTracker {
  /** When the status of `key` ("namespace/name") was first written for its generation. */
  observedAt(key: string): number | undefined;
  availableAt(key: string): number | undefined;
  /** Resolves once every key passes `done`, or rejects after timeoutMs. */
  waitFor(keys: string[], done: (key: string) => boolean, timeoutMs: number): Promise<void>;
  stop(): void;
}

interface Status {
  observedGeneration?: number;
  conditions?: { type: string; status: string }[];
}

export async function trackInstances(kc: KubeConfig): Promise<InstanceTracker> {
  const seen = new Map<string, Seen>();
  const stopped = new AbortController();
  const note = (o: KubeObject) => {
    const key = `${o.metadata?.namespace}/${o.metadata?.name}`;
    const s = seen.get(key) ?? {};
    const status = (o.status ?? {}) as Status;
    const now = performance.now();
    if (s.observedAt === undefined && status.observedGeneration !== undefined && status.observedGeneration === o.metadata?.generation) s.observedAt = now;
    if (s.availableAt === undefined && status.conditions?.some((c) => c.type === 'Available' && c.status === 'True')) s.availableAt = now;
    seen.set(key, s);
  };
  const list = await request<{ metadata: { resourceVersion: string }; items: KubeObject[] }>(kc, { method: 'GET', path: resourcePath(INSTANCES) });
  list.items.forEach(note);
  let resourceVersion = list.metadata.resourceVersion;
  let failure: unknown;
  void (async () => {
    while (!stopped.signal.aborted) {
      try {
        await watchOnce(kc, {
          path: resourcePath(INSTANCES),
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 3600,
          idleTimeoutMs: 120_000,
          signal: stopped.signal,
          onEvent: (e) => {
            resourceVersion = e.object.metadata?.resourceVersion ?? resourceVersion;
            if (e.type === 'ADDED' || e.type === 'MODIFIED') note(e.object);
          },
        });
      } catch (err) {
        // A benchmark that missed events would report wrong times: stop, do not relist.
        if (!stopped.signal.aborted) failure = err;
        return;
      }
    }
  })();

  return {
    observedAt: (key) => seen.get(key)?.observedAt,
    availableAt: (key) => seen.get(key)?.availableAt,
    waitFor: async (keys, done, timeoutMs) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (failure) throw new Error(`instance watch failed: ${String(failure)}`);
        const pending = keys.filter((k) => !done(k));
        if (pending.length === 0) return;
        if (performance.now() > deadline) throw new Error(`${pending.length} of ${keys.length} instances not done after ${timeoutMs / 1000} s (e.g. ${pending[0]})`);
        await sleep(50);
      }
    },
    stop: () => stopped.abort(),
  };
}
