// Figures from what the replicas logged and what crossed the fault proxy: leader
// failovers (kill -> the new leader's first reconcile), leadership overlaps,
// reconcile results, the busiest key (hot loops), retries against the work
// queue's global limit, and the operator's writes. Pure functions.
import { percentile, round } from '../lib/machine.ts';
import type { ProxiedRequest } from '../../test/support/api-proxy.ts';
import type { ReconcileLine, Replica } from './replicas.ts';

export interface Failover {
  killed: string;
  /** Wall-clock ms. */
  killedAt: number;
  newLeader?: string;
  /** kill -> the new leader said "started leading". */
  leadingAfterMs?: number;
  /** kill -> the new leader's first reconcile (absent: it was killed or deposed before one). */
  firstReconcileAfterMs?: number;
  /**
   * The API server was out of reach for part of it (a restart, etcd's, the
   * partition): no candidate can take the Lease then, and one that misses a
   * renewal waits a full lease duration from when it first sees it.
   */
  duringOutage: boolean;
}

/** Wall-clock ms. */
export interface Interval {
  from: number;
  to: number;
}

/** For each killed leader, who took over and when it first reconciled. */
export function failovers(replicas: readonly Replica[], reconciles: readonly ReconcileLine[], outages: readonly Interval[] = []): Failover[] {
  return replicas
    .filter((r) => r.killedAt !== undefined && r.leadingSince !== undefined && r.leadingSince <= r.killedAt)
    .map((killed) => {
      const at = killed.killedAt!;
      const next = replicas
        .filter((r) => r !== killed && r.leadingSince !== undefined && r.leadingSince >= at)
        .sort((a, b) => a.leadingSince! - b.leadingSince!)[0];
      const first = next && reconciles.find((l) => l.replica === next.name && l.at >= next.leadingSince!);
      // A new leader killed (or deposed) before its first reconcile: the failover ended with its term.
      const end = first?.at ?? (next ? Math.min(next.killedAt ?? Infinity, next.stoppedLeadingAt ?? Infinity, next.exitedAt ?? Infinity) : Infinity);
      return {
        duringOutage: outages.some((o) => o.from < end && o.to > at),
        killed: killed.name,
        killedAt: at,
        ...(next ? { newLeader: next.name, leadingAfterMs: next.leadingSince! - at } : {}),
        ...(first ? { firstReconcileAfterMs: first.at - at } : {}),
      };
    });
}

export interface FailoverSummary {
  count: number;
  /** Over the failovers with the API server in reach throughout (what the Lease timings promise). */
  clean: { count: number; p50Seconds?: number; maxSeconds?: number };
  /** Leaders that stepped down on their own (Lease not renewed in time, e.g. in the partition). */
  lostLeases: number;
  p50Seconds?: number;
  maxSeconds?: number;
  each: Failover[];
}

export function summarizeFailovers(replicas: readonly Replica[], reconciles: readonly ReconcileLine[], outages: readonly Interval[] = []): FailoverSummary {
  const each = failovers(replicas, reconciles, outages);
  const secondsOf = (list: Failover[]) => list.flatMap((f) => (f.firstReconcileAfterMs === undefined ? [] : [f.firstReconcileAfterMs / 1000]));
  const times = secondsOf(each);
  const cleanTimes = secondsOf(each.filter((f) => !f.duringOutage));
  return {
    count: each.length,
    clean: {
      count: each.filter((f) => !f.duringOutage).length,
      ...(cleanTimes.length ? { p50Seconds: round(percentile(cleanTimes, 50)), maxSeconds: round(Math.max(...cleanTimes)) } : {}),
    },
    lostLeases: replicas.filter((r) => r.lostLease).length,
    ...(times.length ? { p50Seconds: round(percentile(times, 50)), maxSeconds: round(Math.max(...times)) } : {}),
    each,
  };
}

/**
 * Times two replicas both believed they led: from one's "started leading" to
 * the other's end (step-down, kill, exit). A killed leader's term ends at the kill.
 */
export function leadershipOverlaps(replicas: readonly Replica[]): { replicas: [string, string]; ms: number }[] {
  const terms = replicas
    .filter((r) => r.leadingSince !== undefined)
    .map((r) => ({ name: r.name, from: r.leadingSince!, to: Math.min(r.stoppedLeadingAt ?? Infinity, r.killedAt ?? Infinity, r.exitedAt ?? Infinity) }));
  const overlaps: { replicas: [string, string]; ms: number }[] = [];
  for (let i = 0; i < terms.length; i++) {
    for (let k = i + 1; k < terms.length; k++) {
      const [a, b] = [terms[i]!, terms[k]!];
      const ms = Math.min(a.to, b.to) - Math.max(a.from, b.from);
      if (ms > 0) overlaps.push({ replicas: [a.name, b.name], ms: ms === Infinity ? -1 : ms });
    }
  }
  return overlaps;
}

export interface ReconcileSummary {
  total: number;
  byResult: Record<string, number>;
  errorRate: number;
  /** The key reconciled most often within any window of `windowSeconds`. */
  busiest?: { key: string; count: number; windowSeconds: number; perSecond: number };
  /** Most failed reconciles (each one a retry) of all keys within any 1 s, and any 10 s. */
  retriesPerSecondMax: number;
  retriesPer10sMax: number;
}

export function summarizeReconciles(lines: readonly ReconcileLine[], windowSeconds = 10): ReconcileSummary {
  const byResult: Record<string, number> = {};
  const byKey = new Map<string, number[]>();
  for (const l of lines) {
    byResult[l.result] = (byResult[l.result] ?? 0) + 1;
    const times = byKey.get(l.key) ?? [];
    times.push(l.at);
    byKey.set(l.key, times);
  }
  let busiest: ReconcileSummary['busiest'];
  for (const [key, times] of byKey) {
    const count = maxInWindow(times, windowSeconds * 1000);
    if (!busiest || count > busiest.count) busiest = { key, count, windowSeconds, perSecond: round(count / windowSeconds) };
  }
  const errors = lines.filter((l) => l.result === 'error').map((l) => l.at);
  return {
    total: lines.length,
    byResult,
    errorRate: lines.length ? round((byResult.error ?? 0) / lines.length, 4) : 0,
    busiest,
    retriesPerSecondMax: maxInWindow(errors, 1000),
    retriesPer10sMax: maxInWindow(errors, 10_000),
  };
}

/** The most points of `times` within any window of `ms`. */
export function maxInWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** "chatcliinstances/status", "leases", ... from a request path. */
export function resourceOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  // /api/v1/... or /apis/group/version/...
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  const i = rest[0] === 'namespaces' && rest.length > 2 ? 2 : 0;
  const [resource = '', , sub] = rest.slice(i);
  return sub ? `${resource}/${sub}` : resource;
}

/** How long the API server took to answer the operators' writes (forwarded, answered) between from and to: p50, p90 in s. */
export function writeLatency(requests: readonly ProxiedRequest[], from: number, to: number): { count: number; p50Seconds?: number; p90Seconds?: number } {
  const times = requests
    .filter((r) => WRITES.has(r.method) && r.forwardedAt !== undefined && r.answeredAt !== undefined && r.at >= from && r.at <= to)
    .map((r) => (r.answeredAt! - r.forwardedAt!) / 1000);
  return times.length ? { count: times.length, p50Seconds: round(percentile(times, 50), 3), p90Seconds: round(percentile(times, 90), 3) } : { count: 0 };
}

export interface WriteSummary {
  /** Writes that reached the API server (not the ones the proxy answered itself), without Lease renewals. */
  total: number;
  perInstance: number;
  leases: number;
  byResource: Record<string, number>;
}

export function summarizeWrites(requests: readonly ProxiedRequest[], instances: number, from = 0, to = Infinity): WriteSummary {
  const byResource: Record<string, number> = {};
  let leases = 0;
  for (const r of requests) {
    if (!WRITES.has(r.method) || r.outcome !== 'forwarded' || r.at < from || r.at > to) continue;
    const resource = resourceOf(r.path);
    if (resource === 'leases') {
      leases++;
      continue;
    }
    byResource[resource] = (byResource[resource] ?? 0) + 1;
  }
  const total = Object.values(byResource).reduce((a, b) => a + b, 0);
  return { total, perInstance: instances ? round(total / instances) : 0, leases, byResource: Object.fromEntries(Object.entries(byResource).sort()) };
}
