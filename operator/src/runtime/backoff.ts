// Exponential backoff shared by the informer (reconnects) and the work queue
// (per-key retries), plus an abortable sleep.

export interface Backoff {
  /** The delay before the next attempt; each call doubles it up to the cap. */
  next(): number;
  reset(): void;
}

/** Doubling delays from initialMs to maxMs; with jitter, each delay is spread up to +jitter*delay. */
export function exponentialBackoff(opts: { initialMs: number; maxMs: number; jitter?: number }): Backoff {
  let attempt = 0;
  return {
    next() {
      const delay = delayForAttempt(attempt++, opts.initialMs, opts.maxMs);
      const jitter = opts.jitter ?? 0;
      return jitter > 0 ? Math.min(opts.maxMs, delay * (1 + Math.random() * jitter)) : delay;
    },
    reset() {
      attempt = 0;
    },
  };
}

/** initialMs * 2^attempt, capped at maxMs (attempt counts from 0). */
export function delayForAttempt(attempt: number, initialMs: number, maxMs: number): number {
  // 2^attempt overflows to Infinity well before a realistic attempt count; the cap still holds.
  return Math.min(maxMs, initialMs * 2 ** attempt);
}

/** Resolves after ms, or rejects at once with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
