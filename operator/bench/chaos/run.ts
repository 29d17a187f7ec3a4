// `make chaos` (node bench/chaos/run.ts [flags]): one chaos run on a fresh full
// plane; writes bench/results/chaos-<timestamp>.json and a markdown summary
// beside it, prints the summary, and exits 1 when a zero target is missed.
// See docs/reliability.md.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineNote, round, underLoad } from '../lib/machine.ts';
import { OPERATOR_DIR } from '../lib/operator-process.ts';
import { LEASE_ARGS, runChaos, type ChaosOptions } from './chaos.ts';
import { newSeed } from './random.ts';
import { chaosMarkdown, chaosTargets, type ChaosReport } from './report.ts';

const USAGE = `Usage: node bench/chaos/run.ts [flags]   (make chaos ARGS="...")

  --seed N               the schedule's seed (default: a new one, printed)
  --instances N          instances, the four seed samples in turn (default 200)
  --namespaces N         namespaces they are spread over (default 10)
  --create-seconds S     creates spread over the window's first S seconds (default 20)
  --window-seconds S     the fault window (default 90)
  --updates N            instances updated during the window (default 50)
  --deletes N            instances deleted during the window (default 50)
  --inflight-deletes N   of those, deleted within a second of their create (default 10)
  --converge-timeout S   how long to wait for convergence after the last fault (default 300)
  --quiet-seconds S      window after convergence in which nothing should happen (default 15)
  --error-rate R         share of operator requests answered 500/429 by the proxy (default 0.05; 0 off)
  --partition-seconds S  one full partition of the operators (default 10; 0 off)
  --no-leader-kills      do not SIGKILL the leader (default: 5-15 s after each new leader starts)
  --no-apiserver-restart --no-etcd-restart --no-watch-cuts --no-gone
                         turn one fault off
  --no-bad-data          skip the bad stored data cases run after the measures (30 s)
  --max-concurrent-reconciles N   passed to the operator (default: its own, 16)
  --quick                ~50 instances, 30 s window (what make test runs)
`;

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    instances: { type: 'string' },
    namespaces: { type: 'string', default: '10' },
    'create-seconds': { type: 'string' },
    'window-seconds': { type: 'string' },
    updates: { type: 'string' },
    deletes: { type: 'string' },
    'inflight-deletes': { type: 'string' },
    'converge-timeout': { type: 'string', default: '300' },
    'quiet-seconds': { type: 'string', default: '15' },
    'error-rate': { type: 'string', default: '0.05' },
    'partition-seconds': { type: 'string' },
    'no-leader-kills': { type: 'boolean', default: false },
    'no-apiserver-restart': { type: 'boolean', default: false },
    'no-etcd-restart': { type: 'boolean', default: false },
    'no-watch-cuts': { type: 'boolean', default: false },
    'no-gone': { type: 'boolean', default: false },
    'no-bad-data': { type: 'boolean', default: false },
    'max-concurrent-reconciles': { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const num = (name: string, v: string | undefined, fallback: number): number => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`chaos: bad value for --${name}: ${v}\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const q = values.quick;
const opts: ChaosOptions = {
  seed: num('seed', values.seed, newSeed()),
  instances: num('instances', values.instances, q ? 50 : 200),
  namespaces: num('namespaces', values.namespaces, 10),
  createOverMs: num('create-seconds', values['create-seconds'], q ? 8 : 20) * 1000,
  windowMs: num('window-seconds', values['window-seconds'], q ? 30 : 90) * 1000,
  updates: num('updates', values.updates, q ? 12 : 50),
  deletes: num('deletes', values.deletes, q ? 12 : 50),
  inflightDeletes: num('inflight-deletes', values['inflight-deletes'], q ? 4 : 10),
  convergeTimeoutMs: num('converge-timeout', values['converge-timeout'], 300) * 1000,
  quietMs: num('quiet-seconds', values['quiet-seconds'], 15) * 1000,
  settleTimeoutMs: 60_000,
  badDataObserveMs: values['no-bad-data'] ? 0 : 30_000,
  replicas: 2,
  leaseArgs: LEASE_ARGS,
  operatorArgs: values['max-concurrent-reconciles'] ? [`--max-concurrent-reconciles=${num('max-concurrent-reconciles', values['max-concurrent-reconciles'], 16)}`] : [],
  faults: {
    leaderKills: !values['no-leader-kills'],
    killAfterMs: [5_000, 15_000],
    apiServerRestart: !values['no-apiserver-restart'],
    etcdRestart: !values['no-etcd-restart'],
    errorRate: num('error-rate', values['error-rate'], 0.05),
    watchCuts: !values['no-watch-cuts'],
    watchCutEveryMs: [5_000, 15_000],
    partitionMs: num('partition-seconds', values['partition-seconds'], 10) * 1000,
    gone: !values['no-gone'],
  },
  log: (line) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)} load ${round(loadavg()[0] ?? 0)}] ${line}\n`),
};

function sourceVersion(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: OPERATOR_DIR, encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' (src/ modified)' : ''}`;
  } catch {
    return 'unknown';
  }
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(OPERATOR_DIR, 'bench', 'results');
const logDir = join(resultsDir, `chaos-${stamp}`);
await mkdir(logDir, { recursive: true });
const { log: _log, ...printable } = opts;
const report: ChaosReport = { startedAt: new Date().toISOString(), source: sourceVersion(), machine: machineNote(), options: printable, errors: [], targets: [] };
try {
  const { load, ...result } = await underLoad(async () => await runChaos({ ...opts, logDir }));
  report.result = result;
  report.load = load;
  report.targets = chaosTargets(result);
} catch (err) {
  report.errors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
}
report.finishedAt = new Date().toISOString();
report.machine.load1AtEnd = round(loadavg()[0] ?? 0);
const file = join(resultsDir, `chaos-${stamp}.json`);
await writeFile(file, JSON.stringify(report, null, 2) + '\n');
const md = chaosMarkdown(report);
await writeFile(join(resultsDir, `chaos-${stamp}.md`), md + '\n');
process.stdout.write(md + '\n\n');
opts.log(`results: ${file}; operator logs: ${logDir}`);
const zeroTargets = ['lost', 'orphans', 'stuck', 'stale status'];
const failed = report.errors.length > 0 || report.targets.some((t) => zeroTargets.includes(t.name) && !t.met);
process.exit(failed ? 1 : 0);
