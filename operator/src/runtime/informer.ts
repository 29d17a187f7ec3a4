// List+watch of one resource type into an in-memory cache, kept right forever:
// client-node's informer stops for good on the first watch error, this one
// restarts the watch with backoff from the last resourceVersion it saw, relists
// on 410 Gone (emitting the deletes and updates it missed), uses bookmarks to
// keep its resourceVersion fresh, and renews a watch that went silent.
import type { ClusterConfig } from './kubeconfig.ts';
import { exponentialBackoff, sleep } from './backoff.ts';
import { ApiError, isGone, objectKey, request, resourcePath, type KubeObject, type ResourceType } from './kube.ts';
import { silentLogger, type Logger } from './log.ts';
import { watchOnce, WatchIdleError, type WatchEvent } from './watch.ts';

export interface InformerHandlers {
  onAdd?(obj: KubeObject): void;
  onUpdate?(oldObj: KubeObject, newObj: KubeObject): void;
  onDelete?(obj: KubeObject): void;
}

export interface InformerOptions {
  kc: ClusterConfig;
  type: ResourceType;
  /** Only objects matching it are listed, watched and cached. */
  labelSelector?: string;
  fieldSelector?: string;
  /** Watch one namespace instead of all. */
  namespace?: string;
  /** Applied to each object before it is cached; default strips managedFields. */
  transform?: (obj: KubeObject) => KubeObject;
  /** A watch with no event or bookmark for this long is renewed; default 5 min. */
  idleTimeoutMs?: number;
  /** Page size of the initial list and relists; default 500. */
  pageSize?: number;
  /** Reconnect delays; default 800 ms doubling to 30 s, like client-go's reflector. */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * A secondary index (client-go's Indexer): the key each cached object is
   * filed under, undefined for none; `listBy` reads it without a scan.
   */
  indexBy?: (obj: KubeObject) => string | undefined;
  log?: Logger;
}

export interface Informer {
  readonly type: ResourceType;
  /** The cached object, by namespace (ignored when cluster-scoped) and name. */
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  getByKey(key: string): KubeObject | undefined;
  list(filter?: (obj: KubeObject) => boolean): KubeObject[];
  /** The cached objects filed under `indexKey` by `indexBy` (an informer without one has none). */
  listBy(indexKey: string): KubeObject[];
  /** True once the first full list is in the cache. */
  hasSynced(): boolean;
  /** Resolves when the first list is cached (rejects if the informer stops before). */
  readonly synced: Promise<void>;
  /** Handlers run synchronously on cache changes; register before run(). */
  addHandlers(handlers: InformerHandlers): void;
  /** The last resourceVersion seen (from a list, an event or a bookmark). */
  lastResourceVersion(): string;
  /** The object as this cache would keep it (its transform): for a copy kept beside the cache, such as our own write. */
  shape(obj: KubeObject): KubeObject;
  /**
   * Lists (unless already synced), then watches until the signal aborts;
   * resolves then. May be called again after it resolved: it resumes from the
   * cache and the last resourceVersion (a 410 then relists).
   */
  run(signal: AbortSignal): Promise<void>;
  /** Makes the next watch start from this resourceVersion (restoring state; tests force a 410 with it). */
  resumeFrom(resourceVersion: string): void;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_PAGE_SIZE = 500;
/** A watch that ran at least this long before a clean close is healthy: reconnect at once. */
const HEALTHY_WATCH_MS = 1_000;

/** Drops metadata.managedFields: large, and never needed to reconcile. */
export function stripManagedFields(obj: KubeObject): KubeObject {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * The server closes a watch cleanly after timeoutSeconds; asking for a bit
 * less than the idle timeout (spread so informers don't reconnect in step)
 * means a silent watch is a dead one.
 */
export function watchTimeoutSeconds(idleTimeoutMs: number, random: () => number = Math.random): number {
  const idleSeconds = idleTimeoutMs / 1000;
  return Math.max(1, Math.floor(idleSeconds * (0.75 + 0.15 * random())));
}

interface ListResponse {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

export function createInformer(opts: InformerOptions): Informer {
  const { kc, type } = opts;
  const log = (opts.log ?? silentLogger()).child({ resource: `${type.apiVersion}/${type.plural}`, selector: opts.labelSelector });
  const transform = opts.transform ?? stripManagedFields;
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const collectionPath = resourcePath(type, { namespace: opts.namespace });
  /** What the cache keeps of an object from the server: its transform, with the list's kind filled in. */
  const shape = (raw: KubeObject): KubeObject => transform({ ...raw, apiVersion: raw.apiVersion ?? type.apiVersion, kind: raw.kind ?? type.kind });
  const store = new Map<string, KubeObject>();
  // indexBy's key -> (object key -> object); kept in step with `store` by put/drop.
  const index = new Map<string, Map<string, KubeObject>>();
  const indexKeyOf = opts.indexBy;
  const unindex = (key: string, obj: KubeObject): void => {
    const bucketKey = indexKeyOf?.(obj);
    if (bucketKey === undefined) return;
    const bucket = index.get(bucketKey);
    bucket?.delete(key);
    if (bucket?.size === 0) index.delete(bucketKey);
  };
  const put = (key: string, obj: KubeObject): void => {
    const old = store.get(key);
    store.set(key, obj);
    if (!indexKeyOf) return;
    if (old) unindex(key, old);
    const bucketKey = indexKeyOf(obj);
    if (bucketKey === undefined) return;
    let bucket = index.get(bucketKey);
    if (!bucket) index.set(bucketKey, (bucket = new Map()));
    bucket.set(key, obj);
  };
  const drop = (key: string): void => {
    const old = store.get(key);
    store.delete(key);
    if (old && indexKeyOf) unindex(key, old);
  };
  const handlers: InformerHandlers[] = [];
  let resourceVersion = '';
  let synced = false;
  let markSynced!: () => void;
  let failSync!: (err: unknown) => void;
  const syncedPromise = new Promise<void>((resolve, reject) => {
    markSynced = resolve;
    failSync = reject;
  });
  // Nobody may be awaiting `synced`; an informer stopped before syncing is not an unhandled rejection.
  syncedPromise.catch(() => undefined);

  const emit = (fn: (h: InformerHandlers) => void): void => {
    for (const h of handlers) {
      try {
        fn(h);
      } catch (err) {
        log.error({ err }, 'informer event handler threw');
      }
    }
  };

  // Each change is stored first and told to the handlers after, once the
  // informer's resourceVersion has moved too: a handler (and a reconcile it
  // starts) must see a cache and a resourceVersion that agree, or a
  // read-your-writes overlay would prefer our own older write to what the
  // server just sent (see written.ts).
  type Notify = () => void;
  const nothing: Notify = () => undefined;

  const cache = (raw: KubeObject): { key: string; notify: Notify } => {
    // List items carry no apiVersion/kind; watch events do. Make them uniform.
    const obj = shape(raw);
    const key = objectKey(obj);
    const old = store.get(key);
    put(key, obj);
    if (!old) return { key, notify: () => emit((h) => h.onAdd?.(obj)) };
    if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) return { key, notify: () => emit((h) => h.onUpdate?.(old, obj)) };
    return { key, notify: nothing };
  };

  const uncache = (raw: KubeObject): Notify => {
    const key = objectKey(raw);
    const old = store.get(key);
    drop(key);
    // The final state from the server is fresher than what we cached.
    const gone = shape(raw);
    return old ? () => emit((h) => h.onDelete?.(gone)) : nothing;
  };

  /** A full, paginated list; replaces the store and emits what changed. */
  const relist = async (signal: AbortSignal): Promise<void> => {
    const items: KubeObject[] = [];
    let listVersion = '';
    let cont: string | undefined;
    do {
      const page = await request<ListResponse>(kc, {
        method: 'GET',
        path: collectionPath,
        query: {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: opts.pageSize ?? DEFAULT_PAGE_SIZE,
          continue: cont,
        },
        signal,
      });
      items.push(...(page.items ?? []));
      listVersion = page.metadata?.resourceVersion ?? listVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont);

    // The list is authoritative: all of it is in the store, with its
    // resourceVersion, before any handler hears of a change.
    const notifications: Notify[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const { key, notify } = cache(item);
      seen.add(key);
      notifications.push(notify);
    }
    for (const [key, old] of [...store]) {
      if (!seen.has(key)) {
        drop(key);
        notifications.push(() => emit((h) => h.onDelete?.(old)));
      }
    }
    resourceVersion = listVersion;
    log.debug({ count: items.length, resourceVersion }, 'listed');
    for (const notify of notifications) notify();
    if (!synced) {
      synced = true;
      markSynced();
    }
  };

  const onWatchEvent = (event: WatchEvent): void => {
    const rv = event.object.metadata?.resourceVersion;
    let notify = nothing;
    if (event.type === 'DELETED') notify = uncache(event.object);
    else if (event.type !== 'BOOKMARK') notify = cache(event.object).notify;
    if (rv) resourceVersion = rv;
    notify();
  };

  let running = false;
  const run = async (signal: AbortSignal): Promise<void> => {
    if (running) throw new Error(`informer for ${type.plural} is already running`);
    running = true;
    const backoff = exponentialBackoff({ ...(opts.backoff ?? { initialMs: 800, maxMs: 30_000 }), jitter: 0.2 });
    let needList = !synced;
    try {
      while (!signal.aborted) {
        const started = Date.now();
        const listing = needList;
        try {
          if (needList) {
            await relist(signal);
            needList = false;
          }
          await watchOnce(kc, {
            path: collectionPath,
            resourceVersion,
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            allowWatchBookmarks: true,
            timeoutSeconds: watchTimeoutSeconds(idleTimeoutMs),
            idleTimeoutMs,
            signal,
            onEvent: onWatchEvent,
          });
          // A clean close is the server's timeout: reconnect at once, unless it closes right away every time.
          if (Date.now() - started >= HEALTHY_WATCH_MS) {
            backoff.reset();
            continue;
          }
          log.debug('watch closed early; backing off');
        } catch (err) {
          if (signal.aborted) break;
          // A watch that served a while before failing was healthy: retry from the shortest delay.
          if (Date.now() - started >= HEALTHY_WATCH_MS) backoff.reset();
          if (isGone(err)) {
            // Our resourceVersion is too old (compaction): only a fresh list can catch up.
            log.info({ resourceVersion }, 'watch expired (410); relisting');
            needList = true;
            // Relist at once, unless this round already listed: then the server is unwell, back off.
            if (!listing) continue;
          }
          if (err instanceof WatchIdleError) {
            log.warn({ idleTimeoutMs }, 'watch idle; renewing');
            continue;
          }
          log.warn({ err, relist: needList }, 'list/watch failed; retrying');
          // A server that said when to come back (429) is not asked sooner.
          if (err instanceof ApiError && err.retryAfterSeconds !== undefined) {
            await sleep(Math.max(backoff.next(), err.retryAfterSeconds * 1000), signal).catch(() => undefined);
            continue;
          }
        }
        await sleep(backoff.next(), signal).catch(() => undefined);
      }
    } finally {
      running = false;
      if (!synced && signal.aborted) failSync(new Error(`informer for ${type.plural} stopped before its cache synced`));
    }
  };

  return {
    type,
    get: (namespace, name) => store.get(type.namespaced && namespace ? `${namespace}/${name}` : name),
    getByKey: (key) => store.get(key),
    list: (filter) => {
      const all = [...store.values()];
      return filter ? all.filter(filter) : all;
    },
    listBy: (indexKey) => [...(index.get(indexKey)?.values() ?? [])],
    hasSynced: () => synced,
    synced: syncedPromise,
    addHandlers: (h) => {
      handlers.push(h);
    },
    lastResourceVersion: () => resourceVersion,
    shape,
    resumeFrom: (rv) => {
      resourceVersion = rv;
    },
    run,
  };
}
