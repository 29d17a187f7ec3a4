// Every metric the operator process exports, in one registry: the runtime's
// (reconciles, work queue, API requests, leader election, Node.js process) and
// the operator's own gauges about ChatCLIInstances. The chart's alerts and
// dashboard are checked against what this registers (test/chart).
import { Gauge } from 'prom-client';
import { createOperatorMetrics, type OperatorMetrics } from '../runtime/metrics.ts';

/** The prefix of the operator's own metric names. */
export const METRIC_PREFIX = 'chatcli_operator';

export interface ChatCLIOperatorMetrics extends OperatorMetrics {
  /** The instance's `ready` (status.ready, Available=True); undefined: the instance is gone. */
  setInstanceReady(key: { namespace: string; name: string }, ready: boolean | undefined): void;
}

export function createChatCLIOperatorMetrics(opts: { managedInstances: () => number; processMetrics?: boolean }): ChatCLIOperatorMetrics {
  const metrics = createOperatorMetrics({ prefix: METRIC_PREFIX, processMetrics: opts.processMetrics });
  const registers = [metrics.registry];
  new Gauge({
    name: `${METRIC_PREFIX}_managed_instances`,
    help: 'ChatCLIInstances this operator manages (in its cache).',
    registers,
    collect() {
      this.set(opts.managedInstances());
    },
  });
  const instanceReady = new Gauge({
    name: `${METRIC_PREFIX}_instance_ready`,
    help: '1 when the instance is Available, 0 otherwise.',
    labelNames: ['name', 'namespace'] as const,
    registers,
  });
  return {
    ...metrics,
    setInstanceReady({ namespace, name }, ready) {
      if (ready === undefined) instanceReady.remove({ name, namespace });
      else instanceReady.set({ name, namespace }, ready ? 1 : 0);
    },
  };
}
