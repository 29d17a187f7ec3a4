// Kubernetes Events (events.k8s.io/v1) about an object, as `kubectl describe`
// shows them. The same event repeated within a window is not written again:
// the first one gets a series whose count goes up (like client-go's events
// recorder). Recording never throws into the caller: an Event is a courtesy,
// a failed write is logged and forgotten.
//
// RBAC needed: apiGroups ["events.k8s.io"], resources ["events"], verbs ["create", "patch"].
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { createObject, patchMerge } from './apply.ts';
import { isNotFound, microTime, type KubeObject } from './kube.ts';
import { silentLogger, type Logger } from './log.ts';
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
  /** Writes (or counts) an event; the promise never rejects. */
  record(regarding: InvolvedObject, event: EventInput): Promise<void>;
}

export interface EventRecorderOptions {
  kc: KubeConfig;
  /** e.g. "example.com/my-operator". */
  reportingController: string;
  /** Default: the controller name and host name. */
  reportingInstance?: string;
  /** Repeats within this window join one series; default 10 min. */
  aggregationWindowMs?: number;
  log?: Logger;
  now?: () => number;
}

const NOTE_MAX_BYTES = 1024;
const FIELD_MAX_CHARS = 128;
const DEFAULT_WINDOW_MS = 10 * 60_000;

export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = text.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes - 3) out = out.slice(0, -1);
  return `${out}...`;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  lastSeen: number;
}

export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const log = opts.log ?? silentLogger();
  const now = opts.now ?? Date.now;
  const windowMs = opts.aggregationWindowMs ?? DEFAULT_WINDOW_MS;
  const reportingController = opts.reportingController.slice(0, FIELD_MAX_CHARS);
  const reportingInstance = (opts.reportingInstance ?? `${opts.reportingController}-${hostname()}`).slice(0, FIELD_MAX_CHARS);
  const series = new Map<string, Series>();
  // Events for one key are written one after the other, so a repeat always finds its series.
  const chains = new Map<string, Promise<void>>();

  const prune = (at: number): void => {
    for (const [key, s] of series) if (at - s.lastSeen > windowMs) series.delete(key);
  };

  const write = async (key: string, regarding: InvolvedObject, event: EventInput): Promise<void> => {
    const at = now();
    prune(at);
    const seen = series.get(key);
    if (seen) {
      seen.count++;
      seen.lastSeen = at;
      try {
        await patchMerge(opts.kc, Events, seen, { series: { count: seen.count, lastObservedTime: microTime(at) } });
        return;
      } catch (err) {
        // The event expired or was deleted meanwhile: start a new one.
        if (!isNotFound(err)) throw err;
        series.delete(key);
      }
    }
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
    await createObject(opts.kc, Events, body);
    series.set(key, { name, namespace, count: 1, lastSeen: at });
  };

  return {
    record(regarding, event) {
      const meta = regarding.metadata ?? {};
      const key = JSON.stringify([
        regarding.apiVersion,
        regarding.kind,
        meta.namespace,
        meta.name,
        meta.uid,
        event.type,
        event.reason,
        event.action,
        event.note,
      ]);
      const previous = chains.get(key) ?? Promise.resolve();
      const next = previous
        .then(() => write(key, regarding, event))
        .catch((err: unknown) => {
          log.warn({ err, reason: event.reason, object: `${meta.namespace ?? ''}/${meta.name ?? ''}` }, 'could not record event');
        })
        .finally(() => {
          if (chains.get(key) === next) chains.delete(key);
        });
      chains.set(key, next);
      return next;
    },
  };
}
