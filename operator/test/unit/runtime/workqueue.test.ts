import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkQueue, type WorkQueueOptions } from '../../../src/runtime/workqueue.ts';

/** A promise with its resolver outside, to hold a worker in flight. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Records process calls and lets each be held open until released. */
function recorder(): {
  calls: string[];
  active: Map<string, number>;
  maxParallel: { total: number; perKey: number };
  hold: Map<string, ReturnType<typeof gate>>;
  process: WorkQueueOptions['process'];
} {
  const calls: string[] = [];
  const active = new Map<string, number>();
  const maxParallel = { total: 0, perKey: 0 };
  const hold = new Map<string, ReturnType<typeof gate>>();
  let running = 0;
  return {
    calls,
    active,
    maxParallel,
    hold,
    async process(key) {
      calls.push(key);
      running++;
      active.set(key, (active.get(key) ?? 0) + 1);
      maxParallel.total = Math.max(maxParallel.total, running);
      maxParallel.perKey = Math.max(maxParallel.perKey, active.get(key)!);
      try {
        await hold.get(key)?.promise;
        await tick();
      } finally {
        running--;
        active.set(key, active.get(key)! - 1);
      }
    },
  };
}

describe('work queue', () => {
  it('processes a key added twice before a worker takes it only once', async () => {
    const r = recorder();
    const q = createWorkQueue({ process: r.process, maxConcurrent: 2 });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    assert.equal(q.len(), 2);
    q.start();
    await waitFor(() => r.calls.length === 2 && q.inFlight() === 0);
    assert.deepEqual(r.calls.sort(), ['ns/a', 'ns/b']);
  });

  it('never runs one key in two workers; a key added while in flight runs once more afterwards', async () => {
    const r = recorder();
    const g = gate();
    r.hold.set('ns/a', g);
    const q = createWorkQueue({ process: r.process, maxConcurrent: 4 });
    q.start();
    q.add('ns/a');
    await tick();
    assert.equal(q.inFlight(), 1);
    q.add('ns/a');
    q.add('ns/a');
    await tick(5);
    assert.deepEqual(r.calls, ['ns/a'], 'the second add must wait for the first run to finish');
    r.hold.delete('ns/a');
    g.open();
    await waitFor(() => r.calls.length === 2 && q.inFlight() === 0);
    await tick(5);
    assert.deepEqual(r.calls, ['ns/a', 'ns/a']);
    assert.equal(r.maxParallel.perKey, 1);
  });

  it('runs different keys in parallel up to maxConcurrent', async () => {
    const r = recorder();
    const g = gate();
    for (const k of ['a', 'b', 'c', 'd', 'e']) r.hold.set(k, g);
    const q = createWorkQueue({ process: r.process, maxConcurrent: 3 });
    q.start();
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await tick(5);
    assert.equal(q.inFlight(), 3);
    assert.equal(q.len(), 2);
    g.open();
    await waitFor(() => r.calls.length === 5 && q.inFlight() === 0);
    assert.equal(r.maxParallel.total, 3);
  });

  it('backs a failing key off exponentially: 5 ms doubling, capped at 1000 s', () => {
    const q = createWorkQueue({ process: async () => {} });
    const delays = Array.from({ length: 6 }, () => q.addRateLimited('k'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160]);
    assert.equal(q.numRequeues('k'), 6);
    for (let i = 0; i < 30; i++) q.addRateLimited('k');
    assert.equal(q.addRateLimited('k'), 1_000_000);
    assert.equal(q.addRateLimited('other'), 5, 'each key has its own backoff');
    void q.shutdown();
  });

  it('limits all retries together to 10 a second after a burst of 100, the longer of that and the key\'s own backoff winning', () => {
    let t = 0;
    const q = createWorkQueue({ process: async () => {}, now: () => t });
    const delays = Array.from({ length: 150 }, (_, i) => q.addRateLimited(`key-${i}`));
    assert.deepEqual(delays.slice(0, 100), Array(100).fill(5), 'the burst: each key only waits its own first backoff');
    assert.equal(delays[100], 100, 'then one retry every 100 ms');
    assert.equal(delays[149], 5_000);
    t += 5_000;
    assert.equal(q.addRateLimited('key-0'), 100, 'time refills the bucket; a key\'s second failure waits its turn');
    const own = createWorkQueue({ process: async () => {}, baseDelayMs: 10_000, now: () => t });
    assert.equal(own.addRateLimited('slow'), 10_000, 'a longer per-key backoff wins over the bucket');
    void q.shutdown();
    void own.shutdown();
  });

  it('forget resets a key to the base delay', () => {
    const q = createWorkQueue({ process: async () => {}, baseDelayMs: 100, maxDelayMs: 1000 });
    q.addRateLimited('k');
    q.addRateLimited('k');
    assert.equal(q.addRateLimited('k'), 400);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    assert.equal(q.addRateLimited('k'), 100);
    void q.shutdown();
  });

  it('addAfter queues the key once the delay has passed, keeping the earlier of two schedules', async () => {
    const r = recorder();
    const q = createWorkQueue({ process: r.process });
    q.start();
    q.addAfter('k', 200);
    q.addAfter('k', 30);
    q.addAfter('k', 500);
    await tick(10);
    assert.deepEqual(r.calls, []);
    await waitFor(() => r.calls.length === 1);
    await tick(250);
    assert.deepEqual(r.calls, ['k'], 'the later schedules were merged into the earlier one');
    await q.shutdown();
  });

  it('a rate-limited key is processed again after its delay', async () => {
    const r = recorder();
    const q = createWorkQueue({ process: r.process, baseDelayMs: 20 });
    q.start();
    const began = Date.now();
    q.addRateLimited('k');
    await waitFor(() => r.calls.length === 1);
    assert.ok(Date.now() - began >= 15, 'not before its backoff delay');
    await q.shutdown();
  });

  it('a throwing process does not stall the queue', async () => {
    const calls: string[] = [];
    const q = createWorkQueue({
      process: async (key) => {
        calls.push(key);
        throw new Error('boom');
      },
    });
    q.start();
    q.add('a');
    q.add('b');
    await waitFor(() => calls.length === 2);
    assert.deepEqual(calls, ['a', 'b']);
    await q.shutdown();
  });

  it('shutdown stops taking work and resolves only when in-flight work has finished', async () => {
    const r = recorder();
    const g = gate();
    r.hold.set('a', g);
    const q = createWorkQueue({ process: r.process, maxConcurrent: 1 });
    q.start();
    q.add('a');
    q.add('b');
    q.addAfter('c', 10);
    await tick();
    let drained = false;
    const done = q.shutdown().then(() => (drained = true));
    q.add('d');
    await tick(30);
    assert.equal(drained, false, 'a is still in flight');
    g.open();
    await done;
    assert.equal(q.inFlight(), 0);
    await tick(20);
    assert.deepEqual(r.calls, ['a'], 'waiting, scheduled and late keys are dropped');
    assert.equal(q.isShuttingDown(), true);
  });

  it('reports depth, adds, retries, latency, work duration and the longest running item', async () => {
    const seen = { depth: [] as number[], added: 0, retried: 0, latency: [] as number[], work: [] as number[] };
    let clock = 1_000;
    const g = gate();
    const q = createWorkQueue({
      process: () => g.promise,
      now: () => clock,
      metrics: {
        depth: (n) => seen.depth.push(n),
        added: () => seen.added++,
        retried: () => seen.retried++,
        queueLatency: (s) => seen.latency.push(s),
        workDuration: (s) => seen.work.push(s),
      },
    });
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(seen.added, 2, 'a duplicate add is not counted');
    assert.deepEqual(seen.depth, [1, 2]);
    clock += 500;
    q.start();
    assert.deepEqual(seen.latency, [0.5]);
    clock += 2_000;
    assert.equal(q.longestRunningSeconds(), 2);
    q.addRateLimited('c');
    assert.equal(seen.retried, 1);
    g.open();
    await waitFor(() => seen.work.length === 2);
    assert.equal(seen.work[0], 2);
    await q.shutdown();
  });
  it('lets the event loop turn between any two keys, even when each one finishes without I/O', async () => {
    let processed = 0;
    const q = createWorkQueue({ maxConcurrent: 16, process: async () => void processed++ });
    for (let i = 0; i < 1000; i++) q.add(`k${i}`);
    q.start();
    // A socket callback (here: a setImmediate each turn) gets a turn after every
    // key or two, not after a round of 16 workers nor after all 1000 keys ran
    // in one promise chain.
    let mostInOneTurn = 0;
    let turns = 0;
    while (processed < 1000) {
      const before = processed;
      await new Promise((r) => setImmediate(r));
      mostInOneTurn = Math.max(mostInOneTurn, processed - before);
      turns++;
    }
    assert.ok(mostInOneTurn <= 2, `${mostInOneTurn} keys ran in one turn of the event loop`);
    assert.ok(turns >= 500, `${turns} turns for 1000 keys`);
    await q.shutdown();
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await tick(2);
  }
}
