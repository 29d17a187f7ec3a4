import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { getObject, patchMerge } from '../../../src/runtime/apply.ts';
import { LeadershipLostError, runLeaderElection, type ElectionOutcome, type LeaseSpec } from '../../../src/runtime/leader.ts';
import { Leases } from '../../../src/runtime/resources.ts';
import { usePlane } from '../../support/cluster.ts';
import { startApiProxy } from '../../support/api-proxy.ts';
import { eventually, freshNamespace } from './helpers.ts';

const plane = usePlane('api');
// Short timings keep the test quick; their ratios are client-go's defaults (15 s / 10 s / 2 s).
const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 400 };
const LEASE = 'runtime-test-leader';

interface Candidate {
  identity: string;
  stop: AbortController;
  outcome: Promise<ElectionOutcome>;
  ledAt?: number;
  leading: boolean;
  workSignal?: AbortSignal;
  lostSignal?: AbortSignal;
  leadersSeen: string[];
}

/** Both candidates share this counter: more than one leader at once fails the test. */
const leadersNow = { count: 0, max: 0 };

function candidate(kc: KubeConfig, namespace: string, identity: string, releaseOnCancel = true): Candidate {
  const c: Candidate = { identity, stop: new AbortController(), outcome: Promise.resolve('released'), leading: false, leadersSeen: [] };
  c.outcome = runLeaderElection({
    kc,
    namespace,
    name: LEASE,
    identity,
    ...TIMING,
    releaseOnCancel,
    signal: c.stop.signal,
    onNewLeader: (id) => c.leadersSeen.push(id),
    onStartedLeading: async (signal, lost) => {
      c.leading = true;
      c.ledAt = Date.now();
      c.workSignal = signal;
      c.lostSignal = lost;
      leadersNow.count++;
      leadersNow.max = Math.max(leadersNow.max, leadersNow.count);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      leadersNow.count--;
      c.leading = false;
    },
  });
  after(async () => {
    c.stop.abort();
    await c.outcome;
  });
  return c;
}

async function lease(kc: KubeConfig, namespace: string): Promise<LeaseSpec> {
  return ((await getObject(kc, Leases, { namespace, name: LEASE }))?.spec ?? {}) as LeaseSpec;
}

describe('leader election', () => {
  it('elects exactly one of two candidates, and hands over at once when the leader releases', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'le-release');
    const a = candidate(kc, ns, 'candidate-a');
    const b = candidate(kc, ns, 'candidate-b');
    await eventually(() => assert.ok(a.leading || b.leading));
    const [leader, follower] = a.leading ? [a, b] : [b, a];
    // The follower has read the Lease since the leader took it: it tried, and knows who leads.
    await eventually(() => assert.ok(follower.leadersSeen.includes(leader.identity), 'the follower knows who leads'), 5_000);
    assert.equal(leadersNow.max, 1, 'never two leaders');
    assert.equal(follower.leading, false);
    assert.equal((await lease(kc, ns)).holderIdentity, leader.identity);

    const releasedAt = Date.now();
    leader.stop.abort();
    assert.equal(await leader.outcome, 'released');
    assert.equal(leader.workSignal?.aborted, true, "the old leader's work was told to stop");
    await eventually(() => assert.ok(follower.leading), 5_000);
    assert.ok(follower.ledAt! - releasedAt < TIMING.leaseDurationMs, 'took over before the lease could have expired');
    const spec = await lease(kc, ns);
    assert.equal(spec.holderIdentity, follower.identity);
    assert.equal(spec.leaseTransitions, 1);
    assert.equal(leadersNow.max, 1);
  });

  it('takes over from a leader that died without releasing, once its lease has expired', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'le-crash');
    const first = candidate(kc, ns, 'crashes', false);
    await eventually(() => assert.ok(first.leading));
    const second = candidate(kc, ns, 'survives');
    // It has read the Lease and found it held.
    await eventually(() => assert.ok(second.leadersSeen.includes('crashes')), 5_000);
    assert.equal(second.leading, false);

    const diedAt = Date.now();
    first.stop.abort();
    await first.outcome;
    assert.equal((await lease(kc, ns)).holderIdentity, 'crashes', 'a crashed leader leaves its lease behind');
    await eventually(() => assert.ok(second.leading), 10_000);
    const waited = second.ledAt! - diedAt;
    assert.ok(waited >= TIMING.leaseDurationMs - TIMING.retryPeriodMs * 2, `waited for the lease to expire (${waited} ms)`);
    assert.equal((await lease(kc, ns)).holderIdentity, 'survives');
  });

  it('a leader that can no longer renew steps down within the renew deadline', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'le-lost');
    const c = candidate(kc, ns, 'loses-it');
    await eventually(() => assert.ok(c.leading));
    // Someone else holds the lease now (as after a partition during which it expired).
    await patchMerge(kc, Leases, { namespace: ns, name: LEASE }, { spec: { holderIdentity: 'usurper', renewTime: new Date().toISOString().replace('Z', '000Z') } });
    const start = Date.now();
    assert.equal(await c.outcome, 'lost');
    assert.ok(Date.now() - start <= TIMING.renewDeadlineMs + TIMING.retryPeriodMs * 2);
    assert.equal(c.workSignal?.aborted, true);
    assert.equal((await lease(kc, ns)).holderIdentity, 'usurper', 'a lost leader does not clear a lease it no longer holds');
  });

  it('a leader that sees another holder in the Lease stops at once, not at its renew deadline', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'le-taken');
    const c = candidate(kc, ns, 'deposed');
    await eventually(() => assert.ok(c.leading));
    const takenAt = Date.now();
    await patchMerge(kc, Leases, { namespace: ns, name: LEASE }, { spec: { holderIdentity: 'successor', renewTime: new Date().toISOString().replace('Z', '000Z') } });
    await eventually(() => assert.equal(c.lostSignal?.aborted, true), 5_000);
    const stoppedIn = Date.now() - takenAt;
    assert.ok(stoppedIn < TIMING.retryPeriodMs * 3, `stopped ${stoppedIn} ms after the takeover (renew deadline ${TIMING.renewDeadlineMs} ms)`);
    assert.ok(c.lostSignal!.reason instanceof LeadershipLostError);
    assert.match(String(c.lostSignal!.reason), /held by successor/);
    assert.equal(c.workSignal?.aborted, true);
    assert.equal(await c.outcome, 'lost');
  });

  it('a wall-clock jump either way does not depose a leader that renews', async () => {
    const kc = plane().adminKubeConfig();
    const ns = await freshNamespace(kc, 'le-clock');
    const c = candidate(kc, ns, 'steady');
    await eventually(() => assert.ok(c.leading));
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 3_600_000;
      await new Promise((r) => setTimeout(r, TIMING.renewDeadlineMs));
      assert.equal(c.lostSignal?.aborted, false, 'an hour forward on the wall clock is not an hour without renewal');
      Date.now = () => realNow() - 3_600_000;
      await new Promise((r) => setTimeout(r, TIMING.retryPeriodMs * 2));
      assert.equal(c.lostSignal?.aborted, false);
    } finally {
      Date.now = realNow;
    }
    assert.ok(c.leading);
  });

  it('a leader whose renewals fail steps down at its renew deadline even if the wall clock went back', async () => {
    const admin = plane().adminKubeConfig();
    const ns = await freshNamespace(admin, 'le-clock-back');
    const proxy = await startApiProxy(plane());
    after(() => proxy.stop());
    const c = candidate(proxy.kubeConfig(), ns, 'cut-off');
    await eventually(() => assert.ok(c.leading));
    const realNow = Date.now;
    const failingSince = performance.now();
    try {
      Date.now = () => realNow() - 3_600_000;
      proxy.answer = () => ({ status: 500, body: { kind: 'Status', code: 500, message: 'etcd is down' } });
      await eventually(() => assert.equal(c.lostSignal?.aborted, true), TIMING.renewDeadlineMs * 3);
    } finally {
      Date.now = realNow;
      proxy.answer = () => undefined;
    }
    const tookMs = performance.now() - failingSince;
    assert.ok(tookMs <= TIMING.renewDeadlineMs + TIMING.retryPeriodMs * 2, `stepped down ${tookMs} ms after renewals began to fail`);
    assert.equal(await c.outcome, 'lost');
  });
});
