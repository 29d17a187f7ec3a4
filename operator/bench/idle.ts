// Scenario 3, the quiet part: once everything has converged, an operator should
// not write at all, neither while idle nor after a restart (a full relist of
// everything it owns) when nothing changed.
import { countRequests, writes, type RequestCounts } from './lib/apiserver-metrics.ts';
import { round } from './lib/machine.ts';
import { sleep, type OperatorProcess } from './lib/operator-process.ts';
import type { BenchPlane } from './lib/plane.ts';

export interface QuietResult {
  seconds: number;
  writes: number;
  requests: RequestCounts;
}

export async function runIdle(bp: BenchPlane, seconds: number): Promise<QuietResult> {
  const { requests } = await countRequests(bp.plane, () => sleep(seconds * 1000));
  return { seconds, writes: writes(requests), requests };
}

/**
 * Stops the operator, starts a new one and counts what it asks for until it has
 * been ready for `settleSeconds` (it relists everything and reconciles every
 * instance again in that time).
 */
export async function runRestart(
  bp: BenchPlane,
  stop: () => Promise<void>,
  start: () => Promise<OperatorProcess>,
  settleSeconds: number,
): Promise<QuietResult & { readySeconds: number; operator: OperatorProcess }> {
  await stop();
  let readySeconds = 0;
  const { result: operator, requests } = await countRequests(bp.plane, async () => {
    const started = performance.now();
    const op = await start();
    readySeconds = round((performance.now() - started) / 1000);
    await sleep(settleSeconds * 1000);
    return op;
  });
  return { seconds: settleSeconds, writes: writes(requests), requests, readySeconds, operator };
}
