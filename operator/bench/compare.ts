// Two benchmark results side by side, ours first and a peer second (the same
// `make bench` run with --operator-cmd), and the targets issue 11 sets against
// the peer: our RSS at each moment at or below the peer's, and our convergence
// of 1000 (or more) instances at least 3x faster.
//   node bench/compare.ts OURS.json PEER.json
// A missed target is reported, not an error. See docs/performance.md.
import { readFileSync } from 'node:fs';
import { round } from './lib/machine.ts';
import type { Results, SizeRun, Target } from './report.ts';

/** Issue 11: ours at least this many times faster than the peer at converging... */
export const PEER_SPEEDUP = 3;
/** ...for this many instances and more. */
export const PEER_SPEEDUP_FROM = 1000;

export interface Row {
  /** The plane size ("100"), or "latency" for the full-plane run. */
  size: string;
  figure: string;
  ours: string | number;
  peer: string | number;
  /** peer / ours, when both are numbers and ours is not 0. */
  ratio?: number;
}

type Cell = string | number | undefined;

const ratioOf = (ours: Cell, peer: Cell): number | undefined =>
  typeof ours === 'number' && typeof peer === 'number' && ours !== 0 ? round(peer / ours) : undefined;

/** The figures of one plane size, by name; absent ones are left out. */
function sizeFigures(run: SizeRun | undefined): Map<string, Cell> {
  const f = new Map<string, Cell>();
  if (!run) return f;
  const { scale, floor } = run;
  if (scale) {
    f.set('convergence s', scale.stopped ? `stopped (${scale.seconds} s of progress)` : scale.seconds);
    if (floor && !scale.stopped) {
      f.set('x POST floor', round(scale.seconds / floor.seconds));
      f.set('x apply floor', round(scale.seconds / floor.apply.seconds));
    }
    f.set('writes/instance', scale.writesPerInstance);
    // Result files from before the accounting have none.
    if (scale.found !== undefined) {
      f.set('statuses written', `${scale.statuses} of ${scale.instances}`);
      f.set('objects found / misplaced / missing', `${scale.found} / ${scale.misplaced} / ${scale.missing}`);
    }
    f.set('operator CPU s (convergence)', scale.operatorCpuSeconds);
  }
  if (run.idle) f.set(`writes idle ${run.idle.seconds} s`, run.idle.writes);
  if (run.restart) {
    f.set(`writes ${run.restart.seconds} s after restart`, run.restart.writes);
    f.set('restart: ready s', run.restart.readySeconds);
  }
  for (const m of run.memory) {
    f.set(`RSS MiB, ${m.when}`, m.rssMiB);
    f.set(`V8 heap MiB, ${m.when}`, m.heapUsedMiB);
  }
  return f;
}

function latencyFigures(r: Results): Map<string, Cell> {
  const f = new Map<string, Cell>();
  if (r.latency) {
    f.set('create -> Available p50 s', r.latency.p50Seconds);
    f.set('create -> Available p99 s', r.latency.p99Seconds);
  }
  return f;
}

/** Every figure either result has, size by size, in the order they are first met (ours first). */
export function comparisonRows(ours: Results, peer: Results): Row[] {
  const sizes = [...new Set([...ours.runs, ...peer.runs].map((r) => r.instances))].sort((a, b) => a - b);
  const rows: Row[] = [];
  const add = (size: string, a: Map<string, Cell>, b: Map<string, Cell>) => {
    for (const figure of new Set([...a.keys(), ...b.keys()])) {
      const [x, y] = [a.get(figure), b.get(figure)];
      if (x === undefined && y === undefined) continue;
      const ratio = ratioOf(x, y);
      rows.push({ size, figure, ours: x ?? 'n/a', peer: y ?? 'n/a', ...(ratio === undefined ? {} : { ratio }) });
    }
  };
  for (const n of sizes) add(String(n), sizeFigures(ours.runs.find((r) => r.instances === n)), sizeFigures(peer.runs.find((r) => r.instances === n)));
  add('latency', latencyFigures(ours), latencyFigures(peer));
  return rows;
}

/** Issue 11's targets against the peer, judged on the figures both results have. */
export function peerTargets(ours: Results, peer: Results): Target[] {
  const targets: Target[] = [];
  for (const run of ours.runs) {
    const other = peer.runs.find((r) => r.instances === run.instances);
    if (!other) continue;
    for (const m of run.memory) {
      const p = other.memory.find((x) => x.when === m.when);
      if (!p) continue;
      targets.push({ name: `RSS, ${run.instances} plane, ${m.when}`, goal: `<= the peer's (${p.rssMiB} MiB)`, actual: `${m.rssMiB} MiB`, met: m.rssMiB <= p.rssMiB });
    }
    if (run.instances >= PEER_SPEEDUP_FROM && run.scale && other.scale) {
      targets.push(speedupTarget(run.instances, run.scale, other.scale));
    }
  }
  return targets;
}

function speedupTarget(n: number, ours: NonNullable<SizeRun['scale']>, peer: NonNullable<SizeRun['scale']>): Target {
  const name = `convergence of ${n} against the peer`;
  const goal = `>= ${PEER_SPEEDUP}x faster`;
  if (ours.stopped) return { name, goal, actual: `ours stopped (${ours.seconds} s of progress)`, met: false };
  const speedup = round(peer.seconds / ours.seconds);
  if (peer.stopped) {
    // The peer never converged: its last progress is a lower bound of its time.
    return { name, goal, actual: `at least ${speedup}x (${ours.seconds} s vs the peer stopped after ${peer.seconds} s of progress)`, met: speedup >= PEER_SPEEDUP };
  }
  return { name, goal, actual: `${speedup}x (${ours.seconds} s vs ${peer.seconds} s)`, met: speedup >= PEER_SPEEDUP };
}

/** What differs between the two runs' workloads: options that make the figures incomparable. */
export function workloadDifferences(ours: Results, peer: Results): string[] {
  const keys = ['unrelated', 'namespaces', 'idleSeconds', 'restartSettleSeconds', 'latencyCount', 'latencyRate'];
  return keys
    .filter((k) => JSON.stringify(ours.options[k]) !== JSON.stringify(peer.options[k]))
    .map((k) => `${k}: ${JSON.stringify(ours.options[k])} vs ${JSON.stringify(peer.options[k])}`);
}

const table = (head: string[], rows: (string | number)[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

const describe = (r: Results): string =>
  `${r.operator.name} (source ${r.source}, run ${r.startedAt}; ready = ${r.operator.readiness ?? 'not recorded'}; ` +
  `load ${r.machine.load1} at start, ${r.machine.load1AtEnd ?? '?'} at end)`;

export function comparisonMarkdown(ours: Results, peer: Results): string {
  const out: string[] = [`## ${ours.operator.name} and ${peer.operator.name} side by side`, '', `- ours: ${describe(ours)}`, `- peer: ${describe(peer)}`];
  const differences = workloadDifferences(ours, peer);
  if (differences.length > 0) out.push(`- **not the same workload**: ${differences.join('; ')}`);
  out.push('', table(['instances', 'figure', ours.operator.name, peer.operator.name, 'peer / ours'],
    comparisonRows(ours, peer).map((r) => [r.size, r.figure, r.ours, r.peer, r.ratio === undefined ? '' : `${r.ratio}x`])));
  const targets = peerTargets(ours, peer);
  out.push('', '### Targets against the peer (issue 11)');
  if (targets.length > 0) out.push(table(['target', 'goal', 'result', 'met'], targets.map((t) => [t.name, t.goal, t.actual, t.met ? 'yes' : '**no**'])));
  if (!targets.some((t) => t.name.startsWith('RSS'))) out.push('', 'Memory not judged: the two results share no memory moment of the same size.');
  if (!targets.some((t) => t.name.startsWith('convergence'))) out.push('', `Convergence not judged: it is judged from ${PEER_SPEEDUP_FROM} instances up, and the two results share no such size with a scale run.`);
  const errors = [...ours.errors.map((e) => `ours: ${e}`), ...peer.errors.map((e) => `peer: ${e}`)];
  if (errors.length > 0) out.push('', '### Errors in the runs', ...errors.map((e) => `- ${e}`));
  return out.join('\n');
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  if (files.length !== 2 || files.some((f) => f.startsWith('-'))) {
    process.stderr.write('Usage: node bench/compare.ts OURS.json PEER.json   (results of make bench, ours first)\n');
    process.exit(2);
  }
  const [ours, peer] = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Results) as [Results, Results];
  process.stdout.write(comparisonMarkdown(ours, peer) + '\n');
}
