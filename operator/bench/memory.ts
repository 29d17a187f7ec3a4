// Scenario 4: the operator's memory, sampled at moments the run reaches
// (empty cluster, with unrelated objects, after n instances...). A few samples
// a second apart, median taken, after a short settle: RSS moves with GC.
import { sleep, type OperatorProcess, type Usage } from './lib/operator-process.ts';

export interface MemorySample {
  when: string;
  rssMiB: number;
  /** From the operator's /metrics (V8 heap in use), when it has one. */
  heapUsedMiB?: number;
}

const SETTLE_MS = 3000;
const SAMPLES = 3;

export async function sampleMemory(op: OperatorProcess, when: string): Promise<MemorySample> {
  await sleep(SETTLE_MS);
  const samples: Usage[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(1000);
    samples.push(await op.usage());
  }
  const median = (pick: (u: Usage) => number | undefined): number | undefined => {
    const values = samples.map(pick).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    return values.length === 0 ? undefined : values[Math.floor(values.length / 2)];
  };
  const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round((bytes / 2 ** 20) * 10) / 10);
  return { when, rssMiB: mib(median((u) => u.rssBytes))!, heapUsedMiB: mib(median((u) => u.heapUsedBytes)) };
}
