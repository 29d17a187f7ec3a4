// Kubernetes Events (events.k8s.io/v1) about an object, as `kubectl describe`
// shows them. Event writes are bounded, like client-go's EventCorrelator:
// - the same event repeated within a window is not written again: the first
//   one gets a series whose count goes up, and the count is written at most
//   once per seriesUpdateMs (repeats in between only count in memory);
// - new events about one object spend a token from that object's bucket
//   (client-go's spam filter: 25 at once, then one every 5 minutes); without
//   a token the event is dropped (and logged at debug level).
// Recording never throws into the caller: an Event is a courtesy, a failed
// write is logged and forgotten. Once `signal` aborts nothing more is written.
//
// RBAC needed: apiGroups ["events.k8s.io"], resources ["events"], verbs ["create", "patch"].
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClusterConfig } from './kubeconfig.ts';
import { createObject, patchMerge } from './apply.ts';
import { isNotFound, microTime, type KubeObject } from './kube.ts';
import { silentLogger, type Logger } from './log.ts';
import { createTokenBucket, monotonicNow, type TokenBucket } from './ratelimit.ts';
import { Events } from './resources.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  type: EventType;
  /** UpperCamelCase, machine-readable: "ReconcileFailed". */
  reason: string;
  /** Human-readable; truncated to the API's 1 kB. Never put a secret here. */
  note: string;
  /** What was done or failed, UpperCamelCase; defaults to the reason. */
  action?: string;
}

/** The object an event is about (a full object works: only these fields are read). */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
  /** Writes, counts or drops an event; the promise never rejects. */
  record(regarding: InvolvedObject, event: EventInput): Promise<void>;
  /** Writes now every series count that is only in memory (e.g. before a graceful exit). */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  kc: ClusterConfig;
  /** e.g. "example.com/my-operator". */
  reportingController: string;
  /** Default: the controller name and host name. */
  reportingInstance?: string;
  /** Repeats within this window join one series; default 10 min. */
  aggregationWindowMs?: number;
  /** A series' count is written at most this often; default 30 s. */
  seriesUpdateMs?: number;
  /** New events about one object: default 25 at once, then one every 5 minutes (client-go's spam filter). */
  perObject?: { burst: number; refillMs: number };
  /** Once aborted, nothing more is written (a deposed leader must not write). */
  signal?: AbortSignal;
  log?: Logger;
  /** Wall clock for the events' timestamps. */
  now?: () => number;
  /** Monotonic clock for windows and budgets; only tests replace it. */
  clock?: () => number;
}

const NOTE_MAX_BYTES = 1024;
const FIELD_MAX_CHARS = 128;
export const DEFAULT_AGGREGATION_WINDOW_MS = 10 * 60_000;
export const DEFAULT_SERIES_UPDATE_MS = 30_000;
export const DEFAULT_PER_OBJECT_EVENTS = Object.freeze({ burst: 25, refillMs: 5 * 60_000 });

export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = text.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes - 3) out = out.slice(0, -1);
  return `${out}...`;
}

/** What to write for one occurrence of an event. */
export type Occurrence =
  /** A new event: create it. */
  | { write: 'create' }
  /** A repeat: its count went up; write the series after this many ms (0: now). */
  | { write: 'series'; inMs: number }
  /** A repeat whose series write is already due later: counted, nothing to write now. */
  | { write: 'none'; why: 'counted' }
  /** A new event over its object's budget: dropped. */
  | { write: 'none'; why: 'spam' };

export interface SeriesState {
  /** Occurrences so far. */
  count: number;
  /** The Event written for it, once created. */
  ref?: { namespace: string; name: string };
  lastSeen: number;
  lastWrite: number;
  writeDue: boolean;
}

/**
 * The decisions of the recorder, without I/O: which occurrence of an event is
 * created, counted into a series (and when that count is written), or dropped.
 * `key` names the event (object, type, reason, note...), `objectKey` the object.
 */
export interface EventCorrelator {
  observe(key: string, objectKey: string): Occurrence;
  series(key: string): SeriesState | undefined;
  /** The create went through: later repeats patch this Event. */
  created(key: string, ref: { namespace: string; name: string }): void;
  /** The series write is going out now: returns the count to write. */
  writingSeries(key: string): number | undefined;
  /** The Event is gone or could not be written: the next occurrence starts afresh. */
  forget(key: string): void;
}

export function createEventCorrelator(opts: {
  windowMs?: number;
  seriesUpdateMs?: number;
  perObject?: { burst: number; refillMs: number };
  now?: () => number;
} = {}): EventCorrelator {
  const now = opts.now ?? monotonicNow;
  const windowMs = opts.windowMs ?? DEFAULT_AGGREGATION_WINDOW_MS;
  const updateMs = opts.seriesUpdateMs ?? DEFAULT_SERIES_UPDATE_MS;
  const perObject = opts.perObject ?? DEFAULT_PER_OBJECT_EVENTS;
  const series = new Map<string, SeriesState>();
  const budgets = new Map<string, TokenBucket>();
  let prunedAt = now();

  // Forget what no longer matters, so memory follows the recent events only.
  const prune = (at: number): void => {
    if (at - prunedAt < Math.min(windowMs, 60_000)) return;
    prunedAt = at;
    for (const [key, s] of series) if (at - s.lastSeen > windowMs && !s.writeDue) series.delete(key);
    for (const [key, bucket] of budgets) if (bucket.isFull()) budgets.delete(key);
  };

  return {
    observe(key, objectKey) {
      const at = now();
      prune(at);
      const s = series.get(key);
      if (s && at - s.lastSeen <= windowMs) {
        s.count++;
        s.lastSeen = at;
        if (s.writeDue || !s.ref) return { write: 'none', why: 'counted' };
        s.writeDue = true;
        return { write: 'series', inMs: Math.max(0, s.lastWrite + updateMs - at) };
      }
      let budget = budgets.get(objectKey);
      if (!budget) {
        budget = createTokenBucket({ perSecond: 1000 / perObject.refillMs, burst: perObject.burst }, now);
        budgets.set(objectKey, budget);
      }
      if (!budget.tryTake()) return { write: 'none', why: 'spam' };
      series.set(key, { count: 1, lastSeen: at, lastWrite: at, writeDue: false });
      return { write: 'create' };
    },
    series: (key) => series.get(key),
    created(key, ref) {
      const s = series.get(key);
      if (!s) return;
      s.ref = ref;
      // Repeats that came while the create was on its way are written with the next repeat.
      s.lastWrite = now();
    },
    writingSeries(key) {
      const s = series.get(key);
      if (!s?.ref) return undefined;
      s.writeDue = false;
      s.lastWrite = now();
      return s.count;
    },
    forget(key) {
      series.delete(key);
    },
  };
}

export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const log = opts.log ?? silentLogger();
  const now = opts.now ?? Date.now;
  const reportingController = opts.reportingController.slice(0, FIELD_MAX_CHARS);
  const reportingInstance = (opts.reportingInstance ?? `${opts.reportingController}-${hostname()}`).slice(0, FIELD_MAX_CHARS);
  const correlator = createEventCorrelator({
    windowMs: opts.aggregationWindowMs,
    seriesUpdateMs: opts.seriesUpdateMs,
    perObject: opts.perObject,
    now: opts.clock,
  });
  const signal = opts.signal;
  // Writes for one key go one after the other, so a repeat always finds its series.
  const chains = new Map<string, Promise<void>>();
  const timers = new Map<string, NodeJS.Timeout>();

  const chained = (key: string, what: { reason: string; object: string }, step: () => Promise<void>): Promise<void> => {
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => (signal?.aborted ? undefined : step()))
      .catch((err: unknown) => {
        if (!signal?.aborted) log.warn({ err, ...what }, 'could not record event');
      })
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    chains.set(key, next);
    return next;
  };

  const writeSeries = async (key: string): Promise<void> => {
    clearTimeout(timers.get(key));
    timers.delete(key);
    const ref = correlator.series(key)?.ref;
    const count = correlator.writingSeries(key);
    if (!ref || count === undefined) return;
    try {
      await patchMerge(opts.kc, Events, ref, { series: { count, lastObservedTime: microTime(now()) } }, { signal });
    } catch (err) {
      // The event expired or was deleted meanwhile: the next occurrence starts a new one.
      correlator.forget(key);
      if (!isNotFound(err)) throw err;
    }
  };

  const create = async (key: string, regarding: InvolvedObject, event: EventInput): Promise<void> => {
    const at = now();
    const meta = regarding.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const name = `${(meta.name ?? 'object').slice(0, 200)}.${at.toString(16)}${randomBytes(2).toString('hex')}`;
    const body: KubeObject = {
      apiVersion: Events.apiVersion,
      kind: Events.kind,
      metadata: { name, namespace },
      eventTime: microTime(at),
      reportingController,
      reportingInstance,
      action: (event.action ?? event.reason).slice(0, FIELD_MAX_CHARS),
      reason: event.reason.slice(0, FIELD_MAX_CHARS),
      type: event.type,
      note: truncateUtf8(event.note, NOTE_MAX_BYTES),
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
    };
    try {
      await createObject(opts.kc, Events, body, { signal });
    } catch (err) {
      correlator.forget(key);
      throw err;
    }
    correlator.created(key, { namespace, name });
  };

  signal?.addEventListener('abort', () => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  }, { once: true });

  return {
    record(regarding, event) {
      if (signal?.aborted) return Promise.resolve();
      const meta = regarding.metadata ?? {};
      const object = [regarding.apiVersion, regarding.kind, meta.namespace, meta.name, meta.uid];
      const key = JSON.stringify([...object, event.type, event.reason, event.action, event.note]);
      const what = { reason: event.reason, object: `${meta.namespace ?? ''}/${meta.name ?? ''}` };
      const occurrence = correlator.observe(key, JSON.stringify(object));
      switch (occurrence.write) {
        case 'create':
          return chained(key, what, () => create(key, regarding, event));
        case 'series':
          if (occurrence.inMs <= 0) return chained(key, what, () => writeSeries(key));
          timers.set(key, setTimeout(() => void chained(key, what, () => writeSeries(key)), occurrence.inMs).unref());
          return Promise.resolve();
        default:
          if (occurrence.why === 'spam') log.debug(what, 'event dropped: too many events about this object');
          return Promise.resolve();
      }
    },
    async flush() {
      const due = [...timers.keys()];
      await Promise.all(due.map((key) => chained(key, { reason: 'series', object: '' }, () => writeSeries(key))));
    },
  };
}
