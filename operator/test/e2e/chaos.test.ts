// The short chaos run (bench/chaos, docs/reliability.md): 50 instances created,
// updated and deleted on a full plane while, for 30 s, the operator's leader is
// SIGKILLed, the API server and etcd restart, and the fault proxy between the 2
// replicas and the API server answers 5 % of requests with 500/429, cuts watch
// streams, forces a 410 and partitions them for 10 s. Once the faults are over
// nothing may be lost, orphaned, stuck or stale. The seed is printed: replay a
// failure with `make chaos ARGS="--quick --seed N"` or CHATCLI_CHAOS_SEED=N.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LEASE_ARGS, runChaos } from '../../bench/chaos/chaos.ts';
import { newSeed } from '../../bench/chaos/random.ts';

const seed = process.env.CHATCLI_CHAOS_SEED ? Number(process.env.CHATCLI_CHAOS_SEED) : newSeed();

describe('chaos, short', () => {
  it(`converges with nothing lost, orphaned, stuck or stale (seed ${seed})`, { timeout: 240_000 }, async (t) => {
    const logDir = await mkdtemp(join(tmpdir(), `chatcli-chaos-${seed}-`));
    const lines: string[] = [];
    const result = await runChaos({
      seed,
      instances: 50,
      namespaces: 5,
      createOverMs: 8_000,
      windowMs: 30_000,
      updates: 12,
      deletes: 12,
      inflightDeletes: 4,
      replicas: 2,
      convergeTimeoutMs: 90_000,
      settleTimeoutMs: 20_000,
      badDataObserveMs: 0,
      quietMs: 5_000,
      leaseArgs: LEASE_ARGS,
      operatorArgs: [],
      faults: {
        leaderKills: true,
        killAfterMs: [5_000, 15_000],
        apiServerRestart: true,
        etcdRestart: true,
        errorRate: 0.05,
        watchCuts: true,
        watchCutEveryMs: [5_000, 15_000],
        partitionMs: 10_000,
        gone: true,
      },
      logDir,
      log: (line) => {
        lines.push(line);
        if (process.env.CHATCLI_TEST_VERBOSE) console.error(line);
      },
    });
    t.diagnostic(`seed ${seed}; converged ${result.convergence.converged ? `${result.convergence.seconds} s after the last fault` : 'never'}; ` +
      `failovers ${result.failovers.count} (max ${result.failovers.maxSeconds ?? '-'} s); writes per instance ${result.writes.perInstance}; operator logs in ${logDir}`);
    const why = `seed ${seed}, operator logs in ${logDir}; left over: ${JSON.stringify(result.final.examples.slice(0, 5))}\n` +
      `trails: ${JSON.stringify(result.final.trails, null, 1)}\n${lines.join('\n')}`;
    assert.ok(result.faults.some((f) => f.kind === 'leader-kill'), `the leader was killed at least once: ${why}`);
    assert.deepEqual(
      { lost: result.final.lost, orphans: result.final.orphans, stuck: result.final.stuck, stale: result.final.stale },
      { lost: 0, orphans: 0, stuck: 0, stale: 0 },
      why,
    );
    assert.equal(result.final.missingInstances + result.final.unexpectedInstances, 0, `instances as the workload left them: ${why}`);
    assert.ok(result.convergence.converged, `converged within ${result.convergence.timeoutSeconds} s of the last fault: ${why}`);
    assert.deepEqual(result.crashes, [], 'no replica crashed');
    assert.deepEqual(result.leadershipOverlaps, [], 'never two leaders at once');
  });
});
