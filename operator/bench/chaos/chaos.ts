// One chaos run, start to end: a fresh full plane; the operator as 2 replicas
// with leader election under its own ServiceAccount, reaching the API server
// only through the fault proxy; the workload and the faults in one window;
// then, once the faults are over, polling until nothing is lost, orphaned,
// stuck or stale (or a timeout), a quiet window, and a last judgement.
// Used by `make chaos` (run.ts) and by the short version in test/e2e/chaos.test.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startApiProxy, type ApiProxy } from '../../test/support/api-proxy.ts';
import { round } from '../lib/machine.ts';
import { startBenchPlane, type BenchPlane } from '../lib/plane.ts';
import { createAll, loadSamples, namespaceNames, namespaceObjects } from '../lib/workload.ts';
import {
  leadershipOverlaps,
  summarizeFailovers,
  summarizeReconciles,
  summarizeWrites,
  writeLatency,
  type FailoverSummary,
  type ReconcileSummary,
  type WriteSummary,
} from './analysis.ts';
import { runBadData, type BadDataResult } from './bad-data.ts';
import { runFaults, type FaultOptions, type FaultRecord } from './faults.ts';
import { clean, instancesSettled, judge, takeSnapshot, type Finding, type Judgement } from './measure.ts';
import { seededRandom } from './random.ts';
import { startReplicas, type Replicas } from './replicas.ts';
import { planWorkload, runWorkload } from './workload.ts';

export interface ChaosOptions {
  seed: number;
  instances: number;
  namespaces: number;
  createOverMs: number;
  windowMs: number;
  updates: number;
  deletes: number;
  inflightDeletes: number;
  faults: FaultOptions;
  replicas: number;
  /** After the last fault, how long to wait for a clean cluster. */
  convergeTimeoutMs: number;
  /** After convergence, how long to wait for every instance to be Available before the quiet window. */
  settleTimeoutMs: number;
  /** After convergence: a window with nothing happening, whose reconciles and writes are counted. */
  quietMs: number;
  /** Operator flags besides --leader-elect and the Lease timings. */
  operatorArgs: string[];
  leaseArgs: string[];
  /** After the measures: the bad stored data cases, observed this long (0: skipped). */
  badDataObserveMs: number;
  /** Where the operators' logs go (none when absent). */
  logDir?: string;
  log: (line: string) => void;
}

export const LEASE_ARGS = ['--leader-elect-lease-duration=15s', '--leader-elect-renew-deadline=10s', '--leader-elect-retry-period=2s'];

export interface Counts {
  lost: number;
  orphans: number;
  stuck: number;
  stale: number;
  missingInstances: number;
  unexpectedInstances: number;
}

export interface ChaosResult {
  seed: number;
  faults: FaultRecord[];
  injectedErrors: { '500': number; '429': number };
  workload: { created: number; updated: number; deleted: number; inflightDeletes: number; serverRetries: number; failures: string[]; lastStepAtSeconds: number };
  /** From the end of the last fault (or of the workload, if later). */
  /** writeLatency: how long the API server took to answer the operators' writes meanwhile. */
  convergence: { converged: boolean; seconds?: number; timeoutSeconds: number; writeLatency: { count: number; p50Seconds?: number; p90Seconds?: number } };
  /** trails: for the first instances left over, the workload's steps and the operator's writes naming them (s from the window's start). */
  final: Counts & { examples: Finding[]; trails: Record<string, string[]> };
  /** The counts at the convergence timeout, when it never converged. */
  atTimeout?: Counts;
  writes: WriteSummary;
  reconciles: ReconcileSummary;
  /** availableBefore: instances Available when it began. */
  quiet: { seconds: number; reconciles: number; writes: WriteSummary; availableBefore: string };
  failovers: FailoverSummary;
  leadershipOverlaps: { replicas: [string, string]; ms: number }[];
  crashes: { replica: string; exitCode: number | null | undefined; output: string[] }[];
  badData?: BadDataResult;
  replicas: { name: string; startedAt: string; leadingSince?: string; killedAt?: string; exitedAt?: string; exitCode?: number | null; lostLease?: boolean }[];
}

const counts = (j: Judgement): Counts => ({
  lost: j.lost.length,
  orphans: j.orphans.length,
  stuck: j.stuck.length,
  stale: j.stale.length,
  missingInstances: j.missingInstances.length,
  unexpectedInstances: j.unexpectedInstances.length,
});

const SECRETS = (ns: string) => [
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'chatcli-api-keys', namespace: ns }, stringData: { OPENAI_API_KEY: 'placeholder', ANTHROPIC_API_KEY: 'placeholder' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'chatcli-auth', namespace: ns }, stringData: { token: 'placeholder' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'chatcli-tls', namespace: ns }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x', 'tls.key': 'y' } },
];

const isAvailable = (i: { status?: unknown }) =>
  ((i.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');

/** How often convergence is checked: each check costs the API server (and this process) lists of the whole cluster. */
const POLL_MS = 2_000;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const { log } = opts;
  log(`seed ${opts.seed}`);
  const bp: BenchPlane = await startBenchPlane('full', { operatorAsAdmin: false, log });
  let proxy: ApiProxy | undefined;
  let replicas: Replicas | undefined;
  try {
    const namespaces = namespaceNames('chaos', opts.namespaces);
    await createAll(bp.admin, namespaceObjects(namespaces), 4);
    await createAll(bp.admin, namespaces.flatMap(SECRETS) as never[], 8);

    proxy = await startApiProxy(bp.plane);
    const token = (await bp.plane.serviceAccountKubeConfig('chatcli-system', 'chatcli-operator')).getCurrentUser()?.token ?? '';
    const kubeconfig = join(bp.plane.dir, 'operator-via-proxy.kubeconfig');
    await writeFile(kubeconfig, proxy.kubeconfigYaml(token), { mode: 0o600 });
    replicas = await startReplicas({ kubeconfig, count: opts.replicas, args: ['--leader-elect', ...opts.leaseArgs, ...opts.operatorArgs], restartDelayMs: 1_000, log });
    const leaderDeadline = Date.now() + 60_000;
    while (!replicas.leader()) {
      if (Date.now() > leaderDeadline) throw new Error('no replica became leader within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }

    const steps = planWorkload(seededRandom(opts.seed), {
      instances: opts.instances,
      namespaces,
      samples: loadSamples(),
      createOverMs: opts.createOverMs,
      windowMs: opts.windowMs,
      updates: opts.updates,
      deletes: opts.deletes,
      inflightDeletes: opts.inflightDeletes,
    });
    log(`window: ${opts.windowMs / 1000} s; ${opts.instances} instances over ${opts.namespaces} namespaces, ${opts.updates} updates, ${opts.deletes} deletes (${opts.inflightDeletes} in flight)`);
    const start = performance.now();
    const windowStartWall = Date.now();
    const [record, faults] = await Promise.all([
      runWorkload(bp.admin, steps, start),
      runFaults({ plane: bp.plane, proxy, replicas, seed: opts.seed, windowMs: opts.windowMs, start, opts: opts.faults, log }),
    ]);
    const lastStepAt = Math.max(0, ...record.done.map((d) => d.at));
    // The clock of convergence starts when the last fault ended (or the last workload step, if later).
    const settledAt = Math.max(faults.lastFaultEndedAt, lastStepAt);
    log(`faults over at ${round(faults.lastFaultEndedAt / 1000, 1)} s, last workload step at ${round(lastStepAt / 1000, 1)} s; waiting for convergence`);

    // Convergence: the first clean snapshot after the faults.
    let judgement: Judgement | undefined;
    let convergedAt: number | undefined;
    const deadline = start + settledAt + opts.convergeTimeoutMs;
    for (;;) {
      const at = performance.now();
      const last = performance.now() > deadline;
      try {
        // The full snapshot (every labelled object in the cluster) only once the instances look done, or at the end.
        if (last || (await instancesSettled(bp.admin, record))) {
          judgement = judge(await takeSnapshot(bp.admin), record);
          if (clean(judgement)) {
            convergedAt = at;
            break;
          }
        }
      } catch (err) {
        log(`snapshot failed: ${String(err).split('\n')[0]}`);
      }
      if (last) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const converged = convergedAt !== undefined;
    const convergingLatency = writeLatency(proxy.requests, windowStartWall + settledAt, Date.now());
    const atTimeout = !converged && judgement ? counts(judgement) : undefined;
    log(converged ? `converged ${round((convergedAt! - start - settledAt) / 1000, 1)} s after the last fault` : `NOT converged after ${opts.convergeTimeoutMs / 1000} s: ${JSON.stringify(atTimeout)}`);

    // Pods still roll out (replicas, image tags) and their readiness moves the status:
    // let the world settle first, so that the quiet window is quiet.
    const settleFrom = performance.now();
    let available = 0;
    let liveCount = 0;
    while (performance.now() - settleFrom < opts.settleTimeoutMs) {
      const live = (await takeSnapshot(bp.admin).catch(() => undefined))?.instances.filter((i) => !i.metadata.deletionTimestamp);
      if (live) {
        liveCount = live.length;
        available = live.filter(isAvailable).length;
        if (available === liveCount) break;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    log(`${available} of ${liveCount} instances Available after ${round((performance.now() - settleFrom) / 1000, 1)} s more`);

    // A quiet window: nothing changes, so nothing should be reconciled or written.
    replicas.poll();
    const quietFrom = Date.now();
    const reconcilesBefore = replicas.reconciles.length;
    await new Promise((r) => setTimeout(r, opts.quietMs));
    replicas.poll();
    const quietReconciles = replicas.reconciles.length - reconcilesBefore;
    const quietWrites = summarizeWrites(proxy.requests, opts.instances, quietFrom, Date.now());
    const final = judge(await takeSnapshot(bp.admin), record);

    // For a post-mortem of what is left over: every operator request naming its instance, and the workload's steps.
    const trail = (instanceKey: string) => {
      const name = instanceKey.split('/')[1] ?? instanceKey;
      return [
        ...record.done.filter((d) => d.step.key === instanceKey).map((d) => `${round(d.at / 1000, 3)} s workload ${d.step.op}`),
        ...proxy!.requests
          .filter((r) => r.path.includes(`/${name}`) && r.method !== 'GET')
          .map((r) => `${round((r.at - windowStartWall) / 1000, 3)} s ${r.method} ${r.path} (${r.outcome}${r.forwardedAt ? ` at ${round((r.forwardedAt - windowStartWall) / 1000, 3)} s` : ''})`),
      ].sort((a, b) => parseFloat(a) - parseFloat(b));
    };
    const trails = Object.fromEntries([...final.lost, ...final.orphans, ...final.stuck, ...final.stale].slice(0, 5).map((f) => [f.instance, trail(f.instance)]));

    let badData: BadDataResult | undefined;
    if (opts.badDataObserveMs > 0) badData = await runBadData({ plane: bp.plane, admin: bp.admin, replicas, observeMs: opts.badDataObserveMs, log });

    await replicas.stop(opts.logDir);
    const all = replicas.all;
    const result: ChaosResult = {
      seed: opts.seed,
      faults: faults.records,
      injectedErrors: faults.injectedErrors,
      workload: {
        created: steps.filter((s) => s.op === 'create').length,
        updated: steps.filter((s) => s.op === 'update').length,
        deleted: steps.filter((s) => s.op === 'delete').length,
        inflightDeletes: steps.filter((s) => s.inflight).length,
        serverRetries: record.retries,
        failures: record.failures,
        lastStepAtSeconds: round(lastStepAt / 1000, 1),
      },
      convergence: {
        converged,
        ...(converged ? { seconds: round(Math.max(0, convergedAt! - start - settledAt) / 1000, 1) } : {}),
        timeoutSeconds: opts.convergeTimeoutMs / 1000,
        writeLatency: convergingLatency,
      },
      final: { ...counts(final), examples: [...final.lost, ...final.orphans, ...final.stuck, ...final.stale].slice(0, 20), trails },
      ...(atTimeout ? { atTimeout } : {}),
      writes: summarizeWrites(proxy.requests, opts.instances, windowStartWall),
      reconciles: summarizeReconciles(replicas.reconciles),
      quiet: { seconds: opts.quietMs / 1000, reconciles: quietReconciles, writes: quietWrites, availableBefore: `${available} of ${liveCount}` },
      failovers: summarizeFailovers(all, replicas.reconciles, faults.records
        .filter((f) => f.kind === 'apiserver-restart' || f.kind === 'etcd-restart' || f.kind === 'partition')
        .map((f) => ({ from: windowStartWall + f.at, to: windowStartWall + f.endedAt }))),
      leadershipOverlaps: leadershipOverlaps(all),
      crashes: all
        .filter((r) => r.exitedAt !== undefined && r.killedAt === undefined && !r.lostLease && r.exitCode !== 0)
        .map((r) => ({ replica: r.name, exitCode: r.exitCode, output: [...r.otherOutput.slice(-20), ...r.op.logs().trimEnd().split('\n').slice(-5)] })),
      ...(badData ? { badData } : {}),
      replicas: all.map((r) => ({
        name: r.name,
        startedAt: iso(r.startedAt)!,
        leadingSince: iso(r.leadingSince),
        killedAt: iso(r.killedAt),
        exitedAt: iso(r.exitedAt),
        exitCode: r.exitCode,
        lostLease: r.lostLease,
      })),
    };
    return result;
  } finally {
    await replicas?.stop();
    await proxy?.stop();
    await bp.plane.stop();
  }
}
