// Read-your-writes over an informer cache. The server's answer to our own write
// is newer than the cache until the watch delivers that write; reading the
// cache in between would make the next reconcile repeat writes it already did.
// The answer is kept only until the cache has seen its resourceVersion (watch
// events arrive in resourceVersion order, so the cache then holds that write or
// something newer, a deletion included). The informer moves its
// resourceVersion before telling anyone of a change, a relist's included: a
// reconcile started by a relisted object finds that version already seen and
// reads the list, not our older write.
//
// What is kept is a second copy beside the cache, so it is kept as the cache
// would keep it (its shape: no managedFields, the fields the reconciler reads),
// and only as long as it is newer: a sweep drops what the cache has caught up
// with, including writes no reconcile reads again (an instance's last status
// write), and stops once nothing is left.
import type { KubeObject, ResourceType } from './kube.ts';
import { monotonicNow } from './ratelimit.ts';

export interface CacheView {
  get(type: ResourceType, namespace: string | undefined, name: string): unknown;
  lastResourceVersion(type: ResourceType): string;
  /** The object as the cache of its type keeps it; without it, kept whole. */
  shape?(type: ResourceType, obj: KubeObject): KubeObject;
}

export interface WrittenOverlay {
  /** The newest known state: our own last write while the cache has not caught up, else the cache's. */
  get(type: ResourceType, namespace: string | undefined, name: string): unknown;
  /** Remembers the server's answer to a write. */
  record(type: ResourceType, written: KubeObject): void;
  /** Writes held, not yet seen by the cache. */
  size(): number;
}

export interface OverlayOptions {
  /** A write the cache never confirms is forgotten after this long (default 60 s). */
  ttlMs?: number;
  /** How often held writes are checked against the cache (default 5 s). */
  sweepMs?: number;
  now?: () => number;
}

const keyOf = (type: ResourceType, namespace: string | undefined, name: string) => `${type.apiVersion}/${type.plural}/${namespace ?? ''}/${name}`;

/** resourceVersions are opaque strings; etcd's are integers, and only then are they compared. */
function atLeast(seen: string, written: string): boolean {
  if (!/^\d+$/.test(seen) || !/^\d+$/.test(written)) return true; // cannot tell: trust the cache
  return BigInt(seen) >= BigInt(written);
}

export function createWrittenOverlay(cache: CacheView, opts: OverlayOptions = {}): WrittenOverlay {
  const { ttlMs = 60_000, sweepMs = 5_000, now = monotonicNow } = opts;
  const written = new Map<string, { type: ResourceType; rv: string; obj: KubeObject; at: number }>();
  const current = (entry: { type: ResourceType; rv: string; at: number }) =>
    !atLeast(cache.lastResourceVersion(entry.type), entry.rv) && now() - entry.at < ttlMs;
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    for (const [key, entry] of written) if (!current(entry)) written.delete(key);
    if (written.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  return {
    get(type, namespace, name) {
      const key = keyOf(type, namespace, name);
      const mine = written.get(key);
      if (mine && current(mine)) return mine.obj;
      written.delete(key);
      return cache.get(type, namespace, name);
    },
    record(type, obj) {
      const rv = obj.metadata?.resourceVersion;
      if (!rv) return;
      const kept = cache.shape ? cache.shape(type, obj) : obj;
      written.set(keyOf(type, type.namespaced ? obj.metadata?.namespace : undefined, obj.metadata?.name ?? ''), { type, rv, obj: kept, at: now() });
      // Not keeping the process alive: it only frees memory.
      sweeper ??= setInterval(sweep, sweepMs).unref();
    },
    size: () => written.size,
  };
}
