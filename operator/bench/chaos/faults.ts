// The faults of one window, each on its own seeded schedule and each switchable:
// - the leader SIGKILLed 5-15 s after each new leader starts (random, seeded);
// - the API server restarted once, etcd restarted once (same data);
// - through the fault proxy, for the whole window: a share of requests answered
//   500 or 429 with Retry-After, every open watch stream cut now and then, one
//   full partition, and one watch answered 410 Expired (a compacted resourceVersion).
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { expiredWatch, internalError, tooManyRequests, type ApiProxy } from '../../test/support/api-proxy.ts';
import { seededRandom } from './random.ts';
import type { Replicas } from './replicas.ts';

export interface FaultOptions {
  leaderKills: boolean;
  /** Leader kills: the leader is killed this long after it started leading (uniform in [min, max]). */
  killAfterMs: [number, number];
  apiServerRestart: boolean;
  etcdRestart: boolean;
  /** Share of proxied requests answered 500 or 429 (0: off). */
  errorRate: number;
  watchCuts: boolean;
  /** Open watch streams are cut this often (uniform in [min, max]). */
  watchCutEveryMs: [number, number];
  /** 0: no partition. */
  partitionMs: number;
  gone: boolean;
}

export interface FaultRecord {
  kind: 'leader-kill' | 'apiserver-restart' | 'etcd-restart' | 'partition' | 'watch-cut' | 'gone' | 'errors';
  /** ms from the window's start. */
  at: number;
  endedAt: number;
  detail?: string;
}

export interface FaultsRun {
  records: FaultRecord[];
  /** Requests the proxy answered itself with an error. */
  injectedErrors: { '500': number; '429': number };
  /** When the last fault ended, ms from the window's start. */
  lastFaultEndedAt: number;
}

export interface FaultsContext {
  plane: ControlPlane;
  proxy: ApiProxy;
  replicas: Replicas;
  seed: number;
  windowMs: number;
  /** performance.now() of the window's start. */
  start: number;
  opts: FaultOptions;
  log: (line: string) => void;
}

/** A point in [lo, hi) of the window for a one-off fault, in ms. */
const slot = (r: () => number, windowMs: number, lo: number, hi: number) => Math.round(windowMs * (lo + (hi - lo) * r()));

export async function runFaults(ctx: FaultsContext): Promise<FaultsRun> {
  const { opts, windowMs, proxy } = ctx;
  const records: FaultRecord[] = [];
  const since = () => Math.round(performance.now() - ctx.start);
  const untilAt = async (at: number) => {
    const wait = ctx.start + at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
  const inWindow = () => since() < windowMs;
  // One random stream per fault: the schedule of one does not move when another is switched off.
  const schedule = seededRandom(ctx.seed + 101);
  const apiAt = slot(schedule.next, windowMs, 0.15, 0.3);
  const etcdAt = slot(schedule.next, windowMs, 0.4, 0.55);
  const partitionAt = Math.min(slot(schedule.next, windowMs, 0.6, 0.7), Math.max(0, windowMs - opts.partitionMs - 1_000));
  const goneAt = slot(schedule.next, windowMs, 0.1, 0.9);

  // Errors and the 410, decided per request as it comes.
  const perRequest = seededRandom(ctx.seed + 202);
  const injectedErrors = { '500': 0, '429': 0 };
  let goneArmed = false;
  proxy.answer = (req) => {
    if (!inWindow()) return undefined;
    if (goneArmed && req.watch && req.query.get('resourceVersion')) {
      goneArmed = false;
      records.push({ kind: 'gone', at: since(), endedAt: since(), detail: `410 Expired on ${req.path}` });
      return expiredWatch();
    }
    if (opts.errorRate > 0 && perRequest.next() < opts.errorRate) {
      if (perRequest.next() < 0.5) {
        injectedErrors['500']++;
        return internalError();
      }
      injectedErrors['429']++;
      return tooManyRequests(perRequest.int(1, 2));
    }
    return undefined;
  };

  const tasks: Promise<void>[] = [];
  const oneOff = (kind: FaultRecord['kind'], at: number, act: () => Promise<string | void>) =>
    tasks.push((async () => {
      await untilAt(at);
      const started = since();
      ctx.log(`fault: ${kind}`);
      try {
        const detail = await act();
        records.push({ kind, at: started, endedAt: since(), ...(detail ? { detail } : {}) });
      } catch (err) {
        records.push({ kind, at: started, endedAt: since(), detail: `failed: ${String(err).split('\n')[0]}` });
      }
    })());

  // One plane restart at a time: the second waits for the first to be ready again.
  let planeBusy: Promise<unknown> = Promise.resolve();
  const restart = (name: string, downMs: number) => async () => {
    const done = planeBusy.then(() => ctx.plane.restart(name, { downMs }));
    planeBusy = done.catch(() => undefined);
    await done;
  };
  if (opts.apiServerRestart) oneOff('apiserver-restart', apiAt, restart('kube-apiserver', 2_000));
  if (opts.etcdRestart) oneOff('etcd-restart', etcdAt, restart('etcd', 3_000));
  if (opts.partitionMs > 0) oneOff('partition', partitionAt, async () => {
    await proxy.partition(opts.partitionMs);
    return `${opts.partitionMs} ms`;
  });
  if (opts.gone) oneOff('gone', goneAt, async () => {
    goneArmed = true;
    // Watches come back after each cut; make sure one comes soon.
    proxy.cutWatches();
    return 'armed: the next watch gets 410 Expired';
  });

  if (opts.watchCuts) {
    const cuts = seededRandom(ctx.seed + 303);
    tasks.push((async () => {
      for (let at = cuts.between(...opts.watchCutEveryMs); at < windowMs; at += cuts.between(...opts.watchCutEveryMs)) {
        await untilAt(at);
        const n = proxy.cutWatches();
        records.push({ kind: 'watch-cut', at: since(), endedAt: since(), detail: `${n} streams` });
      }
    })());
  }

  if (opts.leaderKills) {
    const kills = seededRandom(ctx.seed + 404);
    tasks.push((async () => {
      while (inWindow()) {
        const leader = ctx.replicas.leader();
        if (!leader?.leadingSince) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        const killAt = leader.leadingSince + kills.between(...opts.killAfterMs);
        while (Date.now() < killAt && inWindow() && ctx.replicas.leader() === leader) await new Promise((r) => setTimeout(r, 100));
        if (!inWindow() || ctx.replicas.leader() !== leader) continue;
        const at = since();
        await ctx.replicas.kill(leader);
        ctx.log(`fault: leader ${leader.name} SIGKILLed`);
        records.push({ kind: 'leader-kill', at, endedAt: at, detail: leader.name });
      }
    })());
  }

  await untilAt(windowMs);
  await Promise.all(tasks);
  proxy.answer = () => undefined;
  if (opts.errorRate > 0) records.push({ kind: 'errors', at: 0, endedAt: windowMs, detail: `${injectedErrors['500']} x 500, ${injectedErrors['429']} x 429` });
  if (goneArmed) records.push({ kind: 'gone', at: goneAt, endedAt: goneAt, detail: 'armed, but no watch came in the window' });
  records.sort((a, b) => a.at - b.at);
  const faultsEnd = Math.max(0, ...records.map((r) => r.endedAt));
  return { records, injectedErrors, lastFaultEndedAt: faultsEnd };
}
