// Token buckets, after golang.org/x/time/rate (what client-go and
// controller-runtime use): `perSecond` tokens a second, at most `burst` saved
// up, full at the start. One bucket limits the client's requests, one the work
// queue's retries, one per object the Events written about it.
import { sleep } from './backoff.ts';

export interface TokenBucket {
  /** Takes a token now, going into debt when there is none; returns the ms until that token is due (0: now). */
  reserve(): number;
  /** Takes a token only if one is there now. */
  tryTake(): boolean;
  /** Waits for a token; an aborted wait gives its token back and rejects with the signal's reason. */
  take(signal?: AbortSignal): Promise<void>;
  /** Ms until the next token is available (0: one is there now). */
  nextInMs(): number;
  /** True when the bucket is full again (nothing to remember about it). */
  isFull(): boolean;
}

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Monotonic milliseconds: immune to wall-clock jumps. */
export const monotonicNow = (): number => performance.now();

export function createTokenBucket(limit: RateLimit, now: () => number = monotonicNow): TokenBucket {
  if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new Error(`a token bucket needs a rate > 0 and a burst >= 1, not ${limit.perSecond}/${limit.burst}`);
  let tokens = limit.burst;
  let last = now();
  const refill = (): void => {
    const at = now();
    tokens = Math.min(limit.burst, tokens + (Math.max(0, at - last) * limit.perSecond) / 1000);
    last = at;
  };
  const msUntil = (n: number): number => (tokens >= n ? 0 : ((n - tokens) * 1000) / limit.perSecond);
  const bucket: TokenBucket = {
    reserve() {
      refill();
      tokens -= 1;
      return msUntil(0);
    },
    tryTake() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    async take(signal) {
      signal?.throwIfAborted();
      const wait = bucket.reserve();
      if (wait <= 0) return;
      try {
        await sleep(wait, signal);
      } catch (err) {
        tokens += 1;
        throw err;
      }
    },
    nextInMs() {
      refill();
      return msUntil(1);
    },
    isFull() {
      refill();
      return tokens >= limit.burst;
    },
  };
  return bucket;
}
