// A keyed work queue with client-go's guarantees: a key waiting twice is
// processed once; a key is never processed by two workers at once (added while
// in flight, it runs once more afterwards); different keys run in parallel up
// to maxConcurrent; failed keys come back with per-key exponential backoff,
// and all retries together at a bounded rate (controller-runtime's default
// limiter: the larger of the two delays).
// Unlike client-go the queue drives the workers itself: give it `process`.
import { delayForAttempt } from './backoff.ts';
import { createTokenBucket, monotonicNow, type RateLimit } from './ratelimit.ts';

/** Observations for metrics; every hook is optional. Durations in seconds. */
export interface WorkQueueMetricsHooks {
  depth?(n: number): void;
  added?(): void;
  retried?(): void;
  /** Time a key waited in the queue before a worker took it. */
  queueLatency?(seconds: number): void;
  /** Time one `process` call took. */
  workDuration?(seconds: number): void;
}

export interface WorkQueueOptions {
  process: (key: string) => Promise<void>;
  maxConcurrent?: number;
  /** Per-key retry delays: baseDelayMs * 2^(failures-1), capped; default 5 ms .. 1000 s (controller-runtime's item limiter). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * All retries together: a token bucket, default 10 a second with a burst of
   * 100 (controller-runtime's); a retry waits for the longer of its key's
   * backoff and its turn in this bucket. Plain adds are never limited.
   */
  retryRateLimit?: RateLimit;
  metrics?: WorkQueueMetricsHooks;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

export interface WorkQueue {
  /** Queues a key now; a no-op if it is already waiting or the queue is shut down. */
  add(key: string): void;
  /** Queues a key after a delay; if it is already scheduled, the earlier time wins. */
  addAfter(key: string, ms: number): void;
  /** Queues a key after its next backoff delay (the longer of its own and the overall retry limit's); returns that delay. */
  addRateLimited(key: string): number;
  /** Clears a key's failure count, so its next retry starts from the base delay. */
  forget(key: string): void;
  /** How many times a key was retried since it was last forgotten. */
  numRequeues(key: string): number;
  /** Keys waiting (not in flight, not scheduled for later). */
  len(): number;
  /** Keys being processed now. */
  inFlight(): number;
  /** Seconds the longest-running `process` call has been running (0 if none). */
  longestRunningSeconds(): number;
  /** Starts taking work (keys added before are kept). */
  start(): void;
  /** Stops taking work, drops waiting and scheduled keys, resolves when in-flight work is done. */
  shutdown(): Promise<void>;
  isShuttingDown(): boolean;
}

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1_000_000;
export const DEFAULT_RETRY_RATE_LIMIT: RateLimit = Object.freeze({ perSecond: 10, burst: 100 });

export function createWorkQueue(opts: WorkQueueOptions): WorkQueue {
  const maxConcurrent = Math.max(1, opts.maxConcurrent ?? 1);
  const baseDelayMs = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const now = opts.now ?? Date.now;
  const metrics = opts.metrics ?? {};
  const retryBucket = createTokenBucket(opts.retryRateLimit ?? DEFAULT_RETRY_RATE_LIMIT, opts.now ?? monotonicNow);

  // Waiting keys in order; `waitingSince` doubles as the "dirty" set.
  const queue: string[] = [];
  const waitingSince = new Map<string, number>();
  const processing = new Map<string, number>();
  const failures = new Map<string, number>();
  const scheduled = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  let started = false;
  let shuttingDown = false;
  let drained: (() => void) | undefined;
  const drainedPromise = new Promise<void>((resolve) => (drained = resolve));

  const reportDepth = (): void => metrics.depth?.(queue.length);

  // One key starts per turn of the event loop, never a batch: a reconcile that
  // needs no request (a converged instance, served from the caches) runs to its
  // end in microtasks, so a batch of 16 of them (and the pump chained after
  // each, which starved every socket for seconds before) held the loop for
  // 100-300 ms a turn after a restart with 1000 instances: /readyz answered
  // 0.6-0.9 s after the caches had synced, and watch events and Lease renewals
  // waited as long. Sockets get a turn between any two reconciles now.
  let pumpScheduled = false;
  const schedulePump = (): void => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  };
  const pump = (): void => {
    if (!started || shuttingDown || processing.size >= maxConcurrent || queue.length === 0) return;
    const key = queue.shift()!;
    const since = waitingSince.get(key) ?? now();
    waitingSince.delete(key);
    const begin = now();
    processing.set(key, begin);
    metrics.queueLatency?.((begin - since) / 1000);
    reportDepth();
    void runOne(key, begin);
    if (processing.size < maxConcurrent && queue.length > 0) schedulePump();
  };

  const runOne = async (key: string, begin: number): Promise<void> => {
    try {
      await opts.process(key);
    } catch {
      // `process` owns its error handling (retry, logging); a throw must not stall the queue.
    } finally {
      metrics.workDuration?.((now() - begin) / 1000);
      processing.delete(key);
      // Added again while it ran: it is dirty, so it goes back in line now.
      if (waitingSince.has(key) && !shuttingDown) {
        queue.push(key);
        reportDepth();
      }
      if (shuttingDown && processing.size === 0) drained?.();
      schedulePump(); // the next key on a later turn, not in this promise chain
    }
  };

  const add = (key: string): void => {
    if (shuttingDown || waitingSince.has(key)) return;
    metrics.added?.();
    waitingSince.set(key, now());
    if (processing.has(key)) return;
    queue.push(key);
    reportDepth();
    schedulePump();
  };

  const addAfter = (key: string, ms: number): void => {
    if (shuttingDown) return;
    if (ms <= 0) {
      add(key);
      return;
    }
    const at = now() + ms;
    const existing = scheduled.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      scheduled.delete(key);
      add(key);
    }, ms);
    // Pending retries alone must not keep a process alive.
    timer.unref();
    scheduled.set(key, { at, timer });
  };

  return {
    add,
    addAfter,
    addRateLimited(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      const delay = Math.max(delayForAttempt(n, baseDelayMs, maxDelayMs), retryBucket.reserve());
      metrics.retried?.();
      addAfter(key, delay);
      return delay;
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
    len: () => queue.length,
    inFlight: () => processing.size,
    longestRunningSeconds() {
      let oldest = Infinity;
      for (const begin of processing.values()) oldest = Math.min(oldest, begin);
      return oldest === Infinity ? 0 : (now() - oldest) / 1000;
    },
    start() {
      if (shuttingDown) return;
      started = true;
      pump();
    },
    shutdown() {
      if (!shuttingDown) {
        shuttingDown = true;
        for (const { timer } of scheduled.values()) clearTimeout(timer);
        scheduled.clear();
        queue.length = 0;
        waitingSince.clear();
        reportDepth();
        if (processing.size === 0) drained?.();
      }
      return drainedPromise;
    },
    isShuttingDown: () => shuttingDown,
  };
}
