// The latency breakdown (bench/lib/phases.ts) and issue 11's two latency
// targets (bench/report.ts): steps are timed from the milestone they wait on,
// a pod that did not wait for its claim waited 0, and claim-less and claimed
// instances are judged against their own goals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LatencyResult } from '../../../bench/latency.ts';
import { spawn } from 'node:child_process';
import { cpuByProgram, cpuSpent } from '../../../bench/lib/cpu-split.ts';
import { CLAIM_STEPS, NO_CLAIM_STEPS, stepSeconds, type Milestones } from '../../../bench/lib/phases.ts';
import { judge, markdown, type Results } from '../../../bench/report.ts';

const step = (name: string) => CLAIM_STEPS.find((s) => s.name.startsWith(name))!;
const claimed: Milestones = {
  claimSeen: 1100, provisioningStarted: 1150, volumeSeen: 1300, volumeBound: 1320, claimBound: 1350, deploymentSeen: 1120, podCreated: 1200,
  podUnschedulable: 1210, podScheduled: 2400, podReady: 2450, deploymentAvailable: 2500,
};

describe('latency breakdown', () => {
  it('times each step from the milestone it waits on, the scheduler from the later of claim Bound and pod created', () => {
    assert.equal(stepSeconds(step('create sent -> claim'), claimed, 1000, 2600), 0.1);
    assert.equal(stepSeconds(step('provisioning -> volume created'), claimed, 1000, 2600), 0.15);
    assert.equal(stepSeconds(step('claim seen -> claim Bound'), claimed, 1000, 2600), 0.25);
    assert.equal(stepSeconds(step('pod created -> claim Bound'), claimed, 1000, 2600), 0.15);
    assert.equal(stepSeconds(step('claim Bound and pod created -> pod scheduled'), claimed, 1000, 2600), 1.05);
    assert.equal(stepSeconds(step('Deployment available -> instance Available'), claimed, 1000, 2600), 0.1);
  });

  it('a pod created after its claim was bound waited 0 for storage', () => {
    const early = { ...claimed, claimBound: 1150 };
    assert.equal(stepSeconds(step('pod created -> claim Bound'), early, 1000, 2600), 0);
    assert.equal(stepSeconds(step('claim Bound and pod created -> pod scheduled'), early, 1000, 2600), 1.2);
  });

  it('a milestone not seen gives no duration, not a wrong one', () => {
    assert.equal(stepSeconds(step('pod created -> scheduler said unschedulable'), { ...claimed, podUnschedulable: undefined }, 1000, 2600), undefined);
    assert.equal(stepSeconds(NO_CLAIM_STEPS.at(-1)!, claimed, 1000, undefined), undefined);
  });

  it('every step is the plane\'s or the operator\'s; the operator\'s are the applies and the status write', () => {
    const ours = [...CLAIM_STEPS, ...NO_CLAIM_STEPS].filter((s) => s.whose === 'operator').map((s) => s.to);
    assert.deepEqual([...new Set(ours)].sort(), ['claimSeen', 'deploymentSeen', 'instanceAvailable']);
  });
});

const p = (p99: number, instances: number) => ({ instances, p50Seconds: p99 / 2, p95Seconds: p99, p99Seconds: p99, maxSeconds: p99 });
const results = (latency: LatencyResult): Results => ({
  startedAt: 'now', source: 'abc', operator: { name: 'ours', command: 'x', kubeconfig: 'serviceaccount', maxConcurrentReconciles: 16 },
  machine: { cpus: 2, cpuModel: 'cpu', node: 'v24', load1: 0 }, options: {}, runs: [], errors: [], notes: [], targets: [],
  latency: { ...latency, load: { before: 0, after: 0, othersCores: 0 } },
});

describe('latency targets', () => {
  it('judges claim-less instances against 1 s and claimed ones against 3 s', () => {
    const r = results({ ...p(2.5, 100), perSecond: 10, samples: ['full'], withoutClaim: p(0.8, 50), withClaim: p(3.2, 50) });
    const t = judge(r).map((x) => [x.name, x.goal, x.met]);
    assert.deepEqual(t, [
      ['p99 create -> Available, without a claim (50)', '<= 1 s', true],
      ['p99 create -> Available, with a sessions claim (50)', '<= 3 s', false],
    ]);
  });

  it('prints both groups and the breakdown with whose each step is', () => {
    const steps = { withoutClaim: [], withClaim: [{ name: 'provisioning -> volume created (provisioner)', whose: 'plane' as const, instances: 50, p50Seconds: 0.1, p99Seconds: 0.3, maxSeconds: 0.4 }] };
    const r = results({ ...p(2.5, 100), perSecond: 10, samples: ['full'], withoutClaim: p(0.8, 50), withClaim: p(3.2, 50), steps, unschedulable: { instances: 40, message: 'unbound' } });
    const text = markdown({ ...r, targets: judge(r) });
    assert.match(text, /\| with a sessions claim \| 50 \| 1\.6 \| 3\.2 \| 3\.2 \| 3\.2 \|/);
    assert.match(text, /\| provisioning -> volume created \(provisioner\) \| plane \| 50 \| 0\.1 \| 0\.3 \| 0\.4 \|/);
    assert.match(text, /first found unschedulable: 40 of 50 \("unbound"\)/);
  });

  it('prints whose CPU the run took and which writes it made', () => {
    const window = { seconds: 20, cpuSeconds: { 'kube-apiserver': 20, operator: 6 }, requests: { 'APPLY configmaps': 200, 'POST pods': 100, 'PUT leases': 2, 'GET pods': 50 }, writes: 300 };
    const r = results({ ...p(2.5, 100), perSecond: 10, samples: ['full'], window });
    assert.match(markdown(r), /\(20 s\): CPU seconds by program: kube-apiserver 20 \(1 cores\), operator 6 \(0\.3 cores\)\. API server writes: 300 \(configmaps 200, pods 100\)\./);
  });

  it('a result recorded before the split keeps the old combined goal', () => {
    const t = judge(results({ ...p(1.5, 100), perSecond: 10, samples: ['minimal'] }));
    assert.deepEqual(t.map((x) => [x.goal, x.met]), [['< 2 s', true]]);
  });
});

describe('CPU by program', () => {
  it('counts a busy child the benchmark started as the operator, apart from the benchmark itself', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end); setTimeout(() => {}, 5000)']);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const before = await cpuByProgram();
      await new Promise((r) => setTimeout(r, 600));
      const spent = cpuSpent(await cpuByProgram(), before);
      assert.ok((spent.operator ?? 0) >= 0.2, `operator CPU ${spent.operator}`);
      assert.ok('benchmark' in spent);
    } finally {
      child.kill();
    }
  });
});
