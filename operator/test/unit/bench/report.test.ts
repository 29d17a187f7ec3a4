// bench/report.ts on the accounting and a stopped scenario: misplaced objects
// are reported (not hidden in "converged"), a stopped run is no met
// convergence, and the header says what "ready" meant for the operator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OUR_OPERATOR_READINESS, readinessOf } from '../../../bench/lib/operator-process.ts';
import { judge, markdown, perInstance, type Results, type SizeRun } from '../../../bench/report.ts';
import type { ScaleResult } from '../../../bench/scale.ts';

const LOAD = { before: 0, after: 0, othersCores: 0 };
const scale = (extra: Partial<ScaleResult>): NonNullable<SizeRun['scale']> => ({
  instances: 100, objects: 600, createSeconds: 1, statusSeconds: 10, seconds: 12, requests: {}, serverEvents: 0, operatorWrites: 800,
  writesPerInstance: 8, objectsPerInstance: 6, operatorCpuSeconds: 2, statuses: 100, found: 600, misplaced: 0, missing: 0,
  misplacedByKind: {}, missingByKind: {}, misplacedExamples: [], missingExamples: [], load: LOAD, ...extra,
});
const floor = { instances: 100, objects: 600, concurrency: 32, seconds: 10, tries: [], apply: { concurrency: 32, seconds: 11, load: LOAD }, load: LOAD };
const results = (s: NonNullable<SizeRun['scale']>, readiness?: string): Results => ({
  startedAt: 'now', source: 'abc', operator: { name: 'peer', command: './manager', kubeconfig: 'serviceaccount', maxConcurrentReconciles: 16, readiness },
  machine: { cpus: 2, cpuModel: 'cpu', node: 'v24', load1: 0 }, options: {}, errors: [], notes: [], targets: [],
  runs: [{ instances: 100, unrelated: 0, unrelatedCreateSeconds: 0, memory: [], sweep: [], floor, scale: s }],
});

describe('bench report', () => {
  it('misplaced objects converge but are reported, with kinds and an example', () => {
    const r = results(scale({ found: 550, misplaced: 50, misplacedByKind: { Role: 25, RoleBinding: 25 }, misplacedExamples: ['Role production/x-watcher found in home'] }), '/readyz as the operator defines it');
    const t = judge(r);
    assert.deepEqual(t.find((x) => x.name.startsWith('convergence'))?.met, true);
    assert.deepEqual(t.find((x) => x.name.startsWith('objects where ours'))?.actual, '550 found, 50 misplaced, 0 missing');
    assert.equal(t.find((x) => x.name.startsWith('objects where ours'))?.met, false);
    const text = markdown({ ...r, targets: t });
    assert.match(text, /ready = \/readyz as the operator defines it\./);
    assert.match(text, /\| 550 \/ 50 \/ 0 \|/);
    assert.match(text, /- 100: 100 of 100 statuses written; 550 found, 50 misplaced, 0 missing; misplaced Role 25, RoleBinding 25, e\.g\. Role production\/x-watcher found in home/);
  });

  it('a stopped scale run is no met convergence and says why', () => {
    const r = results(scale({ seconds: 8, statuses: 97, stopped: 'statuses: 3 of 100 instances not done: no progress for 120 s (e.g. bench-0/x)' }));
    const convergence = judge(r).find((x) => x.name.startsWith('convergence'))!;
    assert.deepEqual([convergence.met, convergence.actual], [false, 'stopped after 8 s of progress']);
    const text = markdown({ ...r, targets: judge(r) });
    assert.match(text, /\| stopped \(8 s of progress\) \|/);
    assert.match(text, /97 of 100 statuses written.*\*\*stopped\*\*: statuses: 3 of 100 instances not done: no progress for 120 s/);
    assert.match(text, /ready = not recorded/);
  });

  it('"ready" per operator: ours is its cache-synced /readyz, another says its own or what the bench waited for', () => {
    assert.match(OUR_OPERATOR_READINESS, /caches synced/);
    assert.equal(readinessOf('./manager --health-probe-bind-address=127.0.0.1:{healthPort}'), '/readyz as the operator defines it');
    assert.equal(readinessOf('./manager'), 'fixed 5 s wait (no {healthPort})');
    assert.equal(readinessOf('./manager --health-probe-bind-address=:{healthPort}', '/readyz, answers before caches sync'), '/readyz, answers before caches sync');
  });
  it('per instance: time and memory above the idle cluster over n, judged from 1000 up', () => {
    const run = (n: number, seconds: number, idleRss: number, afterRss: number): SizeRun => ({
      instances: n, unrelated: 0, unrelatedCreateSeconds: 0, sweep: [],
      scale: scale({ instances: n, seconds }),
      memory: [{ when: 'idle, empty cluster', rssMiB: idleRss, heapUsedMiB: 10 }, { when: `after ${n} instances converged`, rssMiB: afterRss, heapUsedMiB: 30 }],
    });
    const r: Results = { ...results(scale({})), runs: [run(100, 5, 70, 80), run(1000, 50, 70, 120), run(5000, 400, 70, 320)] };
    assert.deepEqual(perInstance(r).map((p) => [p.instances, p.msPerInstance, p.rssKiBPerInstance]), [[100, 50, 102.4], [1000, 50, 51.2], [5000, 80, 51.2]]);
    const t = judge(r).filter((x) => x.name.includes('per instance'));
    assert.deepEqual(t.map((x) => [x.name, x.met]), [['time per instance, 1000 -> 5000', false], ['RSS per instance, 1000 -> 5000', true]]);
    assert.match(markdown({ ...r, targets: t }), /\| 5000 \| 80 \| 51.2 \| 4.1 \|/);
  });
});
