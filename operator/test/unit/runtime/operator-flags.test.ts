import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_KUBE_API_BURST, DEFAULT_KUBE_API_QPS, longestShutdownMs, parseOperatorFlags } from '../../../src/reconciler/operator.ts';

const MANAGER = new URL('../../../config/manager/manager.yaml', import.meta.url);

describe('operator flags', () => {
  it('defaults: client-go lease timings, a 10 h resync, 200 requests a second with bursts of 400', () => {
    const flags = parseOperatorFlags([]);
    assert.equal(flags.leaseDurationMs, 15_000);
    assert.equal(flags.renewDeadlineMs, 10_000);
    assert.equal(flags.retryPeriodMs, 2_000);
    assert.equal(flags.syncPeriodMs, 10 * 3_600_000);
    // No client-side limit unless asked for, as controller-runtime since 2025: the server's APF is the back-pressure.
    assert.equal(flags.kubeApiRateLimit, undefined);
    assert.deepEqual([DEFAULT_KUBE_API_QPS, DEFAULT_KUBE_API_BURST], [-1, 400]);
    assert.deepEqual(parseOperatorFlags(['--kube-api-qps=100']).kubeApiRateLimit, { perSecond: 100, burst: DEFAULT_KUBE_API_BURST });
  });

  it('takes durations as Kubernetes components do, and a negative QPS turns the client limit off', () => {
    const flags = parseOperatorFlags([
      '--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms',
      '--sync-period=1h30m', '--kube-api-qps=-1',
    ]);
    assert.deepEqual([flags.leaseDurationMs, flags.renewDeadlineMs, flags.retryPeriodMs, flags.syncPeriodMs], [4_000, 3_000, 500, 5_400_000]);
    assert.equal(flags.kubeApiRateLimit, undefined);
    assert.equal(parseOperatorFlags(['--sync-period=0']).syncPeriodMs, 0, '0 never resyncs');
  });

  it('refuses lease timings a successor could overlap, and limits that give no request', () => {
    assert.throws(() => parseOperatorFlags(['--leader-elect-renew-deadline=20s']), /lease-duration > --leader-elect-renew-deadline/);
    assert.throws(() => parseOperatorFlags(['--leader-elect-retry-period=9s']), /1.2 x --leader-elect-retry-period/);
    assert.throws(() => parseOperatorFlags(['--sync-period=10']), /--sync-period: "10" is not a duration/);
    assert.throws(() => parseOperatorFlags(['--kube-api-qps=0']), /--kube-api-qps/);
    assert.throws(() => parseOperatorFlags(['--kube-api-burst=0']), /--kube-api-burst/);
  });

  it("the manager's termination grace period outlasts drain, abort and Lease release", () => {
    const docs = parseAllDocuments(readFileSync(MANAGER, 'utf8')).map((d) => d.toJS() as { kind: string; spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: { args: string[] }[] } } } });
    const deployment = docs.find((d) => d.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    const flags = parseOperatorFlags(pod.containers[0]!.args.slice(1));
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > longestShutdownMs(flags),
      `${pod.terminationGracePeriodSeconds} s must be above ${longestShutdownMs(flags)} ms`);
  });
});
