// Prometheus metrics of the controller runtime, in one registry that the
// operator's own gauges join (create them with `registers: [metrics.registry]`).
//
// Names: reconcile metrics are `<prefix>_reconciliations_total{result}` and
// `<prefix>_reconciliation_duration_seconds`, the prefix being the operator's
// (e.g. "chatcli_operator"); work-queue metrics keep controller-runtime's
// names (`workqueue_depth{name}`, ...) so its existing dashboards work as is,
// and so do requests to the API server (client-go's
// `rest_client_requests_total{code,method,host}`,
// `rest_client_request_duration_seconds{verb,host}`) and leader election
// (`leader_election_master_status{name}`). Node.js process metrics (process_*,
// nodejs_*) are included.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestObserver } from './kube.ts';
import type { WorkQueue, WorkQueueMetricsHooks } from './workqueue.ts';

export type ReconcileResult = 'success' | 'error' | 'requeue';

export interface OperatorMetrics {
  registry: Registry;
  /** Counts one finished reconcile and observes its duration. */
  observeReconcile(controller: string, result: ReconcileResult, seconds: number): void;
  /** Hooks for a work queue named `name`. */
  workQueueHooks(name: string): WorkQueueMetricsHooks;
  /** Lets the queue's in-flight state be read at scrape time. */
  watchWorkQueue(name: string, queue: WorkQueue): void;
  /** Counts and times requests to the API server: give it to setRequestObserver. */
  observeApiRequest: RequestObserver;
  /** 1 while this process leads the Lease `name`, 0 while it is a candidate. */
  setLeader(name: string, leading: boolean): void;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
// controller-runtime's work-queue buckets: 1 µs .. 1000 s, x10.
const QUEUE_BUCKETS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];
// client-go's rest_client_request_duration_seconds buckets.
const REQUEST_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

export function createOperatorMetrics(opts: { prefix: string; registry?: Registry; processMetrics?: boolean }): OperatorMetrics {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(opts.prefix)) throw new Error(`invalid metric prefix "${opts.prefix}"`);
  const registry = opts.registry ?? new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const reconciliations = new Counter({
    name: `${opts.prefix}_reconciliations_total`,
    help: 'Reconciliations finished, by result (success, error, requeue).',
    labelNames: ['controller', 'result'] as const,
    registers,
  });
  const reconcileDuration = new Histogram({
    name: `${opts.prefix}_reconciliation_duration_seconds`,
    help: 'Time one reconciliation took.',
    labelNames: ['controller'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of the work queue.', labelNames: ['name'] as const, registers });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['name'] as const, registers });
  const retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Keys re-queued with backoff after a failure.',
    labelNames: ['name'] as const,
    registers,
  });
  const queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long a key waits in the work queue before being processed.',
    labelNames: ['name'] as const,
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long processing one key takes.',
    labelNames: ['name'] as const,
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const queues = new Map<string, WorkQueue>();
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How long the longest-running key of the work queue has been in process.',
    labelNames: ['name'] as const,
    registers,
    collect() {
      for (const [name, q] of queues) this.set({ name }, q.longestRunningSeconds());
    },
  });

  const apiRequests = new Counter({
    name: 'rest_client_requests_total',
    help: 'Requests to the API server, by status code ("<error>": no answer), method and host.',
    labelNames: ['code', 'method', 'host'] as const,
    registers,
  });
  const apiRequestDuration = new Histogram({
    name: 'rest_client_request_duration_seconds',
    help: 'Time from sending a request to the API server to the head of its answer, by verb and host.',
    labelNames: ['verb', 'host'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const leader = new Gauge({
    name: 'leader_election_master_status',
    help: '1 while this process leads (holds the Lease `name`), 0 while it waits to.',
    labelNames: ['name'] as const,
    registers,
  });

  return {
    registry,
    observeReconcile(controller, result, seconds) {
      reconciliations.inc({ controller, result });
      reconcileDuration.observe({ controller }, seconds);
    },
    workQueueHooks: (name) => ({
      depth: (n) => depth.set({ name }, n),
      added: () => adds.inc({ name }),
      retried: () => retries.inc({ name }),
      queueLatency: (s) => queueDuration.observe({ name }, s),
      workDuration: (s) => workDuration.observe({ name }, s),
    }),
    watchWorkQueue(name, queue) {
      queues.set(name, queue);
    },
    observeApiRequest({ method, host, code, seconds }) {
      apiRequests.inc({ code, method, host });
      apiRequestDuration.observe({ verb: method, host }, seconds);
    },
    setLeader(name, leading) {
      leader.set({ name }, leading ? 1 : 0);
    },
  };
}
