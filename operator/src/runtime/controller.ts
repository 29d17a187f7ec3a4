// A controller: informers for a primary kind and the kinds it owns, a work
// queue of primary keys fed by their events, and workers that call
// `reconcile(key)` once the caches are synced. Owned kinds are watched only
// through a label selector, so objects that are not ours are never cached.
// The caches are exposed for the reconciler to read instead of the API server.
// Every primary key is also reconciled again every resync period, events or
// not, so that anything missed (a bug, a change nothing watches) heals.
import type { ClusterConfig } from './kubeconfig.ts';
import { createInformer, type Informer } from './informer.ts';
import { objectKey, type KubeObject, type ResourceType } from './kube.ts';
import { silentLogger, type Logger } from './log.ts';
import type { OperatorMetrics, ReconcileResult } from './metrics.ts';
import type { RateLimit } from './ratelimit.ts';
import { createWorkQueue } from './workqueue.ts';

export interface OwnedKind {
  type: ResourceType;
  /** Required: only objects carrying it are watched and cached. */
  labelSelector: string;
  /** The primary key ("namespace/name") an owned object belongs to, or undefined to ignore it. */
  keyOf(obj: KubeObject): string | undefined;
  /** What of each object the cache keeps (see shape.ts); default: the informer option, else all but managedFields. */
  transform?: (obj: KubeObject) => KubeObject;
}

/**
 * A kind the primary does not own whose changes concern primary keys
 * (controller-runtime's Watches with a map function), e.g. Namespaces whose
 * labels decide what an instance may be granted.
 */
export interface WatchedKind {
  type: ResourceType;
  /** Required: only objects carrying it are watched and cached. */
  labelSelector: string;
  /** The primary keys ("namespace/name") a change of this object concerns. */
  keysOf(obj: KubeObject): string[];
  /** What of each object the cache keeps, as for OwnedKind. */
  transform?: (obj: KubeObject) => KubeObject;
}

export interface ReconcileOutcome {
  /** Reconcile this key again after this many ms (e.g. to poll something not watched). */
  requeueAfter?: number;
}

export interface ControllerOptions {
  /** Names the controller in logs and metrics. */
  name: string;
  kc: ClusterConfig;
  primary: ResourceType;
  primaryLabelSelector?: string;
  /** What of each primary object the cache keeps, as for OwnedKind. */
  primaryTransform?: (obj: KubeObject) => KubeObject;
  owned?: OwnedKind[];
  /** Other kinds whose changes queue primary keys; cached like owned kinds. */
  watches?: WatchedKind[];
  /**
   * Throw to retry with backoff. The signal aborts when a shutdown's grace
   * period is over, or at once when `cancel` aborts: pass it to every request.
   */
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileOutcome | void>;
  maxConcurrent?: number;
  log?: Logger;
  metrics?: OperatorMetrics;
  /** Aborting it stops the controller gracefully (same as stop()). */
  signal?: AbortSignal;
  /**
   * Aborting it stops the controller without grace: in-flight reconciles are
   * aborted at once and no new one starts (same as stop({ now: true })). For a
   * lost leadership, when every further write would be wrong.
   */
  cancel?: AbortSignal;
  /**
   * Every primary key is queued again after this long (spread by +-10% each
   * time), with no event needed; controller-runtime's SyncPeriod. Default: never.
   */
  resyncPeriodMs?: number;
  /**
   * In-flight reconciles get this long to finish at shutdown; then their signal
   * aborts, and after 5 s more stop() returns anyway. Default 30 s.
   */
  shutdownGraceMs?: number;
  /** Informer tuning (idle watch renewal, the cache transform of kinds that name none). */
  informer?: { idleTimeoutMs?: number; transform?: (obj: KubeObject) => KubeObject };
  /**
   * Retry backoff per key, default 5 ms doubling to 1000 s; and all retries
   * together, default 10 a second with a burst of 100 (see workqueue.ts).
   */
  retry?: { baseDelayMs?: number; maxDelayMs?: number; rateLimit?: RateLimit };
}

export interface Controller {
  /** Resolves once every cache has synced and workers started; rejects if stopped before. */
  readonly synced: Promise<void>;
  hasSynced(): boolean;
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
  list(type: ResourceType, filter?: (obj: KubeObject) => boolean): KubeObject[];
  /** The cached objects of an owned kind that its `keyOf` gives to this primary key, without a scan. */
  listOwnedBy(type: ResourceType, primaryKey: string): KubeObject[];
  /** The last resourceVersion the cache of this type has seen: every write at or before it is in the cache. */
  lastResourceVersion(type: ResourceType): string;
  /** The object as the cache of its type would keep it (that informer's transform). */
  shape(type: ResourceType, obj: KubeObject): KubeObject;
  /** Queues a primary key by hand. */
  enqueue(key: string): void;
  /**
   * Stops taking work, waits for in-flight reconciles (up to the grace period;
   * with `now`, aborts them at once), stops the informers.
   */
  stop(opts?: { now?: boolean }): Promise<void>;
  /** Resolves when the controller has fully stopped. */
  readonly done: Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/** After the grace period, reconciles are aborted and get this much longer before being abandoned. */
export const ABANDON_AFTER_ABORT_MS = 5_000;
/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves with `value` after ms, without keeping the process alive. */
function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

const typeId = (type: ResourceType): string => `${type.apiVersion}/${type.plural}`;

export function startController(opts: ControllerOptions): Controller {
  const log = (opts.log ?? silentLogger()).child({ controller: opts.name });
  const stopInformers = new AbortController();
  const abortReconciles = new AbortController();
  const informers = new Map<string, Informer>();

  const newInformer = (
    type: ResourceType,
    labelSelector: string | undefined,
    transform?: (obj: KubeObject) => KubeObject,
    indexBy?: (obj: KubeObject) => string | undefined,
  ): Informer => {
    if (informers.has(typeId(type))) throw new Error(`controller ${opts.name}: ${typeId(type)} is watched twice`);
    const informer = createInformer({
      kc: opts.kc,
      type,
      labelSelector,
      idleTimeoutMs: opts.informer?.idleTimeoutMs,
      transform: transform ?? opts.informer?.transform,
      indexBy,
      log,
    });
    informers.set(typeId(type), informer);
    return informer;
  };

  const queue = createWorkQueue({
    maxConcurrent: opts.maxConcurrent ?? 1,
    baseDelayMs: opts.retry?.baseDelayMs,
    maxDelayMs: opts.retry?.maxDelayMs,
    retryRateLimit: opts.retry?.rateLimit,
    metrics: opts.metrics?.workQueueHooks(opts.name),
    process: async (key) => {
      const started = performance.now();
      let result: ReconcileResult = 'success';
      try {
        const outcome = await opts.reconcile(key, abortReconciles.signal);
        queue.forget(key);
        if (outcome?.requeueAfter !== undefined && outcome.requeueAfter > 0) {
          result = 'requeue';
          queue.addAfter(key, outcome.requeueAfter);
        }
      } catch (err) {
        result = 'error';
        if (queue.isShuttingDown()) {
          log.info({ key, err }, 'reconcile ended by shutdown');
        } else {
          const retryInMs = queue.addRateLimited(key);
          log.error({ key, err, retryInMs, retries: queue.numRequeues(key) }, 'reconcile failed');
        }
      } finally {
        const seconds = (performance.now() - started) / 1000;
        opts.metrics?.observeReconcile(opts.name, result, seconds);
        // One line per reconcile at debug: how often each key runs (hot loops, bench/chaos).
        log.debug({ key, result, ms: Math.round(seconds * 1000) }, 'reconciled');
      }
    },
  });
  opts.metrics?.watchWorkQueue(opts.name, queue);

  const enqueue = (key: string | undefined): void => {
    if (key) queue.add(key);
  };

  const primary = newInformer(opts.primary, opts.primaryLabelSelector, opts.primaryTransform);
  primary.addHandlers({
    onAdd: (obj) => enqueue(objectKey(obj)),
    onUpdate: (_old, obj) => enqueue(objectKey(obj)),
    onDelete: (obj) => enqueue(objectKey(obj)),
  });
  for (const owned of opts.owned ?? []) {
    if (!owned.labelSelector) throw new Error(`controller ${opts.name}: owned ${typeId(owned.type)} needs a label selector`);
    const keyOf = (obj: KubeObject): string | undefined => {
      try {
        return owned.keyOf(obj);
      } catch (err) {
        log.error({ err, object: objectKey(obj) }, 'keyOf threw');
        return undefined;
      }
    };
    // Owned objects are filed by their primary key too, so a reconcile finds
    // its own without scanning every cached object of the kind.
    newInformer(owned.type, owned.labelSelector, owned.transform, keyOf).addHandlers({
      onAdd: (obj) => enqueue(keyOf(obj)),
      onUpdate: (old, obj) => {
        const before = keyOf(old);
        const after = keyOf(obj);
        enqueue(after);
        if (before !== after) enqueue(before);
      },
      onDelete: (obj) => enqueue(keyOf(obj)),
    });
  }
  for (const watched of opts.watches ?? []) {
    if (!watched.labelSelector) throw new Error(`controller ${opts.name}: watched ${typeId(watched.type)} needs a label selector`);
    const keysOf = (obj: KubeObject): string[] => {
      try {
        return watched.keysOf(obj);
      } catch (err) {
        log.error({ err, object: objectKey(obj) }, 'keysOf threw');
        return [];
      }
    };
    const enqueueAll = (obj: KubeObject): void => keysOf(obj).forEach(enqueue);
    newInformer(watched.type, watched.labelSelector, watched.transform).addHandlers({ onAdd: enqueueAll, onUpdate: (_old, obj) => enqueueAll(obj), onDelete: enqueueAll });
  }

  const runs = [...informers.values()].map((i) => i.run(stopInformers.signal));

  let resyncTimer: NodeJS.Timeout | undefined;
  const scheduleResync = (): void => {
    if (!opts.resyncPeriodMs || opts.resyncPeriodMs <= 0 || stopInformers.signal.aborted) return;
    const ms = Math.min(MAX_TIMER_MS, opts.resyncPeriodMs * (0.9 + 0.2 * Math.random()));
    resyncTimer = setTimeout(() => {
      const keys = primary.list().map(objectKey);
      log.debug({ keys: keys.length }, 'resync: queueing every instance');
      for (const key of keys) enqueue(key);
      scheduleResync();
    }, ms);
    // A pending resync alone must not keep a process alive.
    resyncTimer.unref();
  };

  let synced = false;
  const syncedPromise = Promise.all([...informers.values()].map((i) => i.synced)).then(() => {
    if (stopInformers.signal.aborted) throw new Error(`controller ${opts.name} stopped before its caches synced`);
    synced = true;
    log.info({ kinds: [...informers.keys()] }, 'caches synced; starting workers');
    queue.start();
    scheduleResync();
  });
  syncedPromise.catch(() => undefined);

  const reconcilesAborted = new Promise<false>((resolve) =>
    abortReconciles.signal.addEventListener('abort', () => resolve(false), { once: true }),
  );
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (how: { now?: boolean } = {}): Promise<void> => {
    if (how.now && !abortReconciles.signal.aborted) {
      // No grace: every in-flight reconcile is told to stop now, and nothing new starts.
      log.warn({ inFlight: queue.inFlight() }, 'cancelled: aborting in-flight reconciles');
      void queue.shutdown();
      abortReconciles.abort(new Error('controller cancelled'));
    }
    stopping ??= (async () => {
      clearTimeout(resyncTimer);
      log.info({ inFlight: queue.inFlight() }, 'stopping: draining in-flight reconciles');
      const drained = queue.shutdown().then(() => true);
      const graceMs = opts.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
      if (!(await Promise.race([drained, delay(graceMs, false), reconcilesAborted]))) {
        // Out of patience (or cancelled): tell reconciles to give up, and don't wait for one that ignores it.
        abortReconciles.abort(new Error('controller shutdown'));
        if (!(await Promise.race([drained, delay(ABANDON_AFTER_ABORT_MS, false)]))) {
          log.warn({ inFlight: queue.inFlight() }, 'abandoning reconciles that ignored the shutdown signal');
        }
      }
      stopInformers.abort(new Error('controller shutdown'));
      clearTimeout(resyncTimer);
      await Promise.allSettled(runs);
      log.info('stopped');
      stopped();
    })();
    return stopping;
  };
  if (opts.cancel?.aborted) void stop({ now: true });
  else opts.cancel?.addEventListener('abort', () => void stop({ now: true }), { once: true });
  if (opts.signal?.aborted) void stop();
  else opts.signal?.addEventListener('abort', () => void stop(), { once: true });

  const informerFor = (type: ResourceType): Informer => {
    const informer = informers.get(typeId(type));
    if (!informer) throw new Error(`controller ${opts.name} does not watch ${typeId(type)}`);
    return informer;
  };

  return {
    synced: syncedPromise,
    hasSynced: () => synced,
    get: (type, namespace, name) => informerFor(type).get(namespace, name),
    list: (type, filter) => informerFor(type).list(filter),
    listOwnedBy: (type, primaryKey) => informerFor(type).listBy(primaryKey),
    lastResourceVersion: (type) => informerFor(type).lastResourceVersion(),
    shape: (type, obj) => informerFor(type).shape(obj),
    enqueue: (key) => enqueue(key),
    stop,
    done,
  };
}
