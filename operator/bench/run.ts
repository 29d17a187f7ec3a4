// `make bench` (node bench/run.ts [flags]): runs the scenarios on fresh local
// control planes, writes bench/results/<timestamp>.json and prints a markdown
// summary. Not part of the tests. See docs/performance.md.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseOperatorFlags } from '../src/reconciler/operator.ts';
import { runFloor } from './floor.ts';
import { runIdle, runRestart } from './idle.ts';
import { runLatency } from './latency.ts';
import { machineNote, round, underLoad } from './lib/machine.ts';
import { OPERATOR_DIR, OUR_OPERATOR_COMMAND, OUR_OPERATOR_READINESS, readinessOf, startOperatorProcess, type OperatorProcess } from './lib/operator-process.ts';
import { DEFAULT_STALL_SECONDS } from './lib/progress.ts';
import { startBenchPlane, type BenchPlane } from './lib/plane.ts';
import { trackInstances } from './lib/tracker.ts';
import { createAll, loadSamples, namespaceNames, namespaceObjects, unrelatedObjects } from './lib/workload.ts';
import { compareWithBaseline, DEFAULT_TOLERANCE, readBaseline, recordBaseline } from './baseline.ts';
import { measureCacheBytes } from './cache-bytes.ts';
import { sampleMemory } from './memory.ts';
import { MEMORY_EMPTY, MEMORY_UNRELATED, judge, markdown, type Results, type SizeRun } from './report.ts';
import { runScale } from './scale.ts';

const USAGE = `Usage: node bench/run.ts [flags]   (make bench ARGS="...")

  --sizes LIST                 instance counts, one fresh api-mode plane each (default 100,1000)
  --unrelated N                unrelated ConfigMaps/Services/Deployments created first (default 5000)
  --namespaces N               namespaces the instances are spread over (default 10)
  --floor-concurrency LIST     concurrencies tried for the floor; the fastest counts (default 8,32,128)
  --idle-seconds S             idle window after convergence, largest size only (default 60)
  --restart-settle-seconds S   window after an operator restart, largest size only (default 30)
  --sweep LIST                 --max-concurrent-reconciles values to sweep on the largest plane (default 1,4,16; "" skips)
  --sweep-size N               new instances per sweep point (default: the largest size)
  --latency-count N            instances for create -> Available on a full plane (default 100; 0 skips)
  --latency-rate R             creates per second for that (default 10)
  --max-concurrent-reconciles N  for every run but the sweep (default: the operator's own default)
  --operator-cmd CMD           another operator (a shell command reading KUBECONFIG); placeholders
                               {metricsPort} {healthPort} {concurrency} are filled in when present
  --operator-name NAME         how results name it (default: chatcli-operator, or the command)
  --operator-ready-note TEXT   what "ready" means for that operator, recorded in the results (default:
                               "/readyz as the operator defines it", or a fixed 5 s wait without {healthPort})
  --operator-admin             run the operator as cluster admin instead of its ServiceAccount
  --stall-seconds S            stop a scale, sweep or latency scenario that makes no progress for S seconds
                               (no new status, no new object); the error is recorded, the run goes on (default ${DEFAULT_STALL_SECONDS})
  --skip LIST                  any of floor,scale,memory,idle,restart,sweep,latency
  --baseline FILE              compare memory and write figures with a recorded baseline; exit 3 when one is
                               more than 20% above it (bench/baseline.json is the project's)
  --record-baseline FILE       write this run's memory and write figures to FILE as a baseline
  --quick                      a ~2 minute smoke run: sizes 100, unrelated 1000, idle 15 s, restart 10 s,
                               floor 16,64, sweep 1,16 of 100, latency 30
`;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string' },
    unrelated: { type: 'string' },
    namespaces: { type: 'string', default: '10' },
    'floor-concurrency': { type: 'string' },
    'idle-seconds': { type: 'string' },
    'restart-settle-seconds': { type: 'string' },
    sweep: { type: 'string' },
    'sweep-size': { type: 'string' },
    'latency-count': { type: 'string' },
    'latency-rate': { type: 'string', default: '10' },
    'max-concurrent-reconciles': { type: 'string' },
    'operator-cmd': { type: 'string' },
    'operator-name': { type: 'string' },
    'operator-ready-note': { type: 'string' },
    'operator-admin': { type: 'boolean', default: false },
    'stall-seconds': { type: 'string', default: String(DEFAULT_STALL_SECONDS) },
    skip: { type: 'string', default: '' },
    baseline: { type: 'string' },
    'record-baseline': { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const quick = values.quick;
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
const opts = {
  sizes: list(values.sizes ?? (quick ? '100' : '100,1000')),
  unrelated: Number(values.unrelated ?? (quick ? 1000 : 5000)),
  namespaces: Number(values.namespaces),
  floorConcurrency: list(values['floor-concurrency'] ?? (quick ? '16,64' : '8,32,128')),
  idleSeconds: Number(values['idle-seconds'] ?? (quick ? 15 : 60)),
  restartSettleSeconds: Number(values['restart-settle-seconds'] ?? (quick ? 10 : 30)),
  sweep: list(values.sweep ?? (quick ? '1,16' : '1,4,16')),
  sweepSize: values['sweep-size'] === undefined ? undefined : Number(values['sweep-size']),
  latencyCount: Number(values['latency-count'] ?? (quick ? 30 : 100)),
  latencyRate: Number(values['latency-rate']),
  concurrency: Number(values['max-concurrent-reconciles'] ?? parseOperatorFlags([]).maxConcurrentReconciles),
  stallSeconds: Number(values['stall-seconds']),
  skip: new Set(values.skip.split(',').map((s) => s.trim()).filter(Boolean)),
  quick,
};
for (const [name, v] of Object.entries(opts)) {
  const bad = (x: unknown) => typeof x === 'number' && !(Number.isFinite(x) && x >= 0);
  if (bad(v) || (Array.isArray(v) && v.some(bad))) {
    process.stderr.write(`bench: bad value for ${name}\n\n${USAGE}`);
    process.exit(2);
  }
}
const sweepSize = opts.sweepSize ?? (quick ? 100 : Math.max(...opts.sizes));
const template = values['operator-cmd'] ?? OUR_OPERATOR_COMMAND;
// Ours runs as the image runs it: the bundle of src/, built now.
if (!values['operator-cmd']) execFileSync('npm', ['run', '--silent', 'build'], { cwd: OPERATOR_DIR, stdio: 'inherit' });
const operatorName = values['operator-name'] ?? (values['operator-cmd'] ? values['operator-cmd'] : 'chatcli-operator');

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(OPERATOR_DIR, 'bench', 'results');
const logDir = join(resultsDir, stamp);
await mkdir(logDir, { recursive: true });
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)} load ${round(loadavg()[0] ?? 0)}] ${line}\n`);

/** Which code was measured: the commit, and whether src/ had uncommitted changes. */
function sourceVersion(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: OPERATOR_DIR, encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' (src/ modified)' : ''}`;
  } catch {
    return 'unknown';
  }
}

const results: Results = {
  startedAt: new Date().toISOString(),
  source: sourceVersion(),
  operator: {
    name: operatorName,
    command: template,
    kubeconfig: values['operator-admin'] ? 'admin' : 'serviceaccount',
    maxConcurrentReconciles: opts.concurrency,
    readiness: values['operator-cmd'] ? readinessOf(template, values['operator-ready-note']) : (values['operator-ready-note'] ?? OUR_OPERATOR_READINESS),
  },
  machine: machineNote(),
  options: { ...opts, skip: [...opts.skip], sweepSize },
  runs: [],
  errors: [],
  notes: [],
  targets: [],
};
const samples = loadSamples();
let logCount = 0;
// Others commit while a run lasts, and each start runs what is on disk then: note every version started.
const sourcesStarted = new Set<string>();
const startOperator = (bp: BenchPlane, concurrency = opts.concurrency): Promise<OperatorProcess> => {
  sourcesStarted.add(sourceVersion());
  return startOperatorProcess({ template, kubeconfig: bp.operatorKubeconfig, concurrency, logFile: join(logDir, `operator-${++logCount}.log`) });
};
const runs = (scenario: string) => !opts.skip.has(scenario);
/** A scenario that failed: recorded for the results, the run goes on. */
const failed = (error: string) => {
  results.errors.push(error);
  log(`FAILED: ${error}`);
};

/** One size: a fresh api plane, the floor, the operator converging, and (largest size) the quiet windows and the sweep. */
async function runSize(n: number, largest: boolean): Promise<void> {
  log(`--- ${n} instances: starting an api-mode plane`);
  const bp = await startBenchPlane('api', { operatorAsAdmin: values['operator-admin'], log });
  const run: SizeRun = { instances: n, unrelated: opts.unrelated, unrelatedCreateSeconds: 0, memory: [], sweep: [] };
  results.runs.push(run);
  let op: OperatorProcess | undefined;
  const stopTracking = new AbortController();
  try {
    const tracker = await trackInstances(bp.admin, stopTracking.signal);
    if (runs('memory')) {
      log('memory: operator idle on an empty cluster');
      op = await startOperator(bp);
      run.memory.push(await sampleMemory(op, MEMORY_EMPTY));
      await op.stop();
      op = undefined;
    }
    log(`creating ${opts.unrelated} unrelated objects`);
    const other = namespaceNames('unrelated', opts.namespaces);
    await createAll(bp.admin, namespaceObjects(other), 8);
    const t0 = performance.now();
    await createAll(bp.admin, unrelatedObjects(opts.unrelated, other), 32);
    run.unrelatedCreateSeconds = round((performance.now() - t0) / 1000);

    if (runs('floor')) {
      log(`floor: ${n} instances and their objects, concurrency ${opts.floorConcurrency.join(', ')}`);
      run.floor = await underLoad(() => runFloor(bp, n, opts.floorConcurrency, samples, opts.namespaces));
      log(`floor: ${run.floor.seconds} s at concurrency ${run.floor.concurrency}`);
    }
    op = await startOperator(bp);
    if (runs('memory')) run.memory.push(await sampleMemory(op, MEMORY_UNRELATED));
    if (!runs('scale')) return;
    log(`scale: ${n} instances`);
    const started = op;
    run.scale = await underLoad(() => runScale(bp, started, tracker, { n, prefix: 'bench', namespaces: opts.namespaces, samples, stallSeconds: opts.stallSeconds }));
    if (run.scale.stopped) failed(`${n} instances: scale stopped: ${run.scale.stopped}`);
    else log(`scale: converged in ${run.scale.seconds} s, ${run.scale.writesPerInstance} writes per instance, ${run.scale.misplaced} objects misplaced`);
    if (runs('memory')) run.memory.push(await sampleMemory(op, run.scale.stopped ? `after ${n} instances stopped` : `after ${n} instances converged`));
    if (!largest) return;
    if (runs('memory')) run.cache = await measureCacheBytes(bp.admin);
    if (runs('idle')) {
      log(`idle: ${opts.idleSeconds} s`);
      run.idle = await runIdle(bp, opts.idleSeconds);
      log(`idle: ${run.idle.writes} writes`);
      // Steady state: the sample right after convergence still holds the burst's garbage.
      if (runs('memory')) run.memory.push(await sampleMemory(op, `idle ${opts.idleSeconds} s after ${n} instances converged`));
    }
    if (runs('restart')) {
      log(`restart: new operator process, ${opts.restartSettleSeconds} s window`);
      const previous = op;
      op = undefined;
      const restart = await runRestart(bp, () => previous.stop(), () => startOperator(bp), opts.restartSettleSeconds);
      op = restart.operator;
      run.restart = { seconds: restart.seconds, writes: restart.writes, requests: restart.requests, readySeconds: restart.readySeconds };
      log(`restart: ${run.restart.writes} writes`);
      if (runs('memory')) run.memory.push(await sampleMemory(op, `after restart with ${n} instances`));
    }
    if (runs('sweep') && opts.sweep.length > 0) {
      if (!template.includes('{concurrency}')) {
        results.notes.push('sweep skipped: the operator command has no {concurrency} placeholder');
      } else {
        for (const concurrency of opts.sweep) {
          await op.stop();
          op = undefined;
          op = await startOperator(bp, concurrency);
          log(`sweep: ${sweepSize} new instances at --max-concurrent-reconciles ${concurrency}`);
          const current = op;
          const s = await underLoad(() => runScale(bp, current, tracker, { n: sweepSize, prefix: `sweep-c${concurrency}`, namespaces: opts.namespaces, samples, stallSeconds: opts.stallSeconds }));
          run.sweep.push({ ...s, concurrency });
          if (s.stopped) failed(`${n} instances: sweep at --max-concurrent-reconciles ${concurrency} stopped: ${s.stopped}`);
          else log(`sweep: ${s.seconds} s`);
        }
      }
    }
  } finally {
    stopTracking.abort();
    await op?.stop();
    await bp.plane.stop();
  }
}

async function runLatencyScenario(): Promise<void> {
  log('--- latency: starting a full-mode plane');
  const bp = await startBenchPlane('full', { operatorAsAdmin: values['operator-admin'], log });
  let op: OperatorProcess | undefined;
  const stopTracking = new AbortController();
  try {
    const tracker = await trackInstances(bp.admin, stopTracking.signal);
    op = await startOperator(bp);
    // Every seed sample: the full plane provisions the sessions claims (hostPath, StorageClass "standard").
    const allSamples = loadSamples(() => true);
    log(`latency: ${opts.latencyCount} instances at ${opts.latencyRate}/s`);
    results.latency = await underLoad(() => runLatency(bp, tracker, { count: opts.latencyCount, perSecond: opts.latencyRate, namespaces: opts.namespaces, samples: allSamples, stallSeconds: opts.stallSeconds }));
    log(`latency: p99 ${results.latency.p99Seconds} s`);
    if (runs('memory')) results.latencyCache = await measureCacheBytes(bp.admin);
  } finally {
    stopTracking.abort();
    await op?.stop();
    await bp.plane.stop();
  }
}

const largestSize = Math.max(...opts.sizes);
for (const n of opts.sizes) {
  try {
    await runSize(n, n === largestSize);
  } catch (err) {
    failed(`${n} instances: ${err instanceof Error ? err.message : String(err)}`);
  }
}
if (runs('latency') && opts.latencyCount > 0) {
  try {
    await runLatencyScenario();
  } catch (err) {
    failed(`latency: ${err instanceof Error ? err.message : String(err)}`);
  }
}

if (sourcesStarted.size > 1) results.notes.push(`the source changed during the run: operators were started from ${[...sourcesStarted].join(', ')}`);
results.finishedAt = new Date().toISOString();
results.machine.load1AtEnd = round(loadavg()[0] ?? 0);
results.targets = judge(results);
if (values.baseline) {
  const baseline = readBaseline(values.baseline);
  results.baseline = { file: values.baseline, recordedAt: baseline.recordedAt, source: baseline.source, tolerance: DEFAULT_TOLERANCE, comparisons: compareWithBaseline(results, baseline) };
}
if (values['record-baseline']) recordBaseline(values['record-baseline'], results);
const file = join(resultsDir, `${stamp}.json`);
await writeFile(file, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(markdown(results) + '\n\n');
log(`results: ${file}; operator logs: ${logDir}`);
// Exit now: anything still running (a plane that failed to stop) dies with us.
const regressed = results.baseline?.comparisons.filter((c) => c.regressed && c.gated) ?? [];
if (regressed.length > 0) log(`REGRESSED against ${values.baseline}: ${regressed.map((c) => `${c.figure} ${c.actual} > ${c.limit}`).join('; ')}`);
process.exit(results.errors.length > 0 ? 1 : regressed.length > 0 ? 3 : 0);
