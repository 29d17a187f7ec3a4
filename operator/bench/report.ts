// The results of one run: their shape (the JSON file), the targets they are
// judged against, and the markdown printed at the end.
import type { Comparison } from './baseline.ts';
import { cacheBytesTable, type CacheBytes } from './cache-bytes.ts';
import { SERVER_OWN_RESOURCES, WRITE_VERBS, type RequestCounts } from './lib/apiserver-metrics.ts';
import type { Load, MachineNote } from './lib/machine.ts';
import { round } from './lib/machine.ts';
import { byKindText } from './lib/object-accounting.ts';
import type { FloorResult, FloorTry } from './floor.ts';
import type { QuietResult } from './idle.ts';
import type { LatencyResult, Percentiles, StepFigures } from './latency.ts';
import type { MemorySample } from './memory.ts';
import type { ScaleResult } from './scale.ts';

type Loaded<T> = T & { load: Load };

export interface SizeRun {
  instances: number;
  unrelated: number;
  unrelatedCreateSeconds: number;
  floor?: Loaded<FloorResult>;
  scale?: Loaded<ScaleResult>;
  idle?: QuietResult;
  restart?: QuietResult & { readySeconds: number };
  memory: MemorySample[];
  /** Bytes per cached object after convergence (largest size). */
  cache?: CacheBytes[];
  sweep: Loaded<ScaleResult & { concurrency: number }>[];
}

export interface Results {
  startedAt: string;
  finishedAt?: string;
  /** The commit measured. */
  source: string;
  operator: {
    name: string;
    command: string;
    kubeconfig: 'serviceaccount' | 'admin';
    /** What the run passed as {concurrency}; only in effect when the command has that placeholder. */
    maxConcurrentReconciles: number;
    /** What the benchmark waited for as "ready" on each start (restart ready s is timed to it); older result files lack it. */
    readiness?: string;
  };
  machine: MachineNote & { load1AtEnd?: number };
  options: Record<string, unknown>;
  runs: SizeRun[];
  latency?: Loaded<LatencyResult>;
  /** Bytes per cached object on the full plane after the latency run (pods included). */
  latencyCache?: CacheBytes[];
  /** This run against a recorded baseline (--baseline). */
  baseline?: { file: string; recordedAt: string; source: string; tolerance: number; comparisons: Comparison[] };
  errors: string[];
  /** What was left out and why. */
  notes: string[];
  targets: Target[];
}

export interface Target {
  name: string;
  goal: string;
  actual: string;
  met: boolean;
}

/** Unrelated objects should cost the operator nothing; allow for GC noise. */
const NEAR_ZERO_MIB = 5;
export const MEMORY_EMPTY = 'idle, empty cluster';
export const MEMORY_UNRELATED = 'idle, with the unrelated objects';

export function judge(r: Results): Target[] {
  const targets: Target[] = [];
  for (const run of r.runs) {
    const { floor, scale } = run;
    if (floor && scale) {
      const ratio = scale.seconds / floor.seconds;
      targets.push(scale.stopped
        ? { name: `convergence of ${run.instances}`, goal: '<= 1.3x floor', actual: `stopped after ${scale.seconds} s of progress`, met: false }
        : { name: `convergence of ${run.instances}`, goal: '<= 1.3x floor', actual: `${round(ratio)}x (${scale.seconds} s vs ${floor.seconds} s)`, met: ratio <= 1.3 });
    }
    if (scale) {
      targets.push({ name: `objects where ours puts them (${run.instances})`, goal: `all ${scale.objects}`, actual: placementText(scale), met: scale.found === scale.objects });
    }
    if (scale) {
      const allowed = scale.objects + 2 * scale.instances;
      targets.push({ name: `writes per new instance (${run.instances})`, goal: `<= ${round(allowed / scale.instances)} (objects + 2)`, actual: `${scale.writesPerInstance} (${scale.operatorWrites} writes)`, met: scale.operatorWrites <= allowed });
    }
    if (run.idle) targets.push({ name: `writes while idle ${run.idle.seconds} s`, goal: '0', actual: String(run.idle.writes), met: run.idle.writes === 0 });
    if (run.restart) targets.push({ name: `writes after restart with ${run.instances}`, goal: '0', actual: String(run.restart.writes), met: run.restart.writes === 0 });
    const empty = run.memory.find((m) => m.when === MEMORY_EMPTY);
    const unrelated = run.memory.find((m) => m.when === MEMORY_UNRELATED);
    if (empty && unrelated) {
      const growth = round(unrelated.rssMiB - empty.rssMiB, 1);
      targets.push({ name: `RSS growth from ${run.unrelated} unrelated objects`, goal: `near 0 (<= ${NEAR_ZERO_MIB} MiB)`, actual: `${growth} MiB`, met: growth <= NEAR_ZERO_MIB });
    }
  }
  targets.push(...perInstanceTargets(r));
  if (r.latency) targets.push(...latencyTargets(r.latency));
  return targets;
}

export interface PerInstance {
  instances: number;
  /** Convergence time per instance. */
  msPerInstance: number;
  /** RSS and V8 heap after convergence, above the idle empty-cluster figure, per instance. */
  rssKiBPerInstance?: number;
  heapKiBPerInstance?: number;
}

/** What one instance costs at each size (issue 11: neither grows with N). */
export function perInstance(r: Results): PerInstance[] {
  return r.runs.filter((run) => run.scale && !run.scale.stopped).map((run) => {
    const n = run.instances;
    const empty = run.memory.find((m) => m.when === MEMORY_EMPTY);
    const after = run.memory.find((m) => m.when.startsWith('after ') && m.when.endsWith(' converged'));
    const kib = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : round(((a - b) * 1024) / n, 1));
    return {
      instances: n,
      msPerInstance: round((run.scale!.seconds * 1000) / n, 2),
      rssKiBPerInstance: kib(after?.rssMiB, empty?.rssMiB),
      heapKiBPerInstance: kib(after?.heapUsedMiB, empty?.heapUsedMiB),
    };
  });
}

/** Growth allowed per instance from one size to a larger one (sizes of 1000 and up; a 100 plane's per-instance memory is mostly noise). */
export const PER_INSTANCE_GROWTH = 1.25;

function perInstanceTargets(r: Results): Target[] {
  const rows = perInstance(r).filter((p) => p.instances >= 1000).sort((a, b) => a.instances - b.instances);
  const targets: Target[] = [];
  for (let i = 1; i < rows.length; i++) {
    const [small, large] = [rows[i - 1]!, rows[i]!];
    const pairs: [string, number | undefined, number | undefined, string][] = [
      ['time', small.msPerInstance, large.msPerInstance, 'ms'],
      ['RSS', small.rssKiBPerInstance, large.rssKiBPerInstance, 'KiB'],
    ];
    for (const [what, a, b, unit] of pairs) {
      if (a === undefined || b === undefined || a <= 0) continue;
      targets.push({
        name: `${what} per instance, ${small.instances} -> ${large.instances}`,
        goal: `does not grow (<= ${PER_INSTANCE_GROWTH}x)`,
        actual: `${a} -> ${b} ${unit} (${round(b / a)}x)`,
        met: b <= a * PER_INSTANCE_GROWTH,
      });
    }
  }
  return targets;
}

/** Issue 11: p99 create -> Available <= 1 s without a claim, <= 3 s with one (results without the split: the combined p99 < 2 s). */
function latencyTargets(l: LatencyResult): Target[] {
  const target = (name: string, p: Percentiles, goal: number): Target =>
    ({ name: `p99 create -> Available, ${name} (${p.instances})`, goal: `<= ${goal} s`, actual: `${p.p99Seconds} s (p50 ${p.p50Seconds} s)`, met: p.p99Seconds <= goal });
  if (!l.withoutClaim || !l.withClaim) return [{ name: `p99 create -> Available (${l.instances})`, goal: '< 2 s', actual: `${l.p99Seconds} s`, met: l.p99Seconds < 2 }];
  return [target('without a claim', l.withoutClaim, 1), target('with a sessions claim', l.withClaim, 3)];
}

/** Whose CPU and which writes the latency run cost, from the first create to the last Available. */
function latencyWindowText(w: NonNullable<LatencyResult['window']>): string {
  const cpu = Object.entries(w.cpuSeconds).filter(([, s]) => s > 0).map(([p, s]) => `${p} ${s} (${round(s / w.seconds)} cores)`).join(', ');
  const byResource: Record<string, number> = {};
  for (const [key, n] of Object.entries(w.requests)) {
    const [verb = '', resource = ''] = key.split(' ');
    if (WRITE_VERBS.has(verb) && !SERVER_OWN_RESOURCES.has(resource.split('/')[0] ?? '')) byResource[resource] = (byResource[resource] ?? 0) + n;
  }
  const top = Object.entries(byResource).sort(([, a], [, b]) => b - a).map(([r, n]) => `${r} ${n}`).join(', ');
  return `From the first create to the last Available (${w.seconds} s): CPU seconds by program: ${cpu}. ` +
    `API server writes: ${w.writes} (${top}).`;
}

const table = (head: string[], rows: (string | number | undefined)[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map((c) => c ?? '').join(' | ')} |`)].join('\n');

const loadText = (l: Load) => `${l.before} -> ${l.after}; others ${l.othersCores} cores`;

/** "6500 found, 250 misplaced, 0 missing". */
export const placementText = (s: ScaleResult): string => `${s.found} found, ${s.misplaced} misplaced, ${s.missing} missing`;

/** The seconds of a scale run, or that it was stopped. */
const secondsText = (s: ScaleResult): string | number => (s.stopped ? `stopped (${s.seconds} s of progress)` : s.seconds);

function requestsText(requests: RequestCounts): string {
  return Object.entries(requests).map(([k, n]) => `${k} ${n}`).join(', ');
}

export function markdown(r: Results): string {
  const out: string[] = [];
  out.push(`## Benchmark ${r.startedAt}: ${r.operator.name} (source ${r.source})`);
  out.push(`${r.machine.cpus} CPUs (${r.machine.cpuModel}), Node ${r.machine.node}; load average (1 min) ${r.machine.load1} at start, ${r.machine.load1AtEnd ?? '?'} at end. ` +
    `Operator as ${r.operator.kubeconfig}, ${r.operator.command.includes('{concurrency}') ? `--max-concurrent-reconciles ${r.operator.maxConcurrentReconciles}` : 'its own concurrency (no {concurrency} in its command)'}; ready = ${r.operator.readiness ?? 'not recorded'}.`);

  const converged = r.runs.filter((run) => run.scale);
  if (converged.length > 0) {
    out.push('', '### Convergence (api mode: done = observedGeneration == generation and every object ours would create exists, where ours puts it or misplaced)');
    out.push(table(
      ['instances', 'objects', 'unrelated', 'floor s (best concurrency)', 'operator s', 'ratio', 'creates sent s', 'writes/instance', 'found / misplaced / missing', 'operator CPU s', 'load'],
      converged.map((run) => {
        const s = run.scale!;
        return [run.instances, s.objects, run.unrelated, run.floor ? `${run.floor.seconds} (${run.floor.concurrency})` : '', secondsText(s),
          run.floor && !s.stopped ? `${round(s.seconds / run.floor.seconds)}x` : '', s.createSeconds, s.writesPerInstance,
          `${s.found} / ${s.misplaced} / ${s.missing}`, s.operatorCpuSeconds, loadText(s.load)];
      }),
    ));
    const placement = [...converged.map((run) => [String(run.instances), run.scale!] as const),
      ...r.runs.flatMap((run) => run.sweep.map((s) => [`sweep ${s.concurrency} on ${run.instances}`, s] as const))]
      .filter(([, s]) => s.misplaced > 0 || s.missing > 0 || s.stopped);
    if (placement.length > 0) {
      out.push('', 'Objects not where ours puts them (misplaced: same kind and name in another namespace; these count as converged), and runs stopped:');
      for (const [label, s] of placement) {
        const parts = [`${s.statuses} of ${s.instances} statuses written`, placementText(s)];
        if (s.misplaced) parts.push(`misplaced ${byKindText(s.misplacedByKind)}, e.g. ${s.misplacedExamples.join('; ')}`);
        if (s.missing) parts.push(`missing ${byKindText(s.missingByKind)}, e.g. ${s.missingExamples.join('; ')}`);
        if (s.stopped) parts.push(`**stopped**: ${s.stopped}`);
        out.push(`- ${label}: ${parts.join('; ')}`);
      }
    }
    out.push('', 'Requests during convergence (API server counters, without the benchmark\'s own instance creates; ' +
      'Lease and IPAddress writes and ClusterIP repair Events are the API server\'s own and not counted as the operator\'s writes):');
    for (const run of converged) out.push(`- ${run.instances}: ${requestsText(run.scale!.requests)}; ClusterIP repair Events: ${run.scale!.serverEvents}`);
  }
  const floors = r.runs.filter((run) => run.floor);
  if (floors.length > 0) {
    out.push('', '### Floor tries (no operator: the instances and their objects, POSTed; then applied at the best concurrency)');
    const tryText = (t: FloorTry) => `${t.seconds} (others ${t.load.othersCores} cores)`;
    out.push(table(['instances', ...floors[0]!.floor!.tries.map((t) => `POST, concurrency ${t.concurrency}: s`), 'apply, best concurrency: s'],
      floors.map((run) => [run.instances, ...run.floor!.tries.map(tryText), tryText(run.floor!.apply)])));
  }
  const quiet = r.runs.filter((run) => run.idle || run.restart);
  if (quiet.length > 0) {
    out.push('', '### Writes when nothing changes');
    out.push(table(['instances', 'idle window s', 'idle writes', 'restart: ready s', 'restart window s', 'restart writes', 'restart requests'],
      quiet.map((run) => [run.instances, run.idle?.seconds, run.idle?.writes, run.restart?.readySeconds, run.restart?.seconds, run.restart?.writes, run.restart ? requestsText(run.restart.requests) : ''])));
  }
  const costs = perInstance(r);
  if (costs.length > 1) {
    out.push('', '### Per instance (convergence time / n; memory after convergence above the idle empty cluster / n)');
    out.push(table(['instances', 'ms per instance', 'RSS KiB per instance', 'V8 heap KiB per instance'],
      costs.map((p) => [p.instances, p.msPerInstance, p.rssKiBPerInstance ?? 'n/a', p.heapKiBPerInstance ?? 'n/a'])));
  }
  out.push('', '### Memory (median of 3 samples)');
  out.push(table(['instances (plane)', 'when', 'RSS MiB', 'V8 heap used MiB'], r.runs.flatMap((run) => run.memory.map((m) => [run.instances, m.when, m.rssMiB, m.heapUsedMiB ?? 'n/a']))));
  for (const run of r.runs.filter((x) => x.cache)) {
    out.push('', `### Bytes per cached object (${run.instances} plane, after convergence; cached = as src/reconciler/cache-shape.ts keeps it)`);
    out.push(cacheBytesTable(run.cache!));
  }
  if (r.latencyCache) {
    out.push('', '### Bytes per cached object (full plane, after the latency run: pods included)');
    out.push(cacheBytesTable(r.latencyCache));
  }
  const sweeps = r.runs.filter((run) => run.sweep.length > 0);
  for (const run of sweeps) {
    out.push('', `### --max-concurrent-reconciles sweep (${run.sweep[0]!.instances} new instances each, on the ${run.instances} plane)`);
    out.push(table(['concurrency', 'seconds', 'ratio to floor', 'writes/instance', 'misplaced / missing', 'operator CPU s', 'load'],
      run.sweep.map((s) => [s.concurrency, secondsText(s), run.floor && run.floor.instances === s.instances && !s.stopped ? `${round(s.seconds / run.floor.seconds)}x` : '',
        s.writesPerInstance, `${s.misplaced} / ${s.missing}`, s.operatorCpuSeconds, loadText(s.load)])));
  }
  if (r.latency) {
    const l = r.latency;
    out.push('', `### Create -> Available (full mode, kwok; ${l.instances} instances at ${l.perSecond}/s; samples: ${l.samples.join(', ')})`);
    const groups: [string, Percentiles | undefined][] = [['all', l], ['without a claim', l.withoutClaim], ['with a sessions claim', l.withClaim]];
    out.push(table(['instances', 'n', 'p50 s', 'p95 s', 'p99 s', 'max s', 'load'],
      groups.filter(([, p]) => p).map(([name, p]) => [name, p!.instances, p!.p50Seconds, p!.p95Seconds, p!.p99Seconds, p!.maxSeconds, loadText(l.load)])));
    if (l.steps) {
      out.push('', 'Where the time goes (first seen by the benchmark\'s watches; each step from the milestone it waits on; n = instances where both ends were seen):');
      const stepRows = (steps: StepFigures[]) => steps.map((s) => [s.name, s.whose, s.instances, s.p50Seconds, s.p99Seconds, s.maxSeconds]);
      out.push(table(['step, with a claim', 'whose', 'n', 'p50 s', 'p99 s', 'max s'], stepRows(l.steps.withClaim)));
      out.push('', table(['step, without a claim', 'whose', 'n', 'p50 s', 'p99 s', 'max s'], stepRows(l.steps.withoutClaim)));
    }
    if (l.unschedulable) {
      out.push('', `Pods of claimed instances the scheduler first found unschedulable: ${l.unschedulable.instances} of ${l.withClaim?.instances ?? '?'}` +
        (l.unschedulable.message ? ` ("${l.unschedulable.message}")` : ''));
    }
    if (l.window) out.push('', latencyWindowText(l.window));
  }
  out.push('', '### Targets');
  out.push(table(['target', 'goal', 'result', 'met'], r.targets.map((t) => [t.name, t.goal, t.actual, t.met ? 'yes' : '**no**'])));
  if (r.baseline) {
    const b = r.baseline;
    const worse = b.comparisons.filter((c) => c.regressed && c.gated).length;
    out.push('', `### Against the baseline ${b.file} (recorded ${b.recordedAt}, source ${b.source}; fails above +${Math.round(b.tolerance * 100)}%): ${worse === 0 ? 'no regression' : `**${worse} regressed**`}`);
    out.push(table(['figure', 'baseline', 'this run', 'limit', 'regressed'], b.comparisons.map((c) => [c.figure, c.baseline, c.actual, c.limit, !c.regressed ? 'no' : c.gated ? '**yes**' : 'above (not gated)'])));
  }
  if (r.notes.length > 0) out.push('', '### Notes', ...r.notes.map((n) => `- ${n}`));
  if (r.errors.length > 0) out.push('', '### Errors', ...r.errors.map((e) => `- ${e}`));
  return out.join('\n');
}
