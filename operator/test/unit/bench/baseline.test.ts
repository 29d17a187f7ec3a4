// The benchmark's regression gate (bench/baseline.ts): RSS and write figures
// more than 20% above the recorded baseline fail the run; zero stays zero; the
// V8 heap is compared but does not gate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWithBaseline, figuresOf, type Baseline } from '../../../bench/baseline.ts';
import type { Results, SizeRun } from '../../../bench/report.ts';

function results(run: Partial<SizeRun>): Results {
  return {
    startedAt: 'now', source: 'abc', operator: { name: 'x', command: 'x', kubeconfig: 'serviceaccount', maxConcurrentReconciles: 16 },
    machine: { cpus: 2, cpuModel: 'cpu', node: 'v24', load1: 0 } as Results['machine'], options: {}, errors: [], notes: [], targets: [],
    runs: [{ instances: 100, unrelated: 0, unrelatedCreateSeconds: 0, memory: [], sweep: [], ...run } as SizeRun],
  };
}

describe('bench baseline', () => {
  const base = results({
    memory: [{ when: 'idle, empty cluster', rssMiB: 70, heapUsedMiB: 11 }],
    idle: { seconds: 60, writes: 0, requests: {} },
  });
  const baseline: Baseline = { recordedAt: 'then', source: 'old', machine: 'm', options: {}, figures: figuresOf(base) };

  it('names each figure by size and moment', () => {
    assert.deepEqual(baseline.figures, {
      'RSS MiB, 100 plane, idle, empty cluster': 70,
      'V8 heap MiB, 100 plane, idle, empty cluster': 11,
      'writes while idle, 100': 0,
    });
  });

  it('passes within 20%, fails above it, and a single write where there were none is a regression', () => {
    const within = compareWithBaseline(results({ memory: [{ when: 'idle, empty cluster', rssMiB: 84, heapUsedMiB: 13.2 }], idle: { seconds: 60, writes: 0, requests: {} } }), baseline);
    assert.deepEqual(within.filter((c) => c.regressed), []);
    const worse = compareWithBaseline(results({ memory: [{ when: 'idle, empty cluster', rssMiB: 84.1, heapUsedMiB: 11 }], idle: { seconds: 60, writes: 1, requests: {} } }), baseline);
    assert.deepEqual(worse.filter((c) => c.regressed).map((c) => c.figure), ['RSS MiB, 100 plane, idle, empty cluster', 'writes while idle, 100']);
  });

  it('shows a V8 heap above its limit without failing on it', () => {
    const heap = compareWithBaseline(results({ memory: [{ when: 'idle, empty cluster', rssMiB: 70, heapUsedMiB: 20 }], idle: { seconds: 60, writes: 0, requests: {} } }), baseline);
    const above = heap.filter((c) => c.regressed);
    assert.deepEqual(above.map((c) => [c.figure, c.gated]), [['V8 heap MiB, 100 plane, idle, empty cluster', false]]);
    assert.deepEqual(heap.filter((c) => c.regressed && c.gated), []);
  });

  it('compares only what both runs measured', () => {
    assert.deepEqual(compareWithBaseline(results({}), baseline), []);
  });
});
