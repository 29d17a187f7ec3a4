// Telling a wait that is getting somewhere from one that is not. A scenario
// waits for an operator to finish; one that makes no progress for a while (a
// peer that never writes some status, or never creates some object) is stopped
// with an error for that scenario instead of holding the run until its deadline.

/** No progress for this long stops a scenario (`--stall-seconds`). */
export const DEFAULT_STALL_SECONDS = 120;

export interface WaitLimits {
  /** Give up this long after the wait started, progress or not. */
  timeoutMs: number;
  /** Give up when progress has not grown for this long. */
  stallMs: number;
}

/** A wait that ended without its goal: it stalled or ran out of time. */
export class ProgressError extends Error {
  readonly why: 'stalled' | 'timed out';
  constructor(why: 'stalled' | 'timed out', message: string) {
    super(message);
    this.name = 'ProgressError';
    this.why = why;
  }
}

export type ProgressVerdict = { going: true } | { going: false; why: 'stalled' | 'timed out'; idleMs: number; elapsedMs: number };

/**
 * A watch over one wait: call it with how far the wait has got (a count that
 * only grows: completions, objects seen) and the time; it says whether to keep
 * waiting. Progress is any growth of the count since the highest seen so far.
 */
export function progressWatch(limits: WaitLimits, startedAt: number): (progress: number, now: number) => ProgressVerdict {
  let best = -Infinity;
  let lastProgressAt = startedAt;
  return (progress, now) => {
    if (progress > best) {
      // The first call sets the starting point; only growth after it is progress.
      if (best !== -Infinity) lastProgressAt = now;
      best = progress;
    }
    const elapsedMs = now - startedAt;
    const idleMs = now - lastProgressAt;
    if (elapsedMs > limits.timeoutMs) return { going: false, why: 'timed out', idleMs, elapsedMs };
    if (idleMs > limits.stallMs) return { going: false, why: 'stalled', idleMs, elapsedMs };
    return { going: true };
  };
}

/** "no progress for 120 s" / "not done after 1200 s", for error messages. */
export function verdictText(v: Exclude<ProgressVerdict, { going: true }>): string {
  return v.why === 'stalled' ? `no progress for ${Math.round(v.idleMs / 1000)} s` : `not done after ${Math.round(v.elapsedMs / 1000)} s`;
}
