// `chatcli-operator run`: the operator process. Wires the ChatCLI reconciler
// into the generic runtime: informers + work queue (controller), leader
// election, metrics and health servers, Events, structured logs, and a graceful
// SIGTERM (stop taking work, finish in-flight reconciles, release the Lease).
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Gauge } from 'prom-client';
import { GROUP } from '../api/chatcliinstance.ts';
import { LABEL_MANAGED_BY, OPERATOR_NAME, instanceKeyFromLabels } from '../desired/names.ts';
import { startController, type Controller } from '../runtime/controller.ts';
import { createEventRecorder } from '../runtime/events.ts';
import { DEFAULT_HEALTH_PORT, DEFAULT_METRICS_PORT, startHealthServer, startMetricsServer } from '../runtime/http.ts';
import { closeConnections, loadKubeConfig, type KubeObject } from '../runtime/kube.ts';
import { runLeaderElection } from '../runtime/leader.ts';
import { createLogger } from '../runtime/log.ts';
import { createOperatorMetrics } from '../runtime/metrics.ts';
import { createReconciler } from './reconcile.ts';
import type { ChatCLIInstance } from '../api/chatcliinstance.ts';
import {
  DEFAULT_WATCH_NAMESPACE_POLICY,
  instancesNaming,
  isWatchNamespacePolicy,
  WATCH_NAMESPACE_POLICIES,
  WATCHABLE_NAMESPACES_SELECTOR,
  type WatchNamespacePolicy,
} from '../desired/tenancy.ts';
import { Namespaces } from '../runtime/resources.ts';
import { INSTANCES, OWNED_TYPES, PODS } from './types.ts';

const USAGE = `Usage: chatcli-operator run [flags]

Runs the operator against the cluster of KUBECONFIG (or --kubeconfig), or
in-cluster from its ServiceAccount.

Flags:
  --kubeconfig PATH                     kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)
  --leader-elect                        elect one active replica through a coordination.k8s.io Lease
  --leader-election-namespace NS        namespace of the Lease (default: the pod's, else chatcli-system)
  --leader-election-id NAME             name of the Lease (default chatcli-operator.${GROUP})
  --max-concurrent-reconciles N         instances reconciled in parallel (default 16)
  --watch-namespace-policy label|any    which namespaces besides its own an instance's watcher may be granted
                                        reads in: label (default) only those labelled ${WATCHABLE_NAMESPACES_SELECTOR}; any
  --metrics-bind-address HOST:PORT      Prometheus metrics (default :${DEFAULT_METRICS_PORT}; "0" turns it off)
  --health-probe-bind-address HOST:PORT /healthz and /readyz (default :${DEFAULT_HEALTH_PORT})
  --log-level LEVEL                     trace, debug, info, warn, error (default info, or LOG_LEVEL)
`;

const IN_CLUSTER_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface OperatorFlags {
  kubeconfig?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  maxConcurrentReconciles: number;
  watchNamespacePolicy: WatchNamespacePolicy;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  logLevel?: string;
}

export function parseOperatorFlags(argv: string[]): OperatorFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string', default: `${OPERATOR_NAME}.${GROUP}` },
      'max-concurrent-reconciles': { type: 'string', default: '16' },
      'watch-namespace-policy': { type: 'string', default: DEFAULT_WATCH_NAMESPACE_POLICY },
      'metrics-bind-address': { type: 'string', default: `:${DEFAULT_METRICS_PORT}` },
      'health-probe-bind-address': { type: 'string', default: `:${DEFAULT_HEALTH_PORT}` },
      'log-level': { type: 'string' },
    },
  });
  const concurrency = Number(values['max-concurrent-reconciles']);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`--max-concurrent-reconciles must be a whole number of at least 1, not "${values['max-concurrent-reconciles']}"`);
  }
  return {
    kubeconfig: values.kubeconfig,
    leaderElect: values['leader-elect'],
    leaderElectionNamespace: values['leader-election-namespace'] ?? podNamespace() ?? 'chatcli-system',
    leaderElectionId: values['leader-election-id'],
    maxConcurrentReconciles: concurrency,
    watchNamespacePolicy: watchNamespacePolicy(values['watch-namespace-policy']),
    metricsBindAddress: values['metrics-bind-address'],
    healthProbeBindAddress: values['health-probe-bind-address'],
    logLevel: values['log-level'],
  };
}

function watchNamespacePolicy(value: string): WatchNamespacePolicy {
  if (isWatchNamespacePolicy(value)) return value;
  throw new Error(`--watch-namespace-policy must be one of ${WATCH_NAMESPACE_POLICIES.join(', ')}, not "${value}"`);
}

function podNamespace(): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  return existsSync(IN_CLUSTER_NAMESPACE) ? readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim() : undefined;
}

/** "host:port", ":port" or "port"; undefined for "0" (off). */
function bindAddress(flag: string, value: string): { host?: string; port: number } | undefined {
  if (value === '0') return undefined;
  const m = /^(?:(.*):)?(\d+)$/.exec(value);
  if (!m) throw new Error(`${flag} must be HOST:PORT, :PORT or 0, not "${value}"`);
  return { host: m[1] || undefined, port: Number(m[2]) };
}

export async function runCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let flags: OperatorFlags;
  try {
    flags = parseOperatorFlags(argv);
  } catch (err) {
    process.stderr.write(`chatcli-operator run: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  return await runOperator(flags);
}

export async function runOperator(flags: OperatorFlags): Promise<number> {
  const log = createLogger({ level: flags.logLevel, name: OPERATOR_NAME });
  const kc = loadKubeConfig({ kubeconfigPath: flags.kubeconfig });
  const metrics = createOperatorMetrics({ prefix: 'chatcli_operator' });
  const registers = [metrics.registry];
  let controller: Controller | undefined;
  let leading = false;

  new Gauge({
    name: 'chatcli_operator_managed_instances',
    help: 'ChatCLIInstances this operator manages (in its cache).',
    registers,
    collect() {
      this.set(controller?.list(INSTANCES).length ?? 0);
    },
  });
  const instanceReady = new Gauge({
    name: 'chatcli_operator_instance_ready',
    help: '1 when the instance is Available, 0 otherwise.',
    labelNames: ['name', 'namespace'] as const,
    registers,
  });

  const metricsAddr = bindAddress('--metrics-bind-address', flags.metricsBindAddress);
  const healthAddr = bindAddress('--health-probe-bind-address', flags.healthProbeBindAddress);
  const servers = [
    ...(metricsAddr ? [await startMetricsServer({ registry: metrics.registry, ...metricsAddr })] : []),
    ...(healthAddr
      ? [await startHealthServer({
          ...healthAddr,
          // A standby replica is ready: it serves probes and waits for the Lease.
          ready: () => (flags.leaderElect && !leading) || controller?.hasSynced() === true || 'caches not synced yet',
        })]
      : []),
  ];
  log.info({ metrics: servers[0]?.port, health: servers[1]?.port, leaderElect: flags.leaderElect }, 'starting');

  const shutdown = new AbortController();
  const onSignal = (signal: string) => {
    if (shutdown.signal.aborted) return;
    log.info({ signal }, 'shutting down: finishing in-flight reconciles');
    shutdown.abort();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  const events = createEventRecorder({ kc, reportingController: `${GROUP}/${OPERATOR_NAME}`, log });
  const managed = `${LABEL_MANAGED_BY}=${OPERATOR_NAME}`;
  const keyOfOwned = (obj: KubeObject): string | undefined => {
    const key = instanceKeyFromLabels(obj.metadata?.labels);
    return key && `${key.namespace}/${key.name}`;
  };

  // The reconciler reads whichever controller is current (one per leadership term).
  const currentCaches = {
    get: (...args: Parameters<Controller['get']>) => controller?.get(...args),
    list: (...args: Parameters<Controller['list']>) => controller?.list(...args) ?? [],
    lastResourceVersion: (...args: Parameters<Controller['lastResourceVersion']>) => controller?.lastResourceVersion(...args) ?? '',
  };

  const runController = async (signal: AbortSignal): Promise<void> => {
    leading = true;
    controller = startController({
      name: 'chatcliinstance',
      kc,
      primary: INSTANCES,
      owned: [...OWNED_TYPES, PODS].map((type) => ({ type, labelSelector: managed, keyOf: keyOfOwned })),
      // Only the namespaces that opted in are cached; one labelled or unlabelled
      // queues the instances whose watcher names it.
      watches: flags.watchNamespacePolicy === 'label'
        ? [{ type: Namespaces, labelSelector: WATCHABLE_NAMESPACES_SELECTOR, keysOf: (ns) => instancesNaming(ns.metadata?.name ?? '', (controller?.list(INSTANCES) ?? []) as ChatCLIInstance[]) }]
        : [],
      reconcile: createReconciler({
        kc,
        cache: currentCaches,
        watchNamespacePolicy: flags.watchNamespacePolicy,
        events,
        log,
        onInstanceStatus: ({ namespace, name }, ready) => {
          if (ready === undefined) instanceReady.remove({ name, namespace });
          else instanceReady.set({ name, namespace }, ready ? 1 : 0);
        },
      }),
      maxConcurrent: flags.maxConcurrentReconciles,
      log,
      metrics,
      signal,
    });
    await controller.synced.then(
      () => log.info({ instances: controller?.list(INSTANCES).length }, 'caches synced, reconciling'),
      () => undefined,
    );
    await controller.done;
  };
  let code = 0;
  try {
    if (flags.leaderElect) {
      const outcome = await runLeaderElection({
        kc,
        namespace: flags.leaderElectionNamespace,
        name: flags.leaderElectionId,
        onStartedLeading: async (signal) => {
          log.info({ lease: `${flags.leaderElectionNamespace}/${flags.leaderElectionId}` }, 'became leader');
          await runController(signal);
        },
        onStoppedLeading: () => {
          leading = false;
        },
        log,
        signal: shutdown.signal,
      });
      // Like controller-runtime: leadership lost without being asked to stop is fatal,
      // so that a restarted process never acts on a stale view next to a new leader.
      if (outcome === 'lost') {
        log.error('leader election lost');
        code = 1;
      }
    } else {
      await runController(shutdown.signal);
    }
  } catch (err) {
    log.error({ err }, 'operator failed');
    code = 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    closeConnections(kc);
    log.info('stopped');
  }
  return code;
}
