// A recorded baseline of the figures that must not silently get worse: the
// operator's memory (RSS and V8 heap at each moment sampled) and its writes
// (per new instance, while idle, after a restart). A run compared with one
// fails when a gated figure is more than 20% above it (`--baseline FILE`);
// `--record-baseline FILE` writes this run's figures as the new baseline.
// Times are left out: on a shared machine they vary by more than that. The V8
// heap is compared and shown but does not gate: heap in use between two
// collections swings with when the last one ran (one CI run of the same source
// read 16.3 then 24.1 MiB while RSS moved 7%); RSS, what a replica costs, does.
import { readFileSync, writeFileSync } from 'node:fs';
import { round } from './lib/machine.ts';
import type { Results } from './report.ts';

export const DEFAULT_TOLERANCE = 0.2;

export interface Baseline {
  recordedAt: string;
  source: string;
  machine: string;
  options: Record<string, unknown>;
  /** Figure name -> value; lower is better for every one. */
  figures: Record<string, number>;
}

export interface Comparison {
  figure: string;
  baseline: number;
  actual: number;
  /** The most this run may show: baseline x (1 + tolerance); a zero stays zero. */
  limit: number;
  /** Whether a regression of this figure fails the run (every figure but the V8 heap). */
  gated: boolean;
  regressed: boolean;
}

const UNGATED = /^V8 heap /;

/** The figures of a run, by a name that says which size and moment they belong to. */
export function figuresOf(r: Results): Record<string, number> {
  const f: Record<string, number> = {};
  for (const run of r.runs) {
    for (const m of run.memory) {
      f[`RSS MiB, ${run.instances} plane, ${m.when}`] = m.rssMiB;
      if (m.heapUsedMiB !== undefined) f[`V8 heap MiB, ${run.instances} plane, ${m.when}`] = m.heapUsedMiB;
    }
    if (run.scale) f[`writes per new instance, ${run.instances}`] = run.scale.writesPerInstance;
    if (run.idle) f[`writes while idle, ${run.instances}`] = run.idle.writes;
    if (run.restart) f[`writes after restart, ${run.instances}`] = run.restart.writes;
  }
  return f;
}

/** Every figure both have, with whether it regressed beyond the tolerance. */
export function compareWithBaseline(r: Results, baseline: Baseline, tolerance = DEFAULT_TOLERANCE): Comparison[] {
  const actual = figuresOf(r);
  return Object.entries(baseline.figures)
    .filter(([name]) => actual[name] !== undefined)
    .map(([figure, base]) => {
      const limit = round(base * (1 + tolerance), 2);
      const value = actual[figure]!;
      return { figure, baseline: base, actual: value, limit, gated: !UNGATED.test(figure), regressed: value > limit };
    });
}

export function readBaseline(file: string): Baseline {
  return JSON.parse(readFileSync(file, 'utf8')) as Baseline;
}

export function recordBaseline(file: string, r: Results): void {
  const baseline: Baseline = {
    recordedAt: r.startedAt,
    source: r.source,
    machine: `${r.machine.cpus} CPUs (${r.machine.cpuModel}), Node ${r.machine.node}`,
    options: r.options,
    figures: figuresOf(r),
  };
  writeFileSync(file, JSON.stringify(baseline, null, 2) + '\n');
}
