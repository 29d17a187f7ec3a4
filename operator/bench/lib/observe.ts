// Lists one kind, then watches it from that list until `stopped` aborts, telling
// `note` of every object as first listed, added or modified, on the benchmark's
// clock. A benchmark that missed events would report wrong times: a failed watch
// is handed to `failed` and not relisted.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, request, resourcePath, type KubeObject, type ResourceType } from '../../src/runtime/kube.ts';
import { watchOnce } from '../../src/runtime/watch.ts';
import { sleep } from './operator-process.ts';

/** Resolves once the first list has been noted; the watch goes on in the background. */
export async function observeKind(
  kc: KubeConfig,
  type: ResourceType,
  stopped: AbortSignal,
  note: (o: KubeObject, now: number) => void,
  failed: (err: unknown) => void,
): Promise<void> {
  const list = await firstList(kc, type);
  list.items.forEach((o) => note(o, performance.now()));
  let resourceVersion = list.metadata.resourceVersion;
  void (async () => {
    while (!stopped.aborted) {
      try {
        await watchOnce(kc, {
          path: resourcePath(type),
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 3600,
          idleTimeoutMs: 120_000,
          signal: stopped,
          onEvent: (e) => {
            resourceVersion = e.object.metadata?.resourceVersion ?? resourceVersion;
            if (e.type === 'ADDED' || e.type === 'MODIFIED') note(e.object, performance.now());
          },
        });
      } catch (err) {
        if (!stopped.aborted) failed(err);
        return;
      }
    }
  })();
}

type List = { metadata: { resourceVersion: string }; items: KubeObject[] };

/** A kind just established (a CRD) can answer 429 "storage is (re)initializing" for a moment. */
async function firstList(kc: KubeConfig, type: ResourceType): Promise<List> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      return await request<List>(kc, { method: 'GET', path: resourcePath(type) });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 429) || performance.now() > deadline) throw err;
      await sleep(500);
    }
  }
}
