// bench/compare.ts: two results side by side, ours first, and issue 11's
// targets against the peer (RSS at each moment at or below the peer's; 1000
// instances converged at least 3x faster), judged on small made-up results.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparisonMarkdown, comparisonRows, peerTargets, workloadDifferences } from '../../../bench/compare.ts';
import type { Results, SizeRun } from '../../../bench/report.ts';
import type { ScaleResult } from '../../../bench/scale.ts';

const LOAD = { before: 0, after: 0, othersCores: 0 };

function scale(instances: number, seconds: number, extra: Partial<ScaleResult> = {}): NonNullable<SizeRun['scale']> {
  return {
    instances, objects: instances * 6, createSeconds: 1, statusSeconds: seconds, seconds, requests: {}, serverEvents: 0,
    operatorWrites: instances * 8, writesPerInstance: 8, objectsPerInstance: 6, operatorCpuSeconds: 2, statuses: instances,
    found: instances * 6, misplaced: 0, missing: 0, misplacedByKind: {}, missingByKind: {}, misplacedExamples: [], missingExamples: [],
    load: LOAD, ...extra,
  };
}

function run(instances: number, extra: Partial<SizeRun>): SizeRun {
  return { instances, unrelated: 5000, unrelatedCreateSeconds: 10, memory: [], sweep: [], ...extra };
}

function results(name: string, runs: SizeRun[], extra: Partial<Results> = {}): Results {
  return {
    startedAt: 'then', source: 'abc', operator: { name, command: name, kubeconfig: 'serviceaccount', maxConcurrentReconciles: 16, readiness: `${name} ready` },
    machine: { cpus: 2, cpuModel: 'cpu', node: 'v24', load1: 0 }, options: { unrelated: 5000, namespaces: 10 }, errors: [], notes: [], targets: [],
    runs, ...extra,
  };
}

const floor = { instances: 1000, objects: 6000, concurrency: 32, seconds: 20, tries: [], apply: { concurrency: 32, seconds: 40, load: LOAD }, load: LOAD };
const ours = results('ours', [
  run(100, { scale: scale(100, 4), memory: [{ when: 'idle, empty cluster', rssMiB: 50, heapUsedMiB: 9 }] }),
  run(1000, {
    floor, scale: scale(1000, 50), idle: { seconds: 60, writes: 0, requests: {} }, restart: { seconds: 30, writes: 0, requests: {}, readySeconds: 1.5 },
    memory: [{ when: 'idle, empty cluster', rssMiB: 55, heapUsedMiB: 9 }, { when: 'after 1000 instances converged', rssMiB: 110, heapUsedMiB: 40 }],
  }),
], { latency: { instances: 100, perSecond: 10, samples: ['minimal'], p50Seconds: 0.5, p95Seconds: 0.8, p99Seconds: 0.9, maxSeconds: 1, load: LOAD } });
const peer = results('upstream', [
  run(100, { scale: scale(100, 16), memory: [{ when: 'idle, empty cluster', rssMiB: 38 }] }),
  run(1000, {
    floor: { ...floor, seconds: 25 },
    scale: scale(1000, 160, { found: 5500, misplaced: 500, misplacedByKind: { Role: 250, RoleBinding: 250 } }),
    idle: { seconds: 60, writes: 2206, requests: {} }, restart: { seconds: 30, writes: 3000, requests: {}, readySeconds: 0.4 },
    memory: [{ when: 'idle, empty cluster', rssMiB: 38 }, { when: 'after 1000 instances converged', rssMiB: 349 }],
  }),
]);

describe('bench compare', () => {
  it('puts each figure of a size side by side, with the peer / ours ratio where both are numbers', () => {
    const rows = comparisonRows(ours, peer);
    const at = (size: string, figure: string) => rows.find((r) => r.size === size && r.figure === figure);
    assert.deepEqual(at('1000', 'convergence s'), { size: '1000', figure: 'convergence s', ours: 50, peer: 160, ratio: 3.2 });
    assert.deepEqual([at('1000', 'x POST floor')?.ours, at('1000', 'x POST floor')?.peer], [2.5, 6.4]);
    assert.deepEqual([at('1000', 'x apply floor')?.ours, at('1000', 'x apply floor')?.peer], [1.25, 4]);
    assert.deepEqual([at('1000', 'writes idle 60 s')?.ours, at('1000', 'writes idle 60 s')?.peer], [0, 2206]);
    assert.equal(at('1000', 'writes idle 60 s')?.ratio, undefined, 'no ratio to a zero');
    assert.deepEqual([at('1000', 'objects found / misplaced / missing')?.ours, at('1000', 'objects found / misplaced / missing')?.peer], ['6000 / 0 / 0', '5500 / 500 / 0']);
    assert.deepEqual([at('1000', 'V8 heap MiB, idle, empty cluster')?.ours, at('1000', 'V8 heap MiB, idle, empty cluster')?.peer], [9, 'n/a']);
    assert.deepEqual([at('latency', 'create -> Available p99 s')?.ours, at('latency', 'create -> Available p99 s')?.peer], [0.9, 'n/a']);
    assert.equal(at('100', 'x POST floor'), undefined, 'no floor at 100 in either');
    assert.deepEqual([...new Set(rows.map((r) => r.size))], ['100', '1000', 'latency']);
  });

  it('judges our RSS at each shared moment against the peer and 1000 instances at 3x faster', () => {
    const t = peerTargets(ours, peer);
    assert.deepEqual(t.map((x) => [x.name, x.met]), [
      ['RSS, 100 plane, idle, empty cluster', false],
      ['RSS, 1000 plane, idle, empty cluster', false],
      ['RSS, 1000 plane, after 1000 instances converged', true],
      ['convergence of 1000 against the peer', true],
    ]);
    assert.equal(t.at(-1)!.actual, '3.2x (50 s vs 160 s)');
    const slower = peerTargets(ours, results('upstream', [run(1000, { scale: scale(1000, 149) })]));
    assert.deepEqual(slower.map((x) => [x.actual, x.met]), [['2.98x (50 s vs 149 s)', false]]);
  });

  it('a stopped run is never a met convergence for ours, and a lower bound for the peer', () => {
    const stoppedOurs = results('ours', [run(1000, { scale: scale(1000, 30, { stopped: 'statuses: no progress for 120 s' }) })]);
    assert.deepEqual(peerTargets(stoppedOurs, peer).map((x) => [x.actual, x.met]), [['ours stopped (30 s of progress)', false]]);
    const stoppedPeer = results('upstream', [run(1000, { scale: scale(1000, 200, { stopped: 'objects: 3 of 6000 missing', missing: 3 }) })]);
    assert.deepEqual(peerTargets(ours, stoppedPeer).map((x) => x.met), [true]);
    assert.match(peerTargets(ours, stoppedPeer)[0]!.actual, /^at least 4x/);
    const rows = comparisonRows(ours, stoppedPeer);
    assert.equal(rows.find((r) => r.size === '1000' && r.figure === 'convergence s')?.peer, 'stopped (200 s of progress)');
    assert.equal(rows.find((r) => r.size === '1000' && r.figure === 'x POST floor')?.peer, 'n/a');
  });

  it('prints one table, the targets, what ready meant for each, and a workload that differs', () => {
    const text = comparisonMarkdown(ours, { ...peer, options: { unrelated: 1000, namespaces: 10 }, errors: ['1000 instances: scale stopped: x'] });
    assert.match(text, /\| 1000 \| convergence s \| 50 \| 160 \| 3\.2x \|/);
    assert.match(text, /ready = ours ready/);
    assert.match(text, /ready = upstream ready/);
    assert.match(text, /\*\*not the same workload\*\*: unrelated: 5000 vs 1000/);
    assert.match(text, /\| convergence of 1000 against the peer \| >= 3x faster \| 3\.2x/);
    assert.match(text, /- peer: 1000 instances: scale stopped: x/);
    assert.deepEqual(workloadDifferences(ours, ours), []);
  });

  it('says when nothing could be judged', () => {
    const text = comparisonMarkdown(results('a', [run(100, { scale: scale(100, 4) })]), results('b', [run(1000, { scale: scale(1000, 4) })]));
    assert.match(text, /Memory not judged/);
    assert.match(text, /Convergence not judged/);
  });
});
