// Leader election on a coordination.k8s.io/v1 Lease, after client-go's
// leaderelection: candidates try to take the Lease every retryPeriod; a held
// Lease is only taken once its holder has not renewed it for leaseDuration,
// measured on our own monotonic clock from when we last saw the record change
// (so neither clock skew between candidates nor a wall-clock jump matters);
// the leader renews every retryPeriod and gives up leading if it could not
// renew for renewDeadline, or at once when it sees another holder in the Lease.
// Every write carries the resourceVersion read, so two candidates racing for
// the Lease cannot both win. On shutdown the leader stops its work first, then
// releases the Lease so a successor takes it at once. A lost Lease is not
// released and its work gets no grace: `lost` aborts, and nothing may be
// written any more (a successor may already be leading). Its requests go over
// connections of their own, never queued behind a burst of reconciles in the
// bounded pool the other requests share.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClusterConfig } from './kubeconfig.ts';
import { createObject, getObject, replaceObject } from './apply.ts';
import { sleep } from './backoff.ts';
import { isAlreadyExists, isConflict, microTime, type KubeObject } from './kube.ts';
import { silentLogger, type Logger } from './log.ts';
import { monotonicNow } from './ratelimit.ts';
import { Leases } from './resources.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaderElectionOptions {
  kc: ClusterConfig;
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** Default: hostname + "_" + a random UUID, unique per process. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Clear the Lease when the signal aborts (default true). False simulates a crash. */
  releaseOnCancel?: boolean;
  /**
   * Runs while this process leads. `signal` aborts when leadership ends for
   * any reason (finish in-flight work, then return). `lost` aborts first, and
   * only when the Lease was lost: stop at once, write nothing more.
   */
  onStartedLeading: (signal: AbortSignal, lost: AbortSignal) => Promise<void> | void;
  /** Called once leading has ended (after onStartedLeading settled). */
  onStoppedLeading?: () => void;
  /** Called when a different holder is observed (including ourselves). */
  onNewLeader?: (identity: string) => void;
  log?: Logger;
  /** Ends the election: stops leading (if leading) and releases the Lease. */
  signal: AbortSignal;
  /** Monotonic milliseconds (default performance.now); only tests replace it. */
  now?: () => number;
}

/** Why a leader stopped leading without being asked to. */
export class LeadershipLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeadershipLostError';
  }
}

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
const JITTER_FACTOR = 1.2;

export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export type ElectionOutcome = 'released' | 'lost' | 'work-ended' | 'cancelled-before-leading';

/**
 * Campaigns for the Lease until the signal aborts, leading in between.
 * Resolves with why it ended: the signal aborted while leading ('released'),
 * renewals failed for renewDeadline ('lost'), onStartedLeading returned on its
 * own ('work-ended'), or the signal aborted before it ever led.
 */
export async function runLeaderElection(opts: LeaderElectionOptions): Promise<ElectionOutcome> {
  const identity = opts.identity ?? defaultIdentity();
  const leaseDurationMs = opts.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
  const renewDeadlineMs = opts.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
  const retryPeriodMs = opts.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs * JITTER_FACTOR)) {
    throw new Error('leader election needs leaseDuration > renewDeadline > retryPeriod * 1.2');
  }
  const log = (opts.log ?? silentLogger()).child({ lease: `${opts.namespace}/${opts.name}`, identity });
  const leaseRef = { namespace: opts.namespace, name: opts.name };
  const durationSeconds = Math.ceil(leaseDurationMs / 1000);
  // Every interval is measured on this clock; the wall clock only fills the Lease's time fields.
  const now = opts.now ?? monotonicNow;

  let observed: LeaseSpec | undefined;
  let observedAt = 0;
  let reportedLeader: string | undefined;
  /** Set when a read showed the Lease held by someone else, and not yet expired. */
  let heldByOther: string | undefined;

  const observe = (spec: LeaseSpec, at: number): void => {
    if (!observed || observed.holderIdentity !== spec.holderIdentity || observed.renewTime !== spec.renewTime) {
      observed = spec;
      observedAt = at;
    }
    const holder = spec.holderIdentity ?? '';
    if (holder && holder !== reportedLeader) {
      reportedLeader = holder;
      log.info({ leader: holder }, 'new leader observed');
      opts.onNewLeader?.(holder);
    }
  };

  /** One attempt to take or keep the Lease; true if we hold it now. */
  const tryAcquireOrRenew = async (signal: AbortSignal): Promise<boolean> => {
    heldByOther = undefined;
    const wallNow = microTime(Date.now());
    const mine: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: wallNow,
      renewTime: wallNow,
      leaseTransitions: 0,
    };
    const lease = await getObject(opts.kc, Leases, leaseRef, { signal, ownConnection: true });
    if (!lease) {
      try {
        const created = await createObject(
          opts.kc,
          Leases,
          { apiVersion: Leases.apiVersion, kind: Leases.kind, metadata: { ...leaseRef }, spec: mine },
          { signal, ownConnection: true },
        );
        observe((created.spec ?? mine) as LeaseSpec, now());
        return true;
      } catch (err) {
        if (isAlreadyExists(err) || isConflict(err)) return false;
        throw err;
      }
    }
    const current = (lease.spec ?? {}) as LeaseSpec;
    observe(current, now());
    const holder = current.holderIdentity ?? '';
    const heldMs = (current.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && holder !== identity && observedAt + heldMs > now()) {
      heldByOther = holder;
      return false;
    }

    if (holder === identity) {
      mine.acquireTime = current.acquireTime ?? mine.acquireTime;
      mine.leaseTransitions = current.leaseTransitions ?? 0;
    } else {
      mine.leaseTransitions = (current.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await replaceObject(opts.kc, Leases, { ...lease, spec: { ...current, ...mine } } as KubeObject, { signal, ownConnection: true });
      observe((updated.spec ?? mine) as LeaseSpec, now());
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  };

  const attempt = async (timeoutMs: number): Promise<boolean> => {
    try {
      // AbortSignal.timeout takes whole milliseconds; the monotonic clock is fractional.
      return await tryAcquireOrRenew(AbortSignal.any([opts.signal, AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)))]));
    } catch (err) {
      if (!opts.signal.aborted) log.warn({ err }, 'lease update failed');
      return false;
    }
  };

  const jittered = (): number => retryPeriodMs * (1 + Math.random() * (JITTER_FACTOR - 1));

  // Campaign.
  while (!opts.signal.aborted) {
    if (await attempt(renewDeadlineMs)) break;
    await sleep(jittered(), opts.signal).catch(() => undefined);
  }
  if (opts.signal.aborted) return 'cancelled-before-leading';

  log.info('started leading');
  const leading = new AbortController();
  const lost = new AbortController();
  let workEnded = false;
  const work = (async () => opts.onStartedLeading(leading.signal, lost.signal))()
    .catch((err: unknown) => log.error({ err }, 'leader work failed'))
    .finally(() => {
      workEnded = true;
    });

  // Renew until cancelled, lost, or the work ends by itself.
  let outcome: ElectionOutcome = 'released';
  let lostBecause = '';
  let lastRenew = now();
  const workOrAbort = Promise.race([work, new Promise((r) => opts.signal.addEventListener('abort', r, { once: true }))]);
  while (!opts.signal.aborted && !workEnded) {
    await Promise.race([sleep(retryPeriodMs), workOrAbort]);
    if (opts.signal.aborted || workEnded) break;
    const remaining = renewDeadlineMs - (now() - lastRenew);
    if (remaining > 0 && (await attempt(remaining))) {
      lastRenew = now();
    } else if (heldByOther !== undefined) {
      // Someone else holds the Lease: it is theirs now, whatever our deadline says.
      lostBecause = `the Lease is held by ${heldByOther}`;
      break;
    } else if (now() - lastRenew >= renewDeadlineMs) {
      lostBecause = `could not renew the Lease for ${renewDeadlineMs} ms`;
      break;
    }
  }
  if (lostBecause) {
    outcome = 'lost';
    log.error({ renewDeadlineMs }, `leadership lost: ${lostBecause}; stopping all work at once`);
    lost.abort(new LeadershipLostError(`leadership lost: ${lostBecause}`));
  }
  if (workEnded && outcome === 'released') outcome = 'work-ended';

  leading.abort(lost.signal.aborted ? lost.signal.reason : new Error(`leadership ended: ${outcome}`));
  await work;
  if (outcome !== 'lost' && (opts.releaseOnCancel ?? true)) await release();
  log.info({ outcome }, 'stopped leading');
  opts.onStoppedLeading?.();
  return outcome;

  /** Hands the Lease over: empty holder and a 1 s duration, so the next candidate takes it at once. */
  async function release(): Promise<void> {
    const signal = AbortSignal.timeout(renewDeadlineMs);
    try {
      const lease = await getObject(opts.kc, Leases, leaseRef, { signal, ownConnection: true });
      const spec = (lease?.spec ?? {}) as LeaseSpec;
      if (!lease || spec.holderIdentity !== identity) return;
      const now = microTime(Date.now());
      await replaceObject(
        opts.kc,
        Leases,
        { ...lease, spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: spec.leaseTransitions ?? 0 } } as KubeObject,
        { signal, ownConnection: true },
      );
      log.info('lease released');
    } catch (err) {
      log.warn({ err }, 'could not release the lease; it expires on its own');
    }
  }
}
