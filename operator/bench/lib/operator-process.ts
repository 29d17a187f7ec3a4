// The operator under test, as a process: ours by default, or any command that
// reconciles ChatCLIInstances from KUBECONFIG (--operator-cmd). Placeholders in
// the command are filled per run: {metricsPort} {healthPort} {concurrency}.
// Without {healthPort} readiness is a fixed wait; without {metricsPort} memory
// is the process tree's RSS only.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../hack/controlplane/controlplane.ts';
import { treeUsage } from './machine.ts';

export const OPERATOR_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** What the image runs (Dockerfile ENTRYPOINT): the bundle of `npm run build` (run.ts builds it first), with the same Node flags. */
export const OUR_OPERATOR_COMMAND =
  `"${process.execPath}" --optimize-for-size --lite-mode dist/main.js run --metrics-bind-address=127.0.0.1:{metricsPort} ` +
  '--health-probe-bind-address=127.0.0.1:{healthPort} --max-concurrent-reconciles={concurrency} --log-level=info';
/** What "ready" means for ours: its /readyz answers 200 only once every informer cache has synced (src/reconciler/operator.ts). */
export const OUR_OPERATOR_READINESS = '/readyz (200 once its caches synced)';
const UNKNOWN_READINESS_WAIT_MS = 5000;

/**
 * What "ready" means for an operator command, as the results record it: the
 * benchmark waits for /readyz when the command has {healthPort}, which means
 * whatever that operator makes it mean (controller-runtime's answers before its
 * caches sync); without it, a fixed wait. `note` (--operator-ready-note) says more.
 */
export function readinessOf(template: string, note?: string): string {
  if (note) return note;
  return template.includes('{healthPort}') ? '/readyz as the operator defines it' : `fixed ${UNKNOWN_READINESS_WAIT_MS / 1000} s wait (no {healthPort})`;
}
const STOP_GRACE_MS = 15_000;

export interface Usage {
  /** Resident set of the whole process tree, from /proc/<pid>/status VmRSS. */
  rssBytes: number;
  /** CPU time of the process tree so far, from /proc/<pid>/stat. */
  cpuSeconds: number;
  /** From the operator's own /metrics, when it exposes prom-client's defaults. */
  metricsRssBytes?: number;
  heapUsedBytes?: number;
}

export interface OperatorProcess {
  pid: number;
  command: string;
  usage(): Promise<Usage>;
  /** SIGTERM to the process group, SIGKILL after a grace period. */
  stop(): Promise<void>;
}

type StartOptions = { template: string; kubeconfig: string; concurrency: number; logFile: string };
const PORT_ATTEMPTS = 3;

/**
 * Starts the operator and waits until it is ready. The ports are picked free
 * just before; one taken in between (an outgoing connection's ephemeral port)
 * makes it exit with EADDRINUSE: then it is started again on other ports.
 */
export async function startOperatorProcess(opts: StartOptions): Promise<OperatorProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('operator exited'))) throw err;
      await sleep(500); // its last words reach the log file
      const taken = readFileSync(opts.logFile, 'utf8').includes('EADDRINUSE');
      if (!taken || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

async function startOnce(opts: StartOptions): Promise<OperatorProcess> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const command = opts.template
    .replaceAll('{metricsPort}', String(metricsPort))
    .replaceAll('{healthPort}', String(healthPort))
    .replaceAll('{concurrency}', String(opts.concurrency));
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  // Its own process group, so stop() reaches whatever the shell started.
  const child = spawn(command, { shell: true, detached: true, cwd: OPERATOR_DIR, env: { ...process.env, KUBECONFIG: opts.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Two sources into one file: it ends when both have closed, not when the first does.
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on('close', () => log.end());
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  const hasMetrics = opts.template.includes('{metricsPort}');
  const op: OperatorProcess = {
    pid,
    command,
    usage: async () => {
      const usage: Usage = await treeUsage(pid);
      if (hasMetrics) {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        usage.metricsRssBytes = metricValue(text, 'process_resident_memory_bytes');
        usage.heapUsedBytes = metricValue(text, 'nodejs_heap_size_used_bytes');
      }
      return usage;
    },
    stop: async () => {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', onExit);
    },
  };

  if (!opts.template.includes('{healthPort}')) {
    await sleep(UNKNOWN_READINESS_WAIT_MS);
  } else {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}; see ${opts.logFile}`);
      const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      if (res?.status === 200) break;
      if (Date.now() > deadline) {
        await op.stop();
        throw new Error(`operator not ready after 120 s; see ${opts.logFile}`);
      }
      await sleep(50); // start-up is measured to this precision
    }
  }
  if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}; see ${opts.logFile}`);
  return op;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
