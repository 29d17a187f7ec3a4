// A chaos run's targets (issue 10) and its markdown summary.
import type { Load, MachineNote } from '../lib/machine.ts';
import type { Target } from '../report.ts';
import type { ChaosResult } from './chaos.ts';

export interface ChaosReport {
  startedAt: string;
  finishedAt?: string;
  source: string;
  machine: MachineNote & { load1AtEnd?: number };
  load?: Load;
  options: Record<string, unknown>;
  result?: ChaosResult;
  errors: string[];
  targets: Target[];
}

export const CONVERGENCE_TARGET_S = 30;
export const FAILOVER_MAX_TARGET_S = 20;
export const FAILOVER_P50_TARGET_S = 17;

export function chaosTargets(r: ChaosResult): Target[] {
  const zero = (name: string, n: number): Target => ({ name, goal: '0', actual: String(n), met: n === 0 });
  const t: Target[] = [
    zero('lost', r.final.lost),
    zero('orphans', r.final.orphans),
    zero('stuck', r.final.stuck),
    zero('stale status', r.final.stale),
    zero('instances not as the workload left them', r.final.missingInstances + r.final.unexpectedInstances),
    {
      name: 'convergence after the last fault',
      goal: `<= ${CONVERGENCE_TARGET_S} s`,
      actual: r.convergence.converged ? `${r.convergence.seconds} s` : `not within ${r.convergence.timeoutSeconds} s`,
      met: r.convergence.converged && (r.convergence.seconds ?? Infinity) <= CONVERGENCE_TARGET_S,
    },
    zero('crashes', r.crashes.length),
    zero('two leaders at once', r.leadershipOverlaps.length),
  ];
  const f = r.failovers;
  if (f.count > 0) {
    // A new leader killed before its first reconcile is measured by the failover that follows.
    const unmeasured = f.each.filter((e) => e.firstReconcileAfterMs === undefined && !e.newLeader).length;
    t.push({
      name: 'leader failover (kill -> first reconcile), API server in reach',
      goal: `max <= ${FAILOVER_MAX_TARGET_S} s, p50 <= ${FAILOVER_P50_TARGET_S} s`,
      actual: f.clean.count > 0
        ? `${f.clean.count} failovers: p50 ${f.clean.p50Seconds ?? '-'} s, max ${f.clean.maxSeconds ?? '-'} s` + (unmeasured ? `; ${unmeasured} with no new leader at all` : '')
        : 'none measurable (every kill overlapped an outage)',
      met: unmeasured === 0 && f.clean.count > 0 && (f.clean.maxSeconds ?? Infinity) <= FAILOVER_MAX_TARGET_S && (f.clean.p50Seconds ?? Infinity) <= FAILOVER_P50_TARGET_S,
    });
  }
  t.push({
    name: 'quiet after convergence',
    goal: '0 reconciles, 0 writes',
    actual: `${r.quiet.reconciles} reconciles, ${r.quiet.writes.total} writes in ${r.quiet.seconds} s`,
    met: r.quiet.reconciles === 0 && r.quiet.writes.total === 0,
  });
  if (r.badData) {
    const held = r.badData.cases.filter((c) => c.met).length;
    t.push({
      name: 'bad stored data reported, nothing foreign touched, no hot loop, no crash',
      goal: `${r.badData.cases.length} of ${r.badData.cases.length}, 0 crashes`,
      actual: `${held} of ${r.badData.cases.length}, ${r.badData.crashes.length} crashes`,
      met: held === r.badData.cases.length && r.badData.crashes.length === 0,
    });
  }
  return t;
}

const table = (rows: string[][]) => [`| ${rows[0]!.join(' | ')} |`, `|${rows[0]!.map(() => '---').join('|')}|`, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function chaosMarkdown(rep: ChaosReport): string {
  const out: string[] = [`# Chaos run ${rep.startedAt}`, ''];
  const r = rep.result;
  out.push(`Source ${rep.source}; ${rep.machine.cpus} CPUs (${rep.machine.cpuModel}), Node ${rep.machine.node}; load ${rep.machine.load1} at start, ${rep.machine.load1AtEnd ?? '?'} at end` +
    (rep.load ? `; other work on the machine used ${rep.load.othersCores} cores on average` : '') + '.');
  if (r) {
    out.push('', `Seed **${r.seed}** (\`make chaos ARGS="--seed ${r.seed}"\` replays the schedule).`, '');
    out.push(table([['target', 'goal', 'actual', ''], ...rep.targets.map((t) => [t.name, t.goal, t.actual, t.met ? 'met' : '**missed**'])]));
    out.push('', '## Workload', '',
      `${r.workload.created} instances created, ${r.workload.updated} updated, ${r.workload.deleted} deleted (${r.workload.inflightDeletes} while their creation was in flight); ` +
      `the API server refused ${r.workload.serverRetries} of these attempts for the time being (restarts), retried; last step at ${r.workload.lastStepAtSeconds} s.`);
    if (r.workload.failures.length) out.push('', `Failed steps: ${r.workload.failures.slice(0, 5).join('; ')}`);
    out.push('', '## Faults', '', table([['at (s)', 'fault', 'until (s)', 'detail'], ...r.faults.map((f) => [String(f.at / 1000), f.kind, String(f.endedAt / 1000), f.detail ?? ''])]));
    out.push('', '## After the faults', '',
      table([
        ['measure', 'value'],
        ['converged', r.convergence.converged ? `yes, ${r.convergence.seconds} s after the last fault` : `no (timeout ${r.convergence.timeoutSeconds} s): ${JSON.stringify(r.atTimeout)}`],
        ['API server answer to a write meanwhile', `p50 ${r.convergence.writeLatency?.p50Seconds ?? '-'} s, p90 ${r.convergence.writeLatency?.p90Seconds ?? '-'} s (${r.convergence.writeLatency?.count ?? 0} writes)`],
        ['lost / orphans / stuck / stale', `${r.final.lost} / ${r.final.orphans} / ${r.final.stuck} / ${r.final.stale}`],
        ['operator writes (whole run, without Lease renewals)', `${r.writes.total} (${r.writes.perInstance} per instance created); Lease writes ${r.writes.leases}`],
        ['reconciles', `${r.reconciles.total}: ${Object.entries(r.reconciles.byResult).map(([k, v]) => `${v} ${k}`).join(', ')}; error rate ${(r.reconciles.errorRate * 100).toFixed(1)} %`],
        ['busiest key', r.reconciles.busiest ? `${r.reconciles.busiest.key}: ${r.reconciles.busiest.count} reconciles within ${r.reconciles.busiest.windowSeconds} s` : '-'],
        ['failed reconciles (retries), all keys', `at most ${r.reconciles.retriesPerSecondMax} in 1 s, ${r.reconciles.retriesPer10sMax} in 10 s (work-queue retry limit: 10/s, burst 100)`],
        ['leader failovers (kill -> new leader\'s first reconcile)', `${r.failovers.count} kills: p50 ${r.failovers.p50Seconds ?? '-'} s, max ${r.failovers.maxSeconds ?? '-'} s; ` +
          `${r.failovers.count - r.failovers.clean.count} of them overlapped an API server, etcd or network outage; ${r.failovers.lostLeases} leaders stepped down on a lost Lease`],
        ['quiet window', `${r.quiet.reconciles} reconciles, ${r.quiet.writes.total} writes in ${r.quiet.seconds} s (${r.quiet.availableBefore} instances Available when it began)`],
        ['crashes', r.crashes.length ? r.crashes.map((c) => `${c.replica} (exit ${c.exitCode})`).join(', ') : 'none'],
      ]));
    if (r.failovers.each.length) {
      const s = (ms?: number) => (ms === undefined ? '-' : String(Math.round(ms / 100) / 10));
      out.push('', 'Failovers:', '', table([['killed', 'new leader', 'leading after (s)', 'first reconcile after (s)', 'outage overlapped'],
        ...r.failovers.each.map((f) => [f.killed, f.newLeader ?? '-', s(f.leadingAfterMs), s(f.firstReconcileAfterMs), f.duringOutage ? 'yes' : 'no'])]));
    }
    if (r.final.examples.length) out.push('', 'Left over:', '', ...r.final.examples.map((e) => `- ${e.instance}${e.object ? ` ${e.object}` : ''}: ${e.why}`));
    for (const [instance, steps] of Object.entries(r.final.trails ?? {})) out.push('', `Trail of ${instance}:`, '', ...steps.map((s) => `- ${s}`));
    out.push('', `Writes by resource: ${Object.entries(r.writes.byResource).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  }
  const bad = r?.badData;
  if (bad) {
    out.push('', `## Bad stored data (observed ${bad.observedSeconds} s)`, '',
      table([['case', 'instance', 'condition / Events', 'reconciles (backoff allows)', 'held', 'detail'],
        ...bad.cases.map((c) => [c.name, c.instance, c.reported, `${c.reconciles} (${c.allowedByBackoff})`, c.met ? 'yes' : '**no**', c.detail.replaceAll('|', '\\|')])]),
      '', `Replicas that crashed meanwhile: ${bad.crashes.length ? bad.crashes.join(', ') : 'none'}.`);
  }
  if (rep.errors.length) out.push('', '## Errors', '', ...rep.errors.map((e) => `- ${e}`));
  return out.join('\n');
}
