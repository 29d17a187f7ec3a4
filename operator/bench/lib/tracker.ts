// Watches every ChatCLIInstance and notes, per instance, when the benchmark saw
// its status first catch up with its spec (status.observedGeneration ==
// metadata.generation) and first report Available=True. Times are this
// process's clock, so they compare directly with the moment a create was sent.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/runtime/kube.ts';
import { INSTANCES } from '../../src/reconciler/types.ts';
import { observeKind } from './observe.ts';
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
  let failure: unknown;
  await observeKind(kc, INSTANCES, stopped, (o) => note(o), (err) => (failure = err));

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
