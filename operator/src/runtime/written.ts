// Read-your-writes over an informer cache. The server's answer to our own write
// is newer than the cache until the watch delivers that write; reading the
// cache in between would make the next reconcile repeat writes it already did.
// The answer is kept only until the cache has seen its resourceVersion (watch
// events arrive in resourceVersion order, so the cache then holds that write or
// something newer, a deletion included). The informer moves its
// resourceVersion before telling anyone of a change, a relist's included: a
// reconcile started by a relisted object finds that version already seen and
// reads the list, not our older write.
import type { KubeObject, ResourceType } from './kube.ts';
import { monotonicNow } from './ratelimit.ts';

export interface CacheView {
  get(type: ResourceType, namespace: string | undefined, name: string): unknown;
  lastResourceVersion(type: ResourceType): string;
}

export interface WrittenOverlay {
  /** The newest known state: our own last write while the cache has not caught up, else the cache's. */
  get(type: ResourceType, namespace: string | undefined, name: string): unknown;
  /** Remembers the server's answer to a write. */
  record(type: ResourceType, written: KubeObject): void;
}

const keyOf = (type: ResourceType, namespace: string | undefined, name: string) => `${type.apiVersion}/${type.plural}/${namespace ?? ''}/${name}`;

/** resourceVersions are opaque strings; etcd's are integers, and only then are they compared. */
function atLeast(seen: string, written: string): boolean {
  if (!/^\d+$/.test(seen) || !/^\d+$/.test(written)) return true; // cannot tell: trust the cache
  return BigInt(seen) >= BigInt(written);
}

export function createWrittenOverlay(cache: CacheView, ttlMs = 60_000, now: () => number = monotonicNow): WrittenOverlay {
  const written = new Map<string, { rv: string; obj: KubeObject; at: number }>();
  let recorded = 0;
  const forgetExpired = () => {
    for (const [key, entry] of written) if (now() - entry.at >= ttlMs) written.delete(key);
  };
  return {
    get(type, namespace, name) {
      const key = keyOf(type, namespace, name);
      const mine = written.get(key);
      if (mine && !atLeast(cache.lastResourceVersion(type), mine.rv) && now() - mine.at < ttlMs) return mine.obj;
      written.delete(key);
      return cache.get(type, namespace, name);
    },
    record(type, obj) {
      const rv = obj.metadata?.resourceVersion;
      if (!rv) return;
      if (++recorded % 1000 === 0) forgetExpired();
      written.set(keyOf(type, type.namespaced ? obj.metadata?.namespace : undefined, obj.metadata?.name ?? ''), { rv, obj, at: now() });
    },
  };
}
